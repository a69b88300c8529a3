// swift-tools-version:6.1
import PackageDescription

// The shipping build (GS_STATIC=1, see plugin-image/) links gRPC core, protobuf-c and the C++ runtime statically
// through a generated response file; the development build links Debian's shared libraries.
let staticLink = Context.environment["GS_STATIC"] == "1"
let linkRSP = Context.environment["GS_LINK_RSP"] ?? "plugin-image/.link/link.rsp"

let shimLinker: [LinkerSetting] = staticLink
    ? [.unsafeFlags(["@\(linkRSP)"])]
    : [.linkedLibrary("grpc"), .linkedLibrary("gpr"), .linkedLibrary("protobuf-c")]

let package = Package(
    name: "kubevirt-velero-plugin",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "kubevirt-velero-plugin", targets: ["kubevirt-velero-plugin"]),
        .executable(name: "velero-plugin-host", targets: ["velero-plugin-host"]),
        .library(name: "VeleroPluginKit", targets: ["VeleroPluginKit"]),
        .library(name: "PluginHost", targets: ["PluginHost"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
    ],
    targets: [
        .target(
            name: "CGRPCShim",
            exclude: ["README.md"],
            cSettings: [.unsafeFlags(["-Wall", "-Wno-unused-parameter"])],
            linkerSettings: shimLinker
        ),
        .target(
            name: "VeleroPluginKit",
            dependencies: ["CGRPCShim", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "KubeVirtVeleroPlugin",
            dependencies: ["VeleroPluginKit", .product(name: "Logging", package: "swift-log")]
        ),
        .executableTarget(
            name: "kubevirt-velero-plugin",
            dependencies: ["VeleroPluginKit", "KubeVirtVeleroPlugin"]
        ),
        // A plugin made with VeleroPluginKit alone, driven by the kit's end-to-end tests (not shipped).
        .executableTarget(
            name: "kit-test-plugin",
            dependencies: ["VeleroPluginKit"]
        ),
        .target(
            name: "PluginHost",
            dependencies: ["CGRPCShim", "VeleroPluginKit"]
        ),
        .executableTarget(
            name: "velero-plugin-host",
            dependencies: ["PluginHost", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(
            name: "VeleroPluginKitTests",
            dependencies: ["VeleroPluginKit", "PluginHost"],
            resources: []
        ),
        .testTarget(
            name: "KubeVirtVeleroPluginTests",
            dependencies: ["KubeVirtVeleroPlugin", "VeleroPluginKit"]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["PluginHost", "VeleroPluginKit"]
        ),
    ]
)
