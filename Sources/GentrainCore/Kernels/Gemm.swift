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
    } else {
        _ = openBLASSingleThreaded
        blockedProduct(m, n, k, aTransposed: ta != CblasNoTrans, lda, bTransposed: tb != CblasNoTrans, ldb, ldc) { m, n, ao, bo, co in
            if T.self == Float.self {
                cblas_sgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), Float(alpha),
                            UnsafeRawPointer(pa + ao).assumingMemoryBound(to: Float.self), Int32(lda),
                            UnsafeRawPointer(pb + bo).assumingMemoryBound(to: Float.self), Int32(ldb), Float(beta),
                            UnsafeMutableRawPointer(c + co).assumingMemoryBound(to: Float.self), Int32(ldc))
            } else {
                cblas_dgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), Double(alpha),
                            UnsafeRawPointer(pa + ao).assumingMemoryBound(to: Double.self), Int32(lda),
                            UnsafeRawPointer(pb + bo).assumingMemoryBound(to: Double.self), Int32(ldb), Double(beta),
                            UnsafeMutableRawPointer(c + co).assumingMemoryBound(to: Double.self), Int32(ldc))
            }
        }
    }
}

/// OpenBLAS runs on the caller's thread: the pool splits its products (`blockedProduct`), so its
/// own pthread pool (Debian's default build) never starts and never competes with the pool.
private let openBLASSingleThreaded: Void = openblas_set_num_threads(1)

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
