// swift-tools-version:6.1
import PackageDescription

// The shipping build (GS_STATIC=1, see plugin-image/) links gRPC core, protobuf-c and the C++ runtime statically
// through a generated response file; the development build links Debian's shared libraries.
let staticLink = Context.environment["GS_STATIC"] == "1"
let linkRSP = Context.environment["GS_LINK_RSP"] ?? "plugin-image/.link/link.rsp"

let shimLinker: [LinkerSetting] = staticLink
    ? [.unsafeFlags(["@\(linkRSP)"])]
    : [.linkedLibrary("grpc"), .linkedLibrary("gpr"), .linkedLibrary("protobuf-c")]

let log = Target.Dependency.product(name: "Logging", package: "swift-log")
let nio = { (name: String) in Target.Dependency.product(name: name, package: "swift-nio") }

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
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        // Benchmarks only (allocation counts through its malloc interposer); nothing of it is linked into the plugin.
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // All C, by concern: rpc/ (gRPC core server and client loops), process/, generated/ (protoc-c output).
        .target(
            name: "CGRPCShim",
            exclude: ["README.md", "rpc/README.md", "process/README.md"],
            cSettings: [.headerSearchPath("."), .unsafeFlags(["-Wall", "-Wno-unused-parameter"])],
            linkerSettings: shimLinker
        ),
        // go-plugin + Velero protocol in Swift; knows nothing about KubeVirt.
        .target(name: "VeleroPluginKit", dependencies: ["CGRPCShim", "LosslessJSON", log]),
        // Lossless JSON: key order and number literals kept; used for every item edit and every API response.
        .target(name: "LosslessJSON"),
        // Kubernetes REST client: kubeconfig/in-cluster configuration, TLS, retries, rate limit, pagination.
        .target(
            name: "KubeClient",
            dependencies: [
                "LosslessJSON", log, nio("NIOCore"), nio("NIOPosix"), nio("NIOHTTP1"), nio("NIOTLS"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // The KubeVirt actions, object graphs, filters and cluster caches.
        .target(name: "KubeVirtVeleroPlugin", dependencies: ["VeleroPluginKit", "LosslessJSON", "KubeClient", log]),
        // The plugin: registrations only.
        .executableTarget(name: "kubevirt-velero-plugin", dependencies: ["VeleroPluginKit", "KubeVirtVeleroPlugin", "KubeClient"]),
        // A plugin made with VeleroPluginKit alone, driven by the kit's end-to-end tests (not shipped).
        .executableTarget(name: "kit-test-plugin", dependencies: ["VeleroPluginKit"]),
        // A local Kubernetes API (HTTP or HTTPS on loopback) serving objects from memory, with fault injection and
        // generated certificates: used by the tests and the host CLI. Not linked into the plugin.
        .target(
            name: "FakeKubeAPI",
            dependencies: [
                "LosslessJSON", nio("NIOCore"), nio("NIOPosix"), nio("NIOHTTP1"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        // Drives any plugin binary the way Velero does.
        .target(name: "PluginHost", dependencies: ["CGRPCShim", "VeleroPluginKit"]),
        // Fuzz targets; a plain build replays inputs, `make fuzz` builds it with libFuzzer (see the file's header).
        .executableTarget(
            name: "kubevirt-fuzz",
            dependencies: ["KubeVirtVeleroPlugin", "VeleroPluginKit", "KubeClient", .product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "VeleroSimulator",
            dependencies: [
                "PluginHost", "VeleroPluginKit", "FakeKubeAPI", "LosslessJSON", .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "velero-plugin-host",
            dependencies: [
                "PluginHost", "FakeKubeAPI", "VeleroSimulator", "PluginPerformance", "LosslessJSON",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The whole-process performance suite (`make bench`, docs/performance.md): the plugin binary driven over its
        // socket by PluginHost, with items from the examples and scale namespaces served by the simulator's local API.
        .target(
            name: "PluginPerformance",
            dependencies: ["PluginHost", "VeleroPluginKit", "VeleroSimulator", "FakeKubeAPI", "LosslessJSON"],
            path: "Benchmarks/PluginPerformance"
        ),
        // In-process benchmarks of every action's Execute (wall clock, allocations): `make bench-actions`.
        .executableTarget(
            name: "ActionBenchmarks",
            dependencies: [
                "VeleroPluginKit", "KubeVirtVeleroPlugin", "KubeClient", "VeleroSimulator", "PluginPerformance", "LosslessJSON",
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/ActionBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // KubeVirt's and CDI's published API (key names and types) and the check that holds test objects to it.
        .target(name: "SchemaCheck", dependencies: ["LosslessJSON"], path: "Tests/SchemaCheck"),
        .testTarget(name: "VeleroPluginKitTests", dependencies: ["VeleroPluginKit", "PluginHost", "CGRPCShim", "LosslessJSON"]),
        .testTarget(name: "LosslessJSONTests", dependencies: ["LosslessJSON"]),
        .testTarget(name: "KubeClientTests", dependencies: ["KubeClient", "FakeKubeAPI", "LosslessJSON", nio("NIOCore"), nio("NIOPosix")]),
        .testTarget(name: "KubeVirtVeleroPluginTests", dependencies: ["KubeVirtVeleroPlugin", "VeleroPluginKit", "KubeClient", "SchemaCheck"]),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["PluginHost", "VeleroPluginKit", "FakeKubeAPI", "VeleroSimulator", "LosslessJSON", "SchemaCheck"],
            exclude: ["Golden", "Stubs"]),
        .testTarget(name: "PluginPerformanceTests", dependencies: ["PluginPerformance", "PluginHost", "SchemaCheck"]),
        .testTarget(
            name: "VeleroSimulatorTests", dependencies: ["VeleroSimulator", "LosslessJSON", "FakeKubeAPI", "PluginHost", "SchemaCheck"]),
    ]
)
