/// The Cholesky factorization of symmetric positive-definite matrices (PyTorch's
/// torch.linalg.cholesky), from LAPACK's potrf; its gradient is written with solve, matmul and
/// tril, so it is differentiable in turn.
extension Tensor {
    /// The lower-triangular L with A = L Lᵀ for each symmetric positive-definite matrix A in the
    /// last two dims (float32 or float64; only A's lower triangle is read, as PyTorch's); a matrix
    /// that is not positive-definite is an error. `upper`: Lᵀ instead. Gradient (Murray's):
    /// `G_A = sym(L⁻ᵀ Φ(Lᵀ G_L) L⁻¹)`, Φ the lower triangle with its diagonal halved.
    public func cholesky(upper: Bool = false) throws -> Tensor {
        try checkSquare("linalg.cholesky")
        let n = shape[ndim - 1]
        let factors = try contiguousCopy()
        let count = shape.dropLast(2).reduce(1, *)
        func run<T: LapackElement>(_: T.Type) -> Int32 {
            let p = factors.pointer(T.self)
            for b in 0..<count where n > 0 {
                let info = T.potrf(Int32(n), p + b * n * n)
                if info != 0 { return info }
            }
            return 0
        }
        let info = dtype == .float64 ? run(Double.self) : run(Float.self)
        guard info == 0 else {
            throw GentrainError.argument("linalg.cholesky: The factorization could not be completed because the input is not positive-definite (the leading minor of order \(info) is not positive-definite).")
        }
        let l = try withNoGrad { try factors.tril() }   // potrf leaves the other triangle as it was
        let result = try recordWithOutput(l, "LinalgCholeskyBackward", self) { _, g, l in
            let phi = try l.mT.matmul(g).tril()
            let halved = try phi.sub(phi.mul(Tensor.eye(n, dtype: phi.dtype)).mul(0.5))
            let x = try l.mT.solve(halved)                 // L⁻ᵀ Φ
            let gA = try l.mT.solve(x.mT).mT               // L⁻ᵀ Φ L⁻¹
            return Grads(try gA.add(gA.mT).mul(0.5))
        }
        return upper ? try result.mT : result
    }
}
