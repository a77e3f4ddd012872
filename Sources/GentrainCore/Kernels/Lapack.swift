/// LAPACK's LU and Cholesky routines (OpenBLAS's), for the linear algebra ops. LAPACK reads
/// matrices column by column: a row-major matrix A is, to it, Aᵀ.
import COpenBLAS

/// LAPACK's routines for one element type (OpenBLAS carries them).
protocol LapackElement: FloatElement {
    static func getrf(_ n: Int32, _ a: UnsafeMutablePointer<Self>, _ pivots: UnsafeMutablePointer<Int32>) -> Int32
    static func getrs(_ transposed: Bool, _ n: Int32, _ nrhs: Int32, _ lu: UnsafePointer<Self>,
                      _ pivots: UnsafePointer<Int32>, _ b: UnsafeMutablePointer<Self>) -> Int32
    /// The Cholesky factor, in the upper triangle of the column-major `a` (the lower one of the
    /// row-major matrix); LAPACK's info.
    static func potrf(_ n: Int32, _ a: UnsafeMutablePointer<Self>) -> Int32
}

extension Float: LapackElement {
    static func getrf(_ n: Int32, _ a: UnsafeMutablePointer<Float>, _ pivots: UnsafeMutablePointer<Int32>) -> Int32 {
        var (n, lda, info) = (n, Swift.max(n, 1), Int32(0))
        sgetrf_(&n, &n, a, &lda, pivots, &info)
        return info
    }

    static func getrs(_ transposed: Bool, _ n: Int32, _ nrhs: Int32, _ lu: UnsafePointer<Float>,
                      _ pivots: UnsafePointer<Int32>, _ b: UnsafeMutablePointer<Float>) -> Int32 {
        var (n, nrhs, ld, info) = (n, nrhs, Swift.max(n, 1), Int32(0))
        var trans: CChar = transposed ? 84 : 78   // "T", "N"
        sgetrs_(&trans, &n, &nrhs, lu, &ld, pivots, b, &ld, &info, 1)
        return info
    }

    static func potrf(_ n: Int32, _ a: UnsafeMutablePointer<Float>) -> Int32 {
        var (n, lda, info) = (n, Swift.max(n, 1), Int32(0))
        var uplo: CChar = 85   // "U"
        spotrf_(&uplo, &n, a, &lda, &info, 1)
        return info
    }
}

extension Double: LapackElement {
    static func getrf(_ n: Int32, _ a: UnsafeMutablePointer<Double>, _ pivots: UnsafeMutablePointer<Int32>) -> Int32 {
        var (n, lda, info) = (n, Swift.max(n, 1), Int32(0))
        dgetrf_(&n, &n, a, &lda, pivots, &info)
        return info
    }

    static func getrs(_ transposed: Bool, _ n: Int32, _ nrhs: Int32, _ lu: UnsafePointer<Double>,
                      _ pivots: UnsafePointer<Int32>, _ b: UnsafeMutablePointer<Double>) -> Int32 {
        var (n, nrhs, ld, info) = (n, nrhs, Swift.max(n, 1), Int32(0))
        var trans: CChar = transposed ? 84 : 78
        dgetrs_(&trans, &n, &nrhs, lu, &ld, pivots, b, &ld, &info, 1)
        return info
    }

    static func potrf(_ n: Int32, _ a: UnsafeMutablePointer<Double>) -> Int32 {
        var (n, lda, info) = (n, Swift.max(n, 1), Int32(0))
        var uplo: CChar = 85
        dpotrf_(&uplo, &n, a, &lda, &info, 1)
        return info
    }
}
