// swift-tools-version:6.0
// gentrain: one training engine, three front doors (C ABI, Python via ctypes, Swift).
// Targets depend downward only:
//   GentrainMath (vectorizable float math) <- GentrainKernelsAVX2, GentrainKernelsAVX512 (loops built for wider CPUs)
//   <- GentrainCore (dtype, storage, Tensor, kernels, RNG, autograd, ops; CGentrainDNNL: oneDNN convolutions;
//      CGentrainCPU: CPUID; CGentrainKernels: the packing GEMM, conversions)
//     <- GentrainNN (modules, losses) <- GentrainOptim (optimizers, schedulers)
//     <- GentrainIO (safetensors, training checkpoints)
//     <- GentrainDistributed (process groups over threads, MPI or the host's collectives; DDP, DataParallel;
//        CGentrainMPI: Open MPI through dlopen)
//     <- Gentrain (the Swift API) and GentrainCABI (the C ABI, built as libgentrain.so).
import PackageDescription

let root = Context.packageDirectory
// C targets' debug information in DWARF 4, as the Swift code's: valgrind 3.19 cannot read clang's DWARF 5.
let cFlags: [CSetting] = [.unsafeFlags(["-gdwarf-4"])]
// -fno-math-errno: square roots become instructions (and vectorize) instead of errno-setting libm calls.
let engineFlags: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked", "-Xcc", "-fno-math-errno"])]

let package = Package(
    name: "gentrain",
    products: [
        .library(name: "Gentrain", targets: ["Gentrain"]),
        .library(name: "gentrain", type: .dynamic, targets: ["GentrainCABI"]),
    ],
    targets: [
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS"),
        .systemLibrary(name: "CGentrain", path: "Sources/CGentrain"),
        // oneDNN's convolutions, called through dlopen (the header is needed to build, the library optional to run).
        .target(name: "CGentrainDNNL", cSettings: cFlags),
        // Open MPI, called through dlopen (no header or library needed to build; optional to run).
        .target(name: "CGentrainMPI", cSettings: cFlags),
        // CPUID and XGETBV: which wide kernel builds the CPU runs.
        .target(name: "CGentrainCPU", cSettings: cFlags),
        // Loops in C with per-function target attributes: the packing GEMM (float32 and bfloat16
        // operands) and dtype conversions. Optimized in debug builds too (at -O0 the GEMM's
        // intrinsics run an order of magnitude slower).
        .target(name: "CGentrainKernels", cSettings: cFlags + [.unsafeFlags(["-O2"])]),
        .target(name: "GentrainMath", swiftSettings: engineFlags),
        // One source compiled for Haswell's instruction set (AVX2, FMA) and for AVX-512 (Skylake-X's
        // set, which Intel's and AMD's AVX-512 CPUs share, with 512-bit vectors preferred); each
        // called only on CPUs that have it.
        .target(name: "GentrainKernelsAVX2", dependencies: ["GentrainMath"],
                swiftSettings: engineFlags + [.unsafeFlags(["-target-cpu", "haswell"])]),
        .target(name: "GentrainKernelsAVX512", dependencies: ["GentrainMath"],
                swiftSettings: engineFlags + [.unsafeFlags(["-target-cpu", "skylake-avx512", "-Xcc", "-mprefer-vector-width=512"])]),
        .target(name: "GentrainCore", dependencies: ["COpenBLAS", "CGentrainDNNL", "CGentrainCPU", "CGentrainKernels", "GentrainMath", "GentrainKernelsAVX2", "GentrainKernelsAVX512"],
                swiftSettings: engineFlags),
        .target(name: "GentrainNN", dependencies: ["GentrainCore"], swiftSettings: engineFlags),
        .target(name: "GentrainOptim", dependencies: ["CGentrainKernels", "GentrainCore", "GentrainNN"], swiftSettings: engineFlags),
        .target(name: "GentrainIO", dependencies: ["GentrainCore", "GentrainNN", "GentrainOptim"], swiftSettings: engineFlags),
        .target(name: "GentrainDistributed", dependencies: ["CGentrainMPI", "GentrainCore", "GentrainNN"], swiftSettings: engineFlags),
        .target(name: "Gentrain", dependencies: ["GentrainCore", "GentrainNN", "GentrainOptim", "GentrainIO", "GentrainDistributed"]),
        .target(
            name: "GentrainCABI",
            dependencies: ["CGentrain", "GentrainCore", "GentrainNN", "GentrainOptim", "GentrainIO", "GentrainDistributed"],
            exclude: ["exports.map"],
            swiftSettings: engineFlags,
            linkerSettings: [.unsafeFlags([
                // lld keeps the engine's internal symbols out of the dynamic symbol table.
                "-use-ld=lld",
                "-Xlinker", "-soname=libgentrain.so.0",
                "-Xlinker", "--version-script=\(root)/Sources/GentrainCABI/exports.map",
            ])]
        ),
        .executableTarget(name: "digits-swift", dependencies: ["Gentrain"], path: "examples/swift"),
        .executableTarget(name: "vae-swift", dependencies: ["Gentrain"], path: "examples/swift-vae"),
        .testTarget(name: "GentrainTests", dependencies: ["Gentrain", "GentrainMath", "GentrainKernelsAVX2", "GentrainKernelsAVX512", "CGentrainKernels"],
                    exclude: ["Golden"]),
    ],
    swiftLanguageModes: [.v5]
)
