#if canImport(Glibc)
import Glibc
#endif
import CGentrainCPU
import CGentrainKernels

/// What the running CPU can do beyond the baseline the engine is compiled for.
package enum CPU {
    /// The builds of the wide float32 loops (`WideKernels`), narrowest first; `avx512bf16` adds
    /// the bfloat16 dot products (VDPBF16PS) that products of two bfloat16 operands run on.
    public enum Kernels: Int, Comparable, Sendable {
        case baseline, avx2, avx512, avx512bf16

        public static func < (a: Kernels, b: Kernels) -> Bool { a.rawValue < b.rawValue }
    }

    /// The cap `GENTRAIN_KERNELS` (`baseline`, `avx2`, `avx512`) sets, if any.
    private static let cap: Kernels? = switch getenv("GENTRAIN_KERNELS").map({ String(cString: $0) }) {
    case "baseline": .baseline
    case "avx2": .avx2
    case "avx512": .avx512
    default: nil
    }

    /// The widest build this CPU runs, from CPUID and the registers the OS saves: AVX-512 F, CD,
    /// BW, DQ and VL (plus AVX2 and FMA) with or without AVX-512 BF16, else AVX2 and FMA, else the
    /// baseline. `GENTRAIN_KERNELS` caps it, and oneDNN's kernels with it (`oneDNNCap`).
    public static let kernels: Kernels = {
        let limit = Self.cap ?? .avx512bf16
        let features = Int(gt_cpu_features())
        let found: Kernels = features & GT_CPU_AVX512_BF16 != 0 ? .avx512bf16 : features & GT_CPU_AVX512 != 0 ? .avx512
            : (features & GT_CPU_AVX2_FMA != 0 ? .avx2 : .baseline)
        return Swift.min(found, limit)
    }()

    /// The kernels' name in the choice files' names when `GENTRAIN_KERNELS` caps them (nil
    /// otherwise): capped kernels, oneDNN's included, run at other speeds, so their measured
    /// choices are kept apart from the CPU's own.
    static var cappedName: String? { cap.map { _ in "\(kernels)" } }

    /// oneDNN's instruction set cap (its `DNNL_MAX_CPU_ISA`) for a `GENTRAIN_KERNELS` cap, so that
    /// the cap makes the whole engine run as on a CPU of that class — the convolutions and
    /// products on oneDNN's AVX2 kernels under `avx2`, for instance, as on an AMD Zen 2 or 3 —
    /// and tests and benchmarks can force each CPU class's paths on one machine. nil without a cap,
    /// or when the environment caps oneDNN itself.
    static var oneDNNCap: String? {
        guard let cap, getenv("DNNL_MAX_CPU_ISA") == nil, getenv("ONEDNN_MAX_CPU_ISA") == nil else { return nil }
        return switch cap {
        case .baseline: "SSE41"
        case .avx2: "AVX2"
        case .avx512, .avx512bf16: "AVX512_CORE"
        }
    }

    /// Whether products of two bfloat16 operands run on bfloat16 dot products (`avx512bf16`):
    /// then oneDNN's convolutions take bfloat16 as it is, not as float32 copies.
    package static var bfloat16Products: Bool { kernels >= .avx512bf16 }

    /// The level the C loops (`CGentrainKernels`) run at: the widest build the CPU runs (a loop
    /// without an AVX-512 build runs its AVX2 one on AVX-512 CPUs).
    package static let cLevel: Int32 = switch kernels {
    case .avx512bf16: Int32(GT_LEVEL_AVX512_BF16)
    case .avx512: Int32(GT_LEVEL_AVX512)
    case .avx2: Int32(GT_LEVEL_AVX2)
    case .baseline: Int32(GT_LEVEL_BASELINE)
    }
}
