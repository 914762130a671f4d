// swift-tools-version:6.0
import PackageDescription

// libFuzzer harness for Tessera's parsers: built only by recipes/fuzz.sh, with
// -sanitize=fuzzer,address (libFuzzer supplies main), so it lives apart from the
// main package, whose `swift build` would otherwise fail to link it. The script links
// .build/fuzz-root/tessera to the repository, so the dependency has a stable name wherever the
// clone lives.
let package = Package(
    name: "TesseraFuzz",
    dependencies: [.package(path: "../.build/fuzz-root/tessera")],
    targets: [
        .executableTarget(name: "tessera-fuzz", dependencies: [
            .product(name: "TesseraIO", package: "tessera"), .product(name: "TesseraText", package: "tessera"),
            .product(name: "TesseraData", package: "tessera"), .product(name: "TesseraMetrics", package: "tessera"),
            .product(name: "TesseraModels", package: "tessera"), .product(name: "TesseraTraining", package: "tessera"),
        ]),
    ],
    swiftLanguageModes: [.v5]
)
