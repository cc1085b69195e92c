// swift-tools-version:6.0
import PackageDescription

/// dist-train: data-parallel training of 1-D networks (a ResNet by default) on ECGs over MPI.
///
/// Dependency direction is one way: `dist-train → ECGNets → DistTensor → C shims` (CDNNL is a small C target; the others are module maps).
let package = Package(
    name: "dist-train",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "dist-train", targets: ["dist-train"]),
        .library(name: "DistTensor", targets: ["DistTensor"]),
        .library(name: "ECGNets", targets: ["ECGNets"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CMPI", pkgConfig: "ompi",
                       providers: [.apt(["libopenmpi-dev"])]),
        .systemLibrary(name: "CNetCDF", pkgConfig: "netcdf",
                       providers: [.apt(["libnetcdf-dev"])]),
        // oneDNN (apt libdnnl-dev, which has no pkg-config file: the module map links dnnl and its OpenMP
        // runtime). cdnnl.c holds every call that differs between oneDNN 2.x and 3.x; kernels.c DistTensor's
        // elementwise and BatchNorm loops, in AVX-512 and portable variants picked at run time (no FMA contraction
        // there, so both give the same bits; -fno-math-errno lets Adam's square root vectorise).
        .target(name: "CDNNL", cSettings: [.unsafeFlags(["-O2", "-fno-math-errno"])]),
        // No unsafe flags: release builds are whole-module optimised already, so `swift build` works in debug too, and
        // shape preconditions stay on in every build (the tests run in release). -Ounchecked gained nothing measurable
        // on `bench` (interleaved A/B, README "Performance").
        .target(name: "DistTensor", dependencies: ["CBLAS", "CDNNL", "CMPI", "CNetCDF"]),
        .target(name: "ECGNets", dependencies: ["DistTensor"]),
        .executableTarget(name: "dist-train", dependencies: [
            "DistTensor", "ECGNets",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "DistTensorTests", dependencies: ["DistTensor", "CDNNL"], exclude: ["Fixtures"]),
        .testTarget(name: "ECGNetsTests", dependencies: ["ECGNets", "DistTensor"], exclude: ["Fixtures"]),
        // Runs the built `dist-train` binary, under mpirun where the test says so.
        .testTarget(name: "DistTrainTests", dependencies: ["dist-train", "ECGNets", "DistTensor"]),
    ]
)
