import CGentrainCPU
import COpenBLAS
#if canImport(Glibc)
import Glibc
#endif

/// The library that computes a float32 matrix product, chosen by measurement on the running CPU.
///
/// oneDNN (Debian `libdnnl2`, loaded at run time when present), OpenBLAS, the engine's own
/// packing GEMM (`gt_gemm`, on CPUs with AVX2) and, for products of at most `inPlaceCandidateLimit`
/// multiply-adds, the in-place kernel of small products (`gt_gemm_small`, which takes every product
/// below `smallProductLimit` unmeasured) are each faster on some shapes and CPUs: on an AMD
/// EPYC family 25 model 1 (AVX2), OpenBLAS ran a character LSTM's products 1.4× faster and a
/// 784-1024-1024 MLP's 1.2× faster than oneDNN on one thread, oneDNN a VAE's 1.1× faster, and the
/// packing GEMM products of depth 256 5 % faster than OpenBLAS; on an AVX-512 Zen 4, oneDNN was
/// 2× OpenBLAS. So no choice is wired in. Products fall in classes (the bit lengths of m, n and
/// k, the transposes, the threads); the first product of a class times every backend on its own
/// operands into a scratch result (alternating runs of at most about 256 MFLOP, for up to
/// 0.15 s), and the fastest serves every product of the class from then on, this one included,
/// so equal inputs always give equal bits. float64 always runs on OpenBLAS.
///
/// Choices are kept in a file per CPU and library versions (`ChoiceFile.gemm`), so later
/// processes on the machine make the same choices without measuring and a run resumed in a new
/// process computes the same bits. `GENTRAIN_GEMM=openblas`, `=onednn`,
/// `=packing` or `=inplace` (or `set`) forces one backend for everything.
package enum GemmBackend: String, CaseIterable, Sendable {
    case openblas, onednn, packing, inplace

    /// Whether this backend runs here: oneDNN when it loaded, the packing GEMM with AVX2 (where it
    /// is as fast as the BLAS; bfloat16 products then run on it whatever the measurements say,
    /// elsewhere they convert to float32 and run on the BLAS), the in-place kernel everywhere.
    var isAvailable: Bool {
        switch self {
        case .openblas, .inplace: true
        case .onednn: OneDNN.library != nil
        case .packing: CPU.kernels >= .avx2
        }
    }

    /// Whether this backend is measured for a product of `macs` multiply-adds: the in-place kernel
    /// reads its operands without packing them, which only small products afford.
    func isCandidate(macs: Int) -> Bool { isAvailable && (self != .inplace || macs <= GemmBackend.inPlaceCandidateLimit) }

    /// The largest product (multiply-adds) the in-place kernel is measured for. On AMD EPYC family
    /// 25 model 1 it ran W8's [64, 64] · [64, 64] products (262K) faster than the backends: W8 at
    /// batch 64 from C 16.9k → 18.0k steps/s.
    static let inPlaceCandidateLimit = 1 << 20

    private static let lock = Lock()
    nonisolated(unsafe) private static var forced: GemmBackend? = {
        if let name = getenv("GENTRAIN_GEMM").map({ String(cString: $0) }), let backend = GemmBackend(rawValue: name) {
            return backend.isAvailable ? backend : .openblas
        }
        return defaultForcing
    }()
    /// With one backend besides the in-place kernel there is nothing to measure.
    private static var defaultForcing: GemmBackend? { allCases.filter { $0.isAvailable && $0 != .inplace }.count > 1 ? nil : .openblas }
    nonisolated(unsafe) private static var chosen: [Int: GemmBackend] = {
        var choices: [Int: GemmBackend] = [:]
        for (key, name) in ChoiceFile.gemm?.read() ?? [] {
            guard let key = Int(key), key >= 0, key < 1 << 25, let backend = GemmBackend(rawValue: name), backend.isAvailable else { continue }
            choices[key] = backend
        }
        return choices
    }()

    /// The backend forced for every product (nil: chosen per class by measurement).
    package static var current: GemmBackend? { lock.withLock { forced } }

    /// Forces `backend` for every product, or (nil) goes back to measuring. Forcing a backend
    /// that does not run here is an error.
    package static func set(_ backend: GemmBackend?) throws {
        if let backend, !backend.isAvailable {
            throw GentrainError(.unsupported, backend == .onednn ? "oneDNN (libdnnl.so.2) is not installed; float32 products run on OpenBLAS"
                                                                  : "the packing GEMM needs a CPU with AVX2 and FMA")
        }
        lock.withLock { forced = backend ?? defaultForcing }
    }

    /// The class of a product: its sizes' bit lengths, transposes and threads, packed.
    static func productClass(_ m: Int, _ n: Int, _ k: Int, _ ta: CBLAS_TRANSPOSE, _ tb: CBLAS_TRANSPOSE) -> Int {
        func bits(_ v: Int) -> Int { Swift.min(Int.bitWidth - v.leadingZeroBitCount, 31) }
        let shape = bits(m) << 10 | bits(n) << 5 | bits(k)
        return (Swift.min(Threads.usable, 255) << 17) | (shape << 2) | (ta == CblasNoTrans ? 0 : 2) | (tb == CblasNoTrans ? 0 : 1)
    }

    /// The backend for a float32 product `[m, k] · [k, n]`. The first product of a class measures:
    /// `trial(backend, rows, scratch)` must compute the product's first `rows` rows into `scratch`
    /// (rows × n floats, leading dimension n) on `backend`.
    static func forProduct(_ m: Int, _ n: Int, _ k: Int, _ ta: CBLAS_TRANSPOSE, _ tb: CBLAS_TRANSPOSE,
                           trial: (GemmBackend, Int, UnsafeMutableRawPointer) -> Void) -> GemmBackend {
        let key = productClass(m, n, k, ta, tb)
        if let known = lock.withLock({ forced ?? chosen[key] }) { return known }
        // About 256 MFLOP per trial at most: fewer rows for larger products.
        let rows = Swift.max(1, Swift.min(m, (1 << 27) / Swift.max(1, n * k)))
        guard let (scratch, index, size) = try? BufferCache.allocate(rows * n * MemoryLayout<Float>.stride) else { return .openblas }
        defer { BufferCache.recycle(scratch, index, size) }
        // At least 5 rounds: oneDNN runs a new shape at about half its speed for its first 20–50
        // calls (measured on AMD EPYC family 25 model 1), so a few runs would misjudge it.
        let measured = fastest(allCases.filter { $0.isCandidate(macs: m * n * k) }, rounds: 5...60, budget: 0.15) {
            trial($0, rows, scratch)
        }
        return lock.withLock {
            if let forced { return forced }
            if let earlier = chosen[key] { return earlier }   // another thread measured the class first
            chosen[key] = measured
            ChoiceFile.gemm?.append(String(key), measured.rawValue)
            return measured
        }
    }
}

/// The fastest of `candidates` at `trial`: alternating rounds (each candidate once per round), the
/// best time of each, at least `rounds.lowerBound` and at most `rounds.upperBound` rounds within
/// `budget` seconds, and no new round after `cap` seconds (a slow trial runs once per candidate).
func fastest<Candidate>(_ candidates: [Candidate], rounds: ClosedRange<Int>, budget: Double, cap: Double = .infinity,
                        _ trial: (Candidate) throws -> Void) rethrows -> Candidate {
    var best = [Double](repeating: .infinity, count: candidates.count)
    let began = monotonicSeconds()
    for round in 1...rounds.upperBound {
        for (i, candidate) in candidates.enumerated() {
            let start = monotonicSeconds()
            try trial(candidate)
            best[i] = Swift.min(best[i], monotonicSeconds() - start)
        }
        let elapsed = monotonicSeconds() - began
        if (round >= rounds.lowerBound && elapsed > budget) || elapsed > cap { break }
    }
    return candidates[best.indices.min { best[$0] < best[$1] }!]
}

/// Seconds on the monotonic clock.
package func monotonicSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}
