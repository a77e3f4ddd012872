/// Determinants, inverses and linear solves of square matrices (PyTorch's torch.linalg.det,
/// slogdet, logdet, inv and solve), from LAPACK's LU factorization with partial pivoting
/// (OpenBLAS's getrf / getrs), over the last two dims of [..., n, n] float32 or float64 tensors.
/// Their gradients are written with inv, solve and matmul, so they are differentiable in turn.
///
/// LAPACK reads matrices column by column: a row-major matrix A is, to it, Aᵀ. Its LU gives
/// det(Aᵀ) = det(A); solving Aᵀ Z = I gives Z = (A⁻¹)ᵀ, which read row by row is A⁻¹; and the
/// transposed solve (`trans` "T") of that LU solves A X = B.
/// The LU factors of a batch of square matrices: each matrix's factors in place of a contiguous
/// copy, its row interchanges (1-based, LAPACK's), and LAPACK's `info` (i > 0: U[i-1, i-1] is zero).
private struct LUFactors {
    let lu: Tensor, pivots: [Int32], infos: [Int32], n: Int, count: Int

    init(_ a: Tensor) throws {
        (n, lu) = (a.shape[a.ndim - 1], try a.contiguousCopy())
        count = a.shape.dropLast(2).reduce(1, *)
        var rowSwaps = [Int32](repeating: 0, count: n * count), results = [Int32](repeating: 0, count: count)
        let (n, count, lu) = (n, count, lu)
        func run<T: LapackElement>(_: T.Type) {
            let p = lu.pointer(T.self)
            rowSwaps.withUnsafeMutableBufferPointer { piv in
                for b in 0..<count { results[b] = T.getrf(Int32(n), p + b * n * n, piv.baseAddress! + b * n) }
            }
        }
        if n > 0 { if lu.dtype == .float64 { run(Double.self) } else { run(Float.self) } }
        (pivots, infos) = (rowSwaps, results)
    }

    /// Matrix b's determinant as (sign, log|det|): the sign is 0 and the log −∞ for a singular matrix.
    func signAndLogAbs<T: LapackElement>(_ b: Int, _: T.Type) -> (T, T) {
        let p = lu.pointer(T.self) + b * n * n
        var (sign, logAbs): (T, T) = (1, 0)
        for i in 0..<n {
            let u = p[i * n + i]
            if pivots[b * n + i] != Int32(i + 1) { sign = -sign }
            if u < 0 { sign = -sign }
            logAbs += T.log(Swift.abs(u))
            if u.isNaN { (sign, logAbs) = (.nan, .nan) }
        }
        return logAbs == -.infinity ? (0, logAbs) : (sign, logAbs)
    }

    /// Matrix b's determinant: the product of U's diagonal, negated for an odd number of interchanges.
    func determinant<T: LapackElement>(_ b: Int, _: T.Type) -> T {
        let p = lu.pointer(T.self) + b * n * n
        var det: T = 1
        for i in 0..<n {
            det *= p[i * n + i]
            if pivots[b * n + i] != Int32(i + 1) { det = -det }
        }
        return det
    }

    /// Solves (transposed: A X = B; else Aᵀ X = B) for every matrix, B given column by column: `b`
    /// holds `count` blocks of nrhs × n elements, overwritten with X. False where A is singular.
    func solve<T: LapackElement>(_ transposed: Bool, _ b: UnsafeMutablePointer<T>, nrhs: Int) -> Bool {
        guard infos.allSatisfy({ $0 == 0 }) else { return false }
        let p = lu.pointer(T.self)
        pivots.withUnsafeBufferPointer { piv in
            for m in 0..<count where n > 0 && nrhs > 0 {
                _ = T.getrs(transposed, Int32(n), Int32(nrhs), p + m * n * n, piv.baseAddress! + m * n, b + m * n * nrhs)
            }
        }
        return true
    }
}

extension Tensor {
    /// The matrices of the last two dims, checked square, float32 or float64 and within LAPACK's sizes.
    func checkSquare(_ op: String) throws {
        guard ndim >= 2 else { throw GentrainError.shape("\(op): The input tensor A must have at least 2 dimensions.") }
        guard shape[ndim - 1] == shape[ndim - 2] else {
            throw GentrainError.shape("\(op): A must be batches of square matrices, but they are \(shape[ndim - 2]) by \(shape[ndim - 1]) matrices")
        }
        guard dtype == .float32 || dtype == .float64 else {
            throw GentrainError.dtype("\(op): expected a float32 or float64 tensor, got \(dtype) (PyTorch's linear algebra has no integer or half-precision kernels either)")
        }
        // LAPACK indexes a matrix's elements with 32-bit integers.
        guard shape[ndim - 1] <= 46340 else {
            throw GentrainError.argument("\(op): matrices of \(shape[ndim - 1]) rows exceed LAPACK's 32-bit indices (at most 46340 rows)")
        }
    }

    /// The batch's values, one per matrix, as a tensor of the batch's shape and this dtype.
    private func perMatrix(_ lu: LUFactors, _ value: (Int) -> Double) throws -> Tensor {
        let out = try Tensor(empty: Array(shape.dropLast(2)), dtype: dtype)
        if dtype == .float64 {
            let p = out.pointer(Double.self)
            for b in 0..<lu.count { p[b] = value(b) }
        } else {
            let p = out.pointer(Float.self)
            for b in 0..<lu.count { p[b] = Float(value(b)) }
        }
        return out
    }

    /// `self` with two trailing dims of size 1: a per-matrix value broadcast over its matrix.
    private var perElement: Tensor { get throws { try unsqueeze(-1).unsqueeze(-1) } }

    /// The matrices transposed (PyTorch's `.mT`).
    var mT: Tensor { get throws { try transpose(-2, -1) } }

    /// The determinant of each square matrix in the last two dims (torch.linalg.det), from its LU
    /// factorization. Gradient `g·det(A)·A⁻ᵀ`; at a singular matrix it is refused (that needs the
    /// adjugate, which gentrain does not compute).
    public func det() throws -> Tensor {
        try checkSquare("linalg.det")
        let lu = try LUFactors(self)
        let out = try perMatrix(lu) { b in dtype == .float64 ? lu.determinant(b, Double.self) : Double(lu.determinant(b, Float.self)) }
        let a = self
        return try recordWithOutput(out, "LinalgDetBackward", a) { _, g, det in
            Grads(try g.mul(det).perElement.mul(a.inverseForGradient("linalg.det").mT))
        }
    }

    /// The sign (−1, 0 or 1) and the log of the absolute value of each square matrix's determinant
    /// (torch.linalg.slogdet): exact where det would overflow or underflow. The sign has no gradient;
    /// log|det| has `g·A⁻ᵀ`.
    public func slogdet() throws -> (sign: Tensor, logabsdet: Tensor) {
        try checkSquare("linalg.slogdet")
        let lu = try LUFactors(self)
        let (sign, logAbs) = try signAndLogAbs(lu)
        return (sign, try recordLogDeterminant(logAbs, "LinalgSlogdetBackward"))
    }

    /// The log of each square matrix's determinant (torch.logdet): NaN where it is negative, −∞ where
    /// it is zero. Gradient `g·A⁻ᵀ`.
    public func logdet() throws -> Tensor {
        try checkSquare("logdet")
        let lu = try LUFactors(self)
        let (sign, logAbs) = try signAndLogAbs(lu)
        let out = try withNoGrad { try Tensor.where(sign.lt(0), Tensor.scalar(.nan, dtype: dtype), logAbs) }
        return try recordLogDeterminant(out, "LogdetBackward")
    }

    private func signAndLogAbs(_ lu: LUFactors) throws -> (Tensor, Tensor) {
        var values: [(Double, Double)] = []
        for b in 0..<lu.count {
            if dtype == .float64 { values.append(lu.signAndLogAbs(b, Double.self)) } else {
                let (s, l) = lu.signAndLogAbs(b, Float.self)
                values.append((Double(s), Double(l)))
            }
        }
        return (try perMatrix(lu) { values[$0].0 }, try perMatrix(lu) { values[$0].1 })
    }

    private func recordLogDeterminant(_ out: Tensor, _ name: String) throws -> Tensor {
        let a = self
        return try record(out, name, a) { _, g in Grads(try g.perElement.mul(a.inverseForGradient(name).mT)) }
    }

    /// The inverse for a determinant's gradient, with that gradient's name in the error at a singular matrix.
    private func inverseForGradient(_ op: String) throws -> Tensor {
        do { return try inv() } catch let e as GentrainError where e.kind == .invalidArgument {
            throw GentrainError.argument("\(op): the gradient at a singular matrix is not computed (it needs the adjugate; gentrain computes A⁻¹): \(e.message)")
        }
    }

    /// The inverse of each square matrix in the last two dims (torch.linalg.inv); a singular matrix
    /// is an error, as PyTorch's. Gradient `−A⁻ᵀ·g·A⁻ᵀ`.
    public func inv() throws -> Tensor {
        try checkSquare("linalg.inv")
        let lu = try LUFactors(self)
        let n = lu.n
        // The identity, solved in place (columns of Z = (A⁻¹)ᵀ, read row by row: A⁻¹).
        let out = try Tensor(empty: shape, dtype: dtype, zeroed: true)
        func run<T: LapackElement>(_: T.Type) -> Bool {
            let p = out.pointer(T.self)
            for b in 0..<lu.count { for i in 0..<n { p[b * n * n + i * n + i] = 1 } }
            return lu.solve(false, p, nrhs: n)
        }
        guard dtype == .float64 ? run(Double.self) : run(Float.self) else {
            let info = lu.infos.first { $0 != 0 }!
            throw GentrainError.argument("linalg.inv: The diagonal element \(info) is zero, the inversion could not be completed because the input matrix is singular.")
        }
        return try recordWithOutput(out, "LinalgInvBackward", self) { _, g, y in
            let yT = try y.mT
            return Grads(try yT.matmul(g).matmul(yT).neg())
        }
    }

    /// The solution X of A X = B for square matrices A (self) in the last two dims
    /// (torch.linalg.solve, left=True): B is [..., n, k], or [..., n] (a vector per matrix, when it
    /// is 1-D or has A's shape without its last dim); batch dims broadcast. A singular A is an
    /// error. Gradients: `G_B = A⁻ᵀ·G` (a solve with Aᵀ) and `G_A = −G_B·Xᵀ`.
    public func solve(_ b: Tensor) throws -> Tensor {
        try checkSquare("linalg.solve")
        let vector = b.ndim == 1 || (b.ndim == ndim - 1 && b.shape == Array(shape.dropLast()))
        let rhs = vector ? try b.unsqueeze(-1) : b
        guard rhs.ndim >= 2, rhs.shape[rhs.ndim - 2] == shape[ndim - 1] else {
            throw GentrainError.shape("linalg.solve: Incompatible shapes of A and B for the equation AX = B (\(shapeString(shape)) and \(shapeString(b.shape)))")
        }
        guard b.dtype == dtype else { throw GentrainError.dtype("linalg.solve: Expected A and B to have the same dtype, but found A of type \(dtype) and B of type \(b.dtype) instead") }
        let batch = try broadcastShapes(Array(shape.dropLast(2)), Array(rhs.shape.dropLast(2)), "linalg.solve")
        let (n, k) = (shape[ndim - 1], rhs.shape[rhs.ndim - 1])
        guard k <= Int(Int32.max) / Swift.max(n, 1) else {
            throw GentrainError.argument("linalg.solve: \(k) right-hand sides of \(n) rows exceed LAPACK's 32-bit indices")
        }
        let a = try expand(batch + [n, n]), bs = try rhs.expand(batch + [n, k])
        let x = try a.solvedFor(bs)
        return vector ? try x.squeeze(dims: [-1]) : x
    }

    /// `solve` for A (self, [..., n, n]) and B ([..., n, k]) of one batch shape.
    private func solvedFor(_ b: Tensor) throws -> Tensor {
        let lu = try LUFactors(self)
        let k = b.shape[b.ndim - 1]
        // B's columns one after another (Bᵀ row by row), solved in place, and transposed back.
        let columns = try withNoGrad { try b.mT.contiguousCopy() }
        let solved = dtype == .float64 ? lu.solve(true, columns.pointer(Double.self), nrhs: k)
                                       : lu.solve(true, columns.pointer(Float.self), nrhs: k)
        guard solved else { throw GentrainError.argument("linalg.solve: The solver failed because the input matrix is singular.") }
        let out = try withNoGrad { try columns.mT.contiguousCopy() }
        let a = self
        return try recordWithOutput(out, "LinalgSolveBackward", a, b) { _, g, x in
            let gB = try a.mT.solvedFor(g)
            return Grads(try gB.matmul(x.mT).neg(), gB)
        }
    }
}
