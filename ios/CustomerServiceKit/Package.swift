// swift-tools-version:5.9
// The iOS app's Swift that is not UI: the core's generated bindings and the
// hand-written layer the SwiftUI views hold (CustomerServiceKit). Built and
// tested on Linux too (scripts/test-swift), against the host-built core.
//
// Sources/CustomerServiceCoreFFI and Sources/CustomerServiceCore are generated
// (scripts/bindings, copied in by scripts/test-swift or scripts/ios-xcframework).
import PackageDescription

let package = Package(
    name: "CustomerServiceKit",
    platforms: [.iOS(.v16), .macOS(.v13)],
    products: [
        .library(name: "CustomerServiceKit", targets: ["CustomerServiceKit"]),
    ],
    targets: [
        // The C declarations of the core's FFI; links libcs_core.
        .systemLibrary(name: "CustomerServiceCoreFFI", path: "Sources/CustomerServiceCoreFFI"),
        // uniffi's generated Swift over that FFI.
        .target(name: "CustomerServiceCore", dependencies: ["CustomerServiceCoreFFI"], exclude: ["README.md"]),
        // What the app's views hold: async functions, AsyncStreams, one state holder per screen.
        .target(name: "CustomerServiceKit", dependencies: ["CustomerServiceCore"]),
        .testTarget(name: "CustomerServiceKitTests", dependencies: ["CustomerServiceKit"]),
    ]
)
