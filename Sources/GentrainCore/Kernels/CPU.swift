#if canImport(Glibc)
import Glibc
#endif

/// What the running CPU can do beyond the baseline the engine is compiled for.
public enum CPU {
    /// AVX2 and FMA (x86-64 from Haswell on), from the kernel's list of CPU flags;
    /// `GENTRAIN_BASELINE_KERNELS=1` turns the AVX2 kernels off.
    public static let hasAVX2: Bool = {
        #if arch(x86_64)
        guard getenv("GENTRAIN_BASELINE_KERNELS") == nil, let file = fopen("/proc/cpuinfo", "r") else { return false }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>? = nil
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0 {
            let text = String(cString: line!)
            guard text.hasPrefix("flags") else { continue }
            let flags = Set(text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }))
            return flags.contains("avx2") && flags.contains("fma")
        }
        return false
        #else
        return false
        #endif
    }()
}
