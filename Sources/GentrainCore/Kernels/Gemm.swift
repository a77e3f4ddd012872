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
/// as a transpose flag, anything else is packed first. float32 products run on the faster of
/// oneDNN and OpenBLAS for their shape on this CPU (see `GemmBackend`), float64 on OpenBLAS.
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
    /// Rows 0..<rows of the product into `out` (leading dimension `ldOut`), on `backend`.
    func product(_ backend: GemmBackend, rows m: Int, into out: UnsafeMutablePointer<T>, _ ldOut: Int, beta: T) {
        if backend == .onednn, let dnnl = OneDNN.library {
            dnnl.sgemm(ta, tb, m, n, k, Float(alpha), UnsafeRawPointer(pa).assumingMemoryBound(to: Float.self), lda,
                       UnsafeRawPointer(pb).assumingMemoryBound(to: Float.self), ldb, Float(beta),
                       UnsafeMutableRawPointer(out).assumingMemoryBound(to: Float.self), ldOut)
            return
        }
        _ = openBLASSingleThreaded
        blockedProduct(m, n, k, aTransposed: ta != CblasNoTrans, lda, bTransposed: tb != CblasNoTrans, ldb, ldOut) { m, n, ao, bo, co in
            if T.self == Float.self {
                cblas_sgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), Float(alpha),
                            UnsafeRawPointer(pa + ao).assumingMemoryBound(to: Float.self), Int32(lda),
                            UnsafeRawPointer(pb + bo).assumingMemoryBound(to: Float.self), Int32(ldb), Float(beta),
                            UnsafeMutableRawPointer(out + co).assumingMemoryBound(to: Float.self), Int32(ldOut))
            } else {
                cblas_dgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), Double(alpha),
                            UnsafeRawPointer(pa + ao).assumingMemoryBound(to: Double.self), Int32(lda),
                            UnsafeRawPointer(pb + bo).assumingMemoryBound(to: Double.self), Int32(ldb), Double(beta),
                            UnsafeMutableRawPointer(out + co).assumingMemoryBound(to: Double.self), Int32(ldOut))
            }
        }
    }
    let backend = T.self != Float.self ? .openblas : GemmBackend.forProduct(m, n, k, ta, tb) { candidate, rows, scratch in
        product(candidate, rows: rows, into: scratch.assumingMemoryBound(to: T.self), n, beta: 0)
    }
    product(backend, rows: m, into: c, ldc, beta: beta)
}

/// OpenBLAS runs on the caller's thread: the pool splits its products (`blockedProduct`), so its
/// own pthread pool (Debian's default build) never starts and never competes with the pool.
let openBLASSingleThreaded: Void = openblas_set_num_threads(1)

/// A row-major product `C[m, n] = op(A)[m, k] · op(B)[k, n]` in blocks over the pool: from 2 MFLOP,
/// blocks of C's columns (when n ≥ m) or rows, one per thread; smaller products in one block on
/// the caller's thread. `block(m, n, aOffset, bOffset, cOffset)` computes one block: the block's
/// sizes and where its operands start (in elements) for A and B read with leading dimensions
/// `lda`, `ldb`, transposed as given, and C with `ldc`.
func blockedProduct(_ m: Int, _ n: Int, _ k: Int, aTransposed: Bool, _ lda: Int, bTransposed: Bool, _ ldb: Int, _ ldc: Int,
                    _ block: (Int, Int, Int, Int, Int) -> Void) {
    if 2 * m * n * k < 1 << 21 || Threads.usable == 1 {
        block(m, n, 0, 0, 0)
    } else if n >= m {
        // Columns j0..<j1 of C: B's columns start at j0 (row-major) or its rows do (transposed).
        parallelFor(n, grain: 64) { cols in
            block(m, cols.count, 0, bTransposed ? cols.lowerBound * ldb : cols.lowerBound, cols.lowerBound)
        }
    } else {
        parallelFor(m, grain: 16) { rows in
            block(rows.count, n, aTransposed ? rows.lowerBound : rows.lowerBound * lda, 0, rows.lowerBound * ldc)
        }
    }
}

