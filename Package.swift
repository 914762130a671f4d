// swift-tools-version:6.0
import PackageDescription

// Layers, lowest first; each target depends only on the ones above it:
//   native shims (CBLAS, CICU, CSentencePiece)
//   TesseraText (normalize, tokenize), TesseraMetrics (BLEU/chrF/TER)
//   TesseraData (corpora readers, batching)
//   tessera (the CLI, a thin shell)
let package = Package(
    name: "Tessera",
    products: [
        .executable(name: "tessera", targets: ["tessera"]),
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
        .target(name: "TesseraText", dependencies: ["CICU", "CSentencePiece"]),
        .executableTarget(name: "tessera", dependencies: ["TesseraText"]),
        .target(name: "TesseraTensor", dependencies: ["CBLAS"]),
        .target(name: "TesseraNN", dependencies: ["TesseraTensor"]),
        .target(name: "CAllocCounter"),
        .executableTarget(name: "kernel-bench", dependencies: ["TesseraTensor", "TesseraNN", "CAllocCounter"]),
        .testTarget(name: "TesseraTensorTests", dependencies: ["TesseraTensor", "TesseraNN"]),
        .testTarget(name: "TesseraTextTests", dependencies: ["TesseraText"]),
    ],
    swiftLanguageModes: [.v5],
    cxxLanguageStandard: .cxx17
)
