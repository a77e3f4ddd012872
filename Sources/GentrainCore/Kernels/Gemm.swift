import COpenBLAS

/// A matrix operand for `gemm`: a pointer and the strides of its rows and columns.
struct MatrixOperand<T> {
    var pointer: UnsafeMutablePointer<T>
    var rowStride: Int
    var colStride: Int
}

/// `C = alpha · A·B + beta · C` for row-major C (`[m, n]`, leading dimension `ldc`), with A
/// `[m, k]` and B `[k, n]` read through their strides: a transposed view goes to OpenBLAS
/// as a transpose flag, anything else is packed first.
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
    if T.self == Float.self {
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

/// Threads the engine uses: OpenBLAS's pool (PyTorch's `torch.set_num_threads`).
public enum Threads {
    /// Sets the number of threads (at least 1).
    public static func set(_ n: Int) throws {
        guard n >= 1 && n <= 1024 else { throw GentrainError.argument("set_num_threads: expected 1...1024 threads, got \(n)") }
        openblas_set_num_threads(Int32(n))
    }

    public static var count: Int { Int(openblas_get_num_threads()) }
}
