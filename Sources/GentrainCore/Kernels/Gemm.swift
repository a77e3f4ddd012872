import COpenBLAS
#if canImport(Glibc)
import Glibc
#endif

/// A matrix operand for `gemm`: a pointer and the strides of its rows and columns.
struct MatrixOperand<T> {
    var pointer: UnsafeMutablePointer<T>
    var rowStride: Int
    var colStride: Int
}

/// `C = alpha · A·B + beta · C` for row-major C (`[m, n]`, leading dimension `ldc`), with A
/// `[m, k]` and B `[k, n]` read through their strides: a transposed view goes to the BLAS
/// as a transpose flag, anything else is packed first. float32 products run on oneDNN when
/// it is installed (see `GemmBackend`), everything else on OpenBLAS.
func gemm<T: FloatElement>(_ m: Int, _ n: Int, _ k: Int, _ a: MatrixOperand<T>, _ b: MatrixOperand<T>,
                           _ c: UnsafeMutablePointer<T>, ldc: Int, alpha: T = 1, beta: T = 0) {
    if m == 0 || n == 0 { return }
    if k == 0 {
        for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
        return
    }
    var packed: [UnsafeMutablePointer<T>] = []
    defer { for p in packed { p.deallocate() } }
    func layout(_ x: MatrixOperand<T>, _ rows: Int, _ cols: Int) -> (CBLAS_TRANSPOSE, UnsafeMutablePointer<T>, Int) {
        let rs = rows == 1 ? cols : x.rowStride, cs = cols == 1 ? 1 : x.colStride
        if cs == 1 && rs >= Swift.max(cols, 1) { return (CblasNoTrans, x.pointer, rs) }
        let rs2 = rows == 1 ? 1 : x.rowStride, cs2 = cols == 1 ? rows : x.colStride
        if rs2 == 1 && cs2 >= Swift.max(rows, 1) { return (CblasTrans, x.pointer, cs2) }
        let p = UnsafeMutablePointer<T>.allocate(capacity: rows * cols)
        for i in 0..<rows { for j in 0..<cols { p[i * cols + j] = x.pointer[i * x.rowStride + j * x.colStride] } }
        packed.append(p)
        return (CblasNoTrans, p, cols)
    }
    let (ta, pa, lda) = layout(a, m, k)
    let (tb, pb, ldb) = layout(b, k, n)
    if T.self == Float.self, let dnnl = OneDNN.library, GemmBackend.current == .onednn {
        dnnl.sgemm(ta, tb, m, n, k, Float(alpha), UnsafeRawPointer(pa).assumingMemoryBound(to: Float.self), lda,
                   UnsafeRawPointer(pb).assumingMemoryBound(to: Float.self), ldb, Float(beta),
                   UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), ldc)
    } else if T.self == Float.self {
        cblas_sgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), Float(alpha),
                    UnsafeRawPointer(pa).assumingMemoryBound(to: Float.self), Int32(lda),
                    UnsafeRawPointer(pb).assumingMemoryBound(to: Float.self), Int32(ldb), Float(beta),
                    UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), Int32(ldc))
    } else {
        cblas_dgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), Double(alpha),
                    UnsafeRawPointer(pa).assumingMemoryBound(to: Double.self), Int32(lda),
                    UnsafeRawPointer(pb).assumingMemoryBound(to: Double.self), Int32(ldb), Double(beta),
                    UnsafeMutableRawPointer(c).assumingMemoryBound(to: Double.self), Int32(ldc))
    }
}

/// The library that computes float32 matrix products.
///
/// oneDNN (Debian `libdnnl2`, loaded at run time when present) generates its kernels for the
/// running CPU, which is about twice OpenBLAS's speed wherever OpenBLAS runs an older core's
/// kernels (as with `OPENBLAS_CORETYPE=Haswell` on newer processors). OpenBLAS is the baseline:
/// float64 always uses it, and so does everything when oneDNN is absent or the environment
/// says `GENTRAIN_GEMM=openblas`.
package enum GemmBackend: Sendable {
    case openblas, onednn

    nonisolated(unsafe) private static var chosen: GemmBackend = {
        let env = getenv("GENTRAIN_GEMM").map { String(cString: $0) }
        return env != "openblas" && OneDNN.library != nil ? .onednn : .openblas
    }()

    /// The backend in use. Setting `.onednn` when oneDNN did not load is an error.
    public static var current: GemmBackend { chosen }

    public static func set(_ backend: GemmBackend) throws {
        guard backend == .openblas || OneDNN.library != nil else {
            throw GentrainError(.unsupported, "oneDNN (libdnnl.so.2) is not installed; float32 products run on OpenBLAS")
        }
        chosen = backend
    }
}

/// oneDNN's row-major `dnnl_sgemm`, from the shared library when it loads. It runs on the
/// OpenMP threads (`OpenMP.runtime`).
struct OneDNN {
    private typealias Sgemm = @convention(c) (CChar, CChar, Int64, Int64, Int64, Float, UnsafePointer<Float>?, Int64,
                                              UnsafePointer<Float>?, Int64, Float, UnsafeMutablePointer<Float>?, Int64) -> Int32
    private let sgemmFn: Sgemm
    /// The library's handle: its dependencies (libgomp) are looked up through it.
    let handle: UnsafeMutableRawPointer

    static let library: OneDNN? = {
        guard let handle = dlopen("libdnnl.so.2", RTLD_NOW | RTLD_LOCAL), let f = dlsym(handle, "dnnl_sgemm") else { return nil }
        return OneDNN(sgemmFn: unsafeBitCast(f, to: Sgemm.self), handle: handle)
    }()

    /// Large products (from 32 MFLOP) use oneDNN's own threading. Middle-sized ones (from 2 MFLOP,
    /// such as a recurrent step's [32, 256] × [256, 1024]) are split here into one block of rows or
    /// columns per thread, each a single-threaded product: oneDNN's threading does poorly on them.
    func sgemm(_ ta: CBLAS_TRANSPOSE, _ tb: CBLAS_TRANSPOSE, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
               _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ beta: Float,
               _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        let flops = 2 * m * n * k
        let (aT, bT) = (ta != CblasNoTrans, tb != CblasNoTrans)
        func run(_ m: Int, _ n: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>) {
            _ = sgemmFn(aT ? 84 : 78, bT ? 84 : 78, Int64(m), Int64(n), Int64(k), alpha, a, Int64(lda), b, Int64(ldb), beta, c, Int64(ldc))
        }
        let threads = Threads.usable
        // Weight gradients (a long inner dimension, one operand transposed) run faster in one
        // orientation than the other: A·Bᵀ with more rows than columns, Aᵀ·B with fewer (measured
        // 1.0–1.3× on [1024 × 2048]·[2048 × 256]). The other orientation is computed as
        // Cᵀ = op(B)ᵀ·op(A)ᵀ into a cached buffer, then transposed into C.
        if aT != bT && (aT ? m > n : m < n) && k >= 1024 && flops >= 1 << 25,
           let (buffer, index, size) = try? BufferCache.allocate(n * m * MemoryLayout<Float>.stride) {
            defer { BufferCache.recycle(buffer, index, size) }
            OpenMP.runtime?.setThreads(Int32(threads))
            let t = buffer.assumingMemoryBound(to: Float.self)
            _ = sgemmFn(bT ? 78 : 84, aT ? 78 : 84, Int64(n), Int64(m), Int64(k), alpha, b, Int64(ldb), a, Int64(lda), 0, t, Int64(m))
            // In 32 × 32 tiles (both sides stay in cache), rows of tiles across the threads.
            parallelFor((m + 31) / 32, grain: 1) { tiles in
                for i0 in stride(from: tiles.lowerBound * 32, to: Swift.min(tiles.upperBound * 32, m), by: 32) {
                    for j0 in stride(from: 0, to: n, by: 32) {
                        for i in i0..<Swift.min(i0 + 32, m) {
                            let row = c + i * ldc, col = t + i
                            for j in j0..<Swift.min(j0 + 32, n) { row[j] = (beta == 0 ? 0 : beta * row[j]) + col[j * m] }
                        }
                    }
                }
            }
        } else if flops >= 1 << 25 || flops < 1 << 21 || threads == 1 {
            OpenMP.runtime?.setThreads(Int32(flops < 1 << 25 ? 1 : threads))
            run(m, n, a, b, c)
        } else if n >= m {
            // Columns j0..<j1 of C: B's columns start at j0 (row-major) or its rows do (transposed).
            parallelFor(n, grain: 64) { cols in
                OpenMP.runtime?.setThreads(1)
                run(m, cols.count, a, b + (bT ? cols.lowerBound * ldb : cols.lowerBound), c + cols.lowerBound)
            }
        } else {
            parallelFor(m, grain: 16) { rows in
                OpenMP.runtime?.setThreads(1)
                run(rows.count, n, a + (aT ? rows.lowerBound : rows.lowerBound * lda), b, c + rows.lowerBound * ldc)
            }
        }
    }
}

/// Threads the engine uses for matrix products (PyTorch's `torch.set_num_threads`).
public enum Threads {
    /// Sets the number of threads (at least 1).
    public static func set(_ n: Int) throws {
        guard n >= 1 && n <= 1024 else { throw GentrainError.argument("set_num_threads: expected 1...1024 threads, got \(n)") }
        openblas_set_num_threads(Int32(n))
    }

    public static var count: Int { Int(openblas_get_num_threads()) }

    /// The threads kernels use now: `count`; one inside a parallel region (a kernel called from a
    /// `parallelFor` chunk runs on that chunk's thread) and in a child process forked after the
    /// thread pool started (see `OpenMP.forked`).
    static var usable: Int { OpenMP.forked || OpenMP.inParallel ? 1 : count }
}
