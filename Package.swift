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
        .target(name: "TesseraMetrics", dependencies: ["CICU"]),
        .executableTarget(name: "bleu-bench", dependencies: ["TesseraMetrics"]),
        .executableTarget(name: "tessera", dependencies: ["TesseraText"]),
        .testTarget(name: "TesseraTextTests", dependencies: ["TesseraText"]),
        .testTarget(name: "TesseraMetricsTests", dependencies: ["TesseraMetrics"],
                    resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v5],
    cxxLanguageStandard: .cxx17
)
