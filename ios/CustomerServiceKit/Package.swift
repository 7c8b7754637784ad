// swift-tools-version:5.9
// The iOS app's Swift that is not UI: the core's generated bindings and the
// hand-written layer the SwiftUI views hold (CustomerServiceKit). Built and
// tested on Linux too (scripts/test-swift), against the host-built core.
//
// Sources/CustomerServiceCoreFFI and Sources/CustomerServiceCore are generated
// (scripts/bindings, copied in by scripts/test-swift or scripts/ios-xcframework).
import PackageDescription

// The core itself: on Linux the host-built libcs_core.so through a module map
// (scripts/test-swift); on Apple platforms the XCFramework that
// scripts/ios-xcframework builds (static libraries for iOS, the simulator
// and macOS, with the same header and module map).
#if os(Linux)
let coreFFI: Target = .systemLibrary(name: "CustomerServiceCoreFFI", path: "Sources/CustomerServiceCoreFFI")
#else
let coreFFI: Target = .binaryTarget(name: "CustomerServiceCoreFFI", path: "CustomerServiceCoreFFI.xcframework")
#endif

let package = Package(
    name: "CustomerServiceKit",
    platforms: [.iOS(.v17), .macOS(.v14)],
    products: [
        .library(name: "CustomerServiceKit", targets: ["CustomerServiceKit"]),
    ],
    targets: [
        // The C declarations of the core's FFI, and the library.
        coreFFI,
        // uniffi's generated Swift over that FFI.
        .target(name: "CustomerServiceCore", dependencies: ["CustomerServiceCoreFFI"], exclude: ["README.md"]),
        // What the app's views hold: async functions, AsyncStreams, one state holder per screen.
        .target(name: "CustomerServiceKit", dependencies: ["CustomerServiceCore"]),
        .testTarget(name: "CustomerServiceKitTests", dependencies: ["CustomerServiceKit"]),
    ]
)
