// swift-tools-version:6.0
import PackageDescription

// Layers, lowest first; each target depends only on the ones above it:
//   native shims (CBLAS, CICU, CSentencePiece); TesseraIO (file formats, errors)
//   TesseraKernels (vector kernels) → TesseraTensor (tensors, autodiff) → TesseraNN (layers, Adam)
//   TesseraText (normalize, tokenize), TesseraMetrics (BLEU/chrF/TER)
//   TesseraData (corpora readers, batching)
//   tessera (the CLI, a thin shell)
let package = Package(
    name: "Tessera",
    products: [
        .executable(name: "tessera", targets: ["tessera"]),
        // For fuzz/, the libFuzzer harness: a package of its own, built with -sanitize=fuzzer.
        .library(name: "TesseraIO", targets: ["TesseraIO"]),
        .library(name: "TesseraText", targets: ["TesseraText"]),
        .library(name: "TesseraData", targets: ["TesseraData"]),
        .library(name: "TesseraMetrics", targets: ["TesseraMetrics"]),
        .library(name: "TesseraModels", targets: ["TesseraModels"]),
        .library(name: "TesseraTraining", targets: ["TesseraTraining"]),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        // ICU is wrapped in C because Foundation ships its own ICU headers and
        // the two clash in any Swift module that sees both (see native-deps.md).
        .target(name: "CICU",
                linkerSettings: [.linkedLibrary("icuuc"), .linkedLibrary("icui18n")]),
        .target(name: "CSentencePiece",
                linkerSettings: [.linkedLibrary("sentencepiece"),
                                 .linkedLibrary("sentencepiece_train"),
                                 .linkedLibrary("stdc++")]),
        .target(name: "TesseraIO"),
        // The vector kernels, built twice from one directory (TesseraKernelsAVX2 is a symlink): for
        // any x86-64, and for AVX2 + FMA CPUs, chosen at run time (TesseraTensor/KernelBuild.swift).
        .target(name: "TesseraKernels"),
        .target(name: "TesseraKernelsAVX2",
                swiftSettings: [.unsafeFlags(["-target-cpu", "haswell"]), .define("TESSERA_FMA")]),
        .target(name: "TesseraTensor", dependencies: ["CBLAS", "TesseraKernels", "TesseraKernelsAVX2"]),
        .target(name: "TesseraNN", dependencies: ["TesseraTensor", "TesseraKernels"]),
        .target(name: "CAllocCounter"),
        .executableTarget(name: "kernel-bench", dependencies: ["TesseraTensor", "TesseraNN", "CAllocCounter"]),
        .target(name: "TesseraText", dependencies: ["TesseraIO", "CICU", "CSentencePiece"]),
        .target(name: "TesseraMetrics", dependencies: ["TesseraIO", "CICU"]),
        .executableTarget(name: "bleu-bench", dependencies: ["TesseraMetrics"]),
        .target(name: "TesseraData", dependencies: ["TesseraIO", "TesseraText", "TesseraTensor"]),
        .target(name: "TesseraDecoding"),
        .target(name: "TesseraModels", dependencies: ["TesseraIO", "TesseraTensor", "TesseraNN", "TesseraDecoding"]),
        .target(name: "TesseraTranslation", dependencies: ["TesseraIO", "TesseraText", "TesseraModels", "TesseraDecoding"]),
        .target(name: "TesseraTraining", dependencies: ["TesseraIO", "TesseraText", "TesseraData", "TesseraTensor", "TesseraNN",
                                                        "TesseraModels", "TesseraDecoding", "TesseraTranslation", "TesseraMetrics"]),
        .executableTarget(name: "model-bench", dependencies: ["TesseraTensor", "TesseraNN", "TesseraModels", "TesseraDecoding",
                                                             "CAllocCounter"]),
        // Dumps Tessera's logits, gradients and training batches for recipes/parity-torch.py.
        .executableTarget(name: "parity-dump", dependencies: ["TesseraIO", "TesseraText", "TesseraTensor", "TesseraData",
                                                              "TesseraModels", "TesseraTraining"]),
        .executableTarget(name: "moe-bench", dependencies: ["TesseraTensor", "TesseraNN", "TesseraModels"]),
        .executableTarget(name: "tessera", dependencies: ["TesseraIO", "TesseraText", "TesseraTensor", "TesseraData", "TesseraMetrics",
                                                          "TesseraModels", "TesseraDecoding", "TesseraTranslation", "TesseraTraining"]),
        .testTarget(name: "TesseraIOTests", dependencies: ["TesseraIO"]),
        .testTarget(name: "TesseraMetricsTests", dependencies: ["TesseraMetrics"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "TesseraTensorTests", dependencies: ["TesseraKernels", "TesseraTensor", "TesseraNN"]),
        .testTarget(name: "TesseraDecodingTests", dependencies: ["TesseraDecoding"]),
        .testTarget(name: "TesseraModelsTests", dependencies: ["TesseraTensor", "TesseraNN", "TesseraDecoding", "TesseraModels"]),
        .testTarget(name: "TesseraKindsTests", dependencies: ["TesseraIO", "TesseraTensor", "TesseraNN", "TesseraModels"]),
        .testTarget(name: "TesseraTrainingTests", dependencies: ["TesseraIO", "TesseraText", "TesseraData", "TesseraModels", "TesseraTraining"]),
        .testTarget(name: "TesseraDataTests", dependencies: ["TesseraIO", "TesseraText", "TesseraTensor", "TesseraData", "TesseraTraining"]),
        .testTarget(name: "TesseraTextTests", dependencies: ["TesseraIO", "TesseraText", "TesseraTensor", "TesseraData", "TesseraModels"]),
    ],
    swiftLanguageModes: [.v5],
    cxxLanguageStandard: .cxx17
)
