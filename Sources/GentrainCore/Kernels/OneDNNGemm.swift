import CGentrainKernels
import COpenBLAS
#if canImport(Glibc)
import Glibc
#endif

/// oneDNN's row-major `dnnl_sgemm`, from the shared library when it loads: single-threaded in
/// blocks over the pool, or from 32 MFLOP on oneDNN's own OpenMP threads (`OpenMP`).
struct OneDNN {
    private typealias Sgemm = @convention(c) (CChar, CChar, Int64, Int64, Int64, Float, UnsafePointer<Float>?, Int64,
                                              UnsafePointer<Float>?, Int64, Float, UnsafeMutablePointer<Float>?, Int64) -> Int32
    private let sgemmFn: Sgemm

    static let library: OneDNN? = {
        _ = OpenMP.runtime   // libgomp first, with its wait policy set (see OpenMP.runtime)
        guard let handle = dlopen("libdnnl.so.2", RTLD_NOW | RTLD_LOCAL), let f = dlsym(handle, "dnnl_sgemm") else { return nil }
        return OneDNN(sgemmFn: unsafeBitCast(f, to: Sgemm.self))
    }()

    /// Large products (from 32 MFLOP) use oneDNN's own threading. Middle-sized ones (from 2 MFLOP,
    /// such as a recurrent step's [32, 256] × [256, 1024]) are split into blocks over the pool
    /// (`blockedProduct`), each a single-threaded product: oneDNN's threading does poorly on them.
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
            OpenMP.setThreads(threads)
            let t = buffer.assumingMemoryBound(to: Float.self)
            _ = sgemmFn(bT ? 78 : 84, aT ? 78 : 84, Int64(n), Int64(m), Int64(k), alpha, b, Int64(ldb), a, Int64(lda), 0, t, Int64(m))
            // Blocks of 32 rows across the threads.
            parallelFor((m + 31) / 32, grain: 1) { tiles in
                let i0 = tiles.lowerBound * 32
                gt_transpose_f32(Swift.min(tiles.upperBound * 32, m) - i0, n, t + i0, m, c + i0 * ldc, ldc, beta, CPU.cLevel)
            }
        } else if flops >= 1 << 25 {
            OpenMP.setThreads(threads)
            run(m, n, a, b, c)
        } else {
            blockedProduct(m, n, k, aRowStride: aT ? 1 : lda, bColumnStride: bT ? ldb : 1, ldc: ldc) { m, n, aOffset, bOffset, cOffset in
                OpenMP.setThreads(1)
                run(m, n, a + aOffset, b + bOffset, c + cOffset)
            }
        }
    }
}
