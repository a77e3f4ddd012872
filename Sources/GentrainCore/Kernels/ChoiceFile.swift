import CGentrainCPU
import COpenBLAS
#if canImport(Glibc)
import Glibc
#endif

/// A file that keeps the backends measured on this CPU with these libraries: one line
/// "<class> <backend>" per choice, appended (whole lines: O_APPEND) as classes are measured, so
/// that later processes make the same choices without measuring (and a resumed run computes the
/// same bits). One file per kind: `gemm` (`GemmBackend`), `conv` (`ConvolutionBackend`).
///
/// Kernels capped by `GENTRAIN_KERNELS` have files of their own. The directory:
/// `$GENTRAIN_CACHE_DIR`, else `$XDG_CACHE_HOME/gentrain` or `~/.cache/gentrain`;
/// `GENTRAIN_CACHE_DIR=none` keeps choices in the process only. The file's contents come from
/// outside the process: a line is a class and a backend name only if it splits into exactly two
/// fields, and each user checks both (a class out of range or an unknown backend is ignored).
struct ChoiceFile {
    let path: String

    static let gemm = ChoiceFile(kind: "gemm")
    static let convolution = ChoiceFile(kind: "conv")

    /// The file of `kind` for this CPU and these libraries; nil when caching is off or there is
    /// no cache directory.
    private init?(kind: String) {
        let env = getenv("GENTRAIN_CACHE_DIR").map { String(cString: $0) }
        if env == "none" || env == "" { return nil }
        let dir: String
        if let env {
            dir = env
        } else if let xdg = getenv("XDG_CACHE_HOME").map({ String(cString: $0) }), xdg.hasPrefix("/") {
            dir = xdg + "/gentrain"
        } else if let home = getenv("HOME").map({ String(cString: $0) }), home.hasPrefix("/") {
            dir = home + "/.cache/gentrain"
        } else {
            return nil
        }
        mkdir(dir, 0o755)   // the parent of an XDG or home cache may need creating too
        var signature = [CChar](repeating: 0, count: 128)
        gt_cpu_signature(&signature, Int32(signature.count))
        let cpu = String(cString: signature)
        let blas = openblas_get_config().map { String(cString: $0) } ?? "openblas"
        let libraries = blas + (OneDNN.library != nil ? " onednn 2" : "") + (GemmBackend.packing.isAvailable ? " packing 1" : "") + " inplace 1"
            + (CPU.cappedName.map { " kernels " + $0 } ?? "")
        path = dir + "/\(kind)-\(cpu)-\(stableHash(libraries)).txt"
    }

    /// The (class, backend) lines of the file, in order (none when it is missing or unreadable).
    func read() -> [(String, String)] {
        guard let f = fopen(path, "r") else { return [] }
        defer { fclose(f) }
        var lines: [(String, String)] = []
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, Int32(line.count), f) != nil {
            let fields = String(cString: line).split(whereSeparator: { $0 == " " || $0 == "\n" })
            if fields.count == 2 { lines.append((String(fields[0]), String(fields[1]))) }
        }
        return lines
    }

    func append(_ key: String, _ backend: String) {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let line = "\(key) \(backend)\n"
        _ = line.withCString { write(fd, $0, strlen($0)) }
    }
}

/// FNV-1a of a string's bytes, in hex: a file name part that is the same in every process.
private func stableHash(_ s: String) -> String {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in s.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
    return String(h, radix: 16)
}
