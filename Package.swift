// swift-tools-version:6.0
// gentrain: one training engine, three front doors (C ABI, Python via ctypes, Swift).
// Targets depend downward only:
//   GentrainCore (dtype, storage, Tensor, kernels, RNG, autograd, ops; CGentrainDNNL: oneDNN convolutions;
//      CGentrainCPU: CPUID; CGentrainKernels: loops in C for each instruction set — the packing GEMM,
//      the activations' math, conversions, optimizer steps)
//     <- GentrainNN (modules, losses) <- GentrainOptim (optimizers, schedulers)
//     <- GentrainIO (safetensors, training checkpoints)
//     <- GentrainDistributed (process groups over threads, MPI or the host's collectives; DDP, DataParallel;
//        CGentrainMPI: Open MPI through dlopen)
//     <- Gentrain (the Swift API) and GentrainCABI (the C ABI, built as libgentrain.so).
//
// The product Gentrain and everything it depends on build without unsafe flags, so a client can
// depend on this package by version. Wide kernels carry `target` attributes in C instead of build
// flags. The flags that only tune (exclusivity checks off, math without errno, DWARF 4 for
// valgrind, classic value-operation lowering) are given on the command line of the project's own builds (CMakeLists.txt); only the
// C ABI's library, which clients of the Swift package do not build, keeps linker flags here.
import PackageDescription

let root = Context.packageDirectory

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
        .target(name: "CGentrainDNNL"),
        // Open MPI, called through dlopen (no header or library needed to build; optional to run).
        .target(name: "CGentrainMPI"),
        // CPUID and XGETBV: which wide kernel builds the CPU runs.
        .target(name: "CGentrainCPU"),
        // Loops in C with per-function target attributes (baseline, AVX2 + FMA, AVX-512): the
        // packing GEMM (float32 and bfloat16 operands), the activations, dtype conversions, Adam.
        .target(name: "CGentrainKernels"),
        .target(name: "GentrainCore", dependencies: ["COpenBLAS", "CGentrainDNNL", "CGentrainCPU", "CGentrainKernels"]),
        .target(name: "GentrainNN", dependencies: ["GentrainCore"]),
        .target(name: "GentrainOptim", dependencies: ["CGentrainKernels", "GentrainCore", "GentrainNN"]),
        .target(name: "GentrainIO", dependencies: ["GentrainCore", "GentrainNN", "GentrainOptim"]),
        .target(name: "GentrainDistributed", dependencies: ["CGentrainMPI", "GentrainCore", "GentrainNN"]),
        .target(name: "Gentrain", dependencies: ["GentrainCore", "GentrainNN", "GentrainOptim", "GentrainIO", "GentrainDistributed"]),
        .target(
            name: "GentrainCABI",
            dependencies: ["CGentrain", "GentrainCore", "GentrainNN", "GentrainOptim", "GentrainIO", "GentrainDistributed"],
            exclude: ["exports.map"],
            linkerSettings: [.unsafeFlags([
                // lld keeps the engine's internal symbols out of the dynamic symbol table.
                "-use-ld=lld",
                "-Xlinker", "-soname=libgentrain.so.0",
                "-Xlinker", "--version-script=\(root)/Sources/GentrainCABI/exports.map",
                // dlclose leaves the library mapped: the thread pool's workers run its code after
                // the host's last call (Tests/CAPI/test_dlclose.c).
                "-Xlinker", "-z", "-Xlinker", "nodelete",
            ])]
        ),
        .executableTarget(name: "digits-swift", dependencies: ["Gentrain"], path: "examples/swift"),
        .executableTarget(name: "vae-swift", dependencies: ["Gentrain"], path: "examples/swift-vae"),
        .testTarget(name: "GentrainTests", dependencies: ["Gentrain", "CGentrainKernels"],
                    exclude: ["Golden"]),
    ],
    swiftLanguageModes: [.v5]
)
