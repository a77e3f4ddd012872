#if canImport(Glibc)
import Glibc
#endif

/// What the running CPU can do beyond the baseline the engine is compiled for.
public enum CPU {
    /// The builds of the wide float32 loops (`WideKernels`), narrowest first.
    public enum Kernels: Int, Comparable, Sendable {
        case baseline, avx2, avx512

        public static func < (a: Kernels, b: Kernels) -> Bool { a.rawValue < b.rawValue }
    }

    /// The widest build this CPU runs, from the kernel's list of CPU flags: AVX-512 F, CD, BW, DQ
    /// and VL (plus AVX2 and FMA), else AVX2 and FMA, else the baseline. `GENTRAIN_KERNELS`
    /// (`baseline`, `avx2`) caps it.
    public static let kernels: Kernels = {
        #if arch(x86_64)
        let cap: Kernels = switch getenv("GENTRAIN_KERNELS").map({ String(cString: $0) }) {
        case "baseline": .baseline
        case "avx2": .avx2
        default: .avx512
        }
        let flags = cpuFlags()
        guard cap > .baseline, flags.contains("avx2"), flags.contains("fma") else { return .baseline }
        let avx512 = ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(flags.contains)
        return avx512 && cap == .avx512 ? .avx512 : .avx2
        #else
        return .baseline
        #endif
    }()

    /// The flags line of /proc/cpuinfo (empty when unreadable).
    private static func cpuFlags() -> Set<Substring> {
        guard let file = fopen("/proc/cpuinfo", "r") else { return [] }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>? = nil
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0 {
            let text = String(cString: line!)
            guard text.hasPrefix("flags") else { continue }
            return Set(text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }))
        }
        return []
    }
}
