/// PyTorch's named products, on matmul: dot, mv, mm, bmm, addmm, baddbmm. Each checks the shapes
/// its PyTorch function accepts (no broadcasting where PyTorch has none).
extension Tensor {
    /// The inner product of two 1-D tensors of one length and dtype (torch.dot): a 0-d tensor.
    public func dot(_ other: Tensor) throws -> Tensor {
        guard ndim == 1, other.ndim == 1 else {
            throw GentrainError.shape("dot: 1D tensors expected, but got \(ndim)D and \(other.ndim)D tensors")
        }
        guard shape == other.shape else {
            throw GentrainError.shape("dot: inconsistent tensor size, expected tensor [\(shape[0])] and src [\(other.shape[0])] to have the same number of elements")
        }
        guard dtype == other.dtype else { throw GentrainError.dtype("dot: expected both vectors to have same dtype, but found \(dtype) and \(other.dtype)") }
        return try matmul(other)
    }

    /// The product of a matrix [n, m] and a vector [m] (torch.mv): [n].
    public func mv(_ vec: Tensor) throws -> Tensor {
        guard ndim == 2, vec.ndim == 1 else { throw GentrainError.shape("mv: expected a matrix and a vector, got \(ndim)-D and \(vec.ndim)-D") }
        return try matmul(vec)
    }

    /// The product of matrices [n, m] and [m, p] (torch.mm).
    public func mm(_ other: Tensor) throws -> Tensor {
        guard ndim == 2, other.ndim == 2 else { throw GentrainError.shape("mm: expected 2-D tensors, got \(ndim)-D and \(other.ndim)-D") }
        return try matmul(other)
    }

    /// Batched products of [b, n, m] and [b, m, p] (torch.bmm).
    public func bmm(_ other: Tensor) throws -> Tensor {
        guard ndim == 3, other.ndim == 3 else { throw GentrainError.shape("bmm: expected 3-D tensors, got \(ndim)-D and \(other.ndim)-D") }
        guard shape[0] == other.shape[0] else { throw GentrainError.shape("bmm: batch sizes differ (\(shape[0]) and \(other.shape[0]))") }
        return try matmul(other)
    }

    /// beta · self + alpha · (mat1 @ mat2), self broadcast to [n, p] (torch.addmm); with beta 0,
    /// self is ignored (its NaNs do not propagate), as PyTorch's.
    public func addmm(_ mat1: Tensor, _ mat2: Tensor, beta: Double = 1, alpha: Double = 1) throws -> Tensor {
        try added(to: mat1.mm(mat2), beta: beta, alpha: alpha, "addmm")
    }

    /// beta · self + alpha · (batch1 @ batch2), batched (torch.baddbmm), as addmm.
    public func baddbmm(_ batch1: Tensor, _ batch2: Tensor, beta: Double = 1, alpha: Double = 1) throws -> Tensor {
        try added(to: batch1.bmm(batch2), beta: beta, alpha: alpha, "baddbmm")
    }

    private func added(to product: Tensor, beta: Double, alpha: Double, _ name: String) throws -> Tensor {
        let shape = try broadcastShapes(self.shape, product.shape, name)
        guard shape == product.shape else {
            throw GentrainError.shape("\(name): the input of shape \(shapeString(self.shape)) does not broadcast to the product's \(shapeString(product.shape))")
        }
        let scaled = alpha == 1 ? product : try product.mul(alpha)
        return beta == 0 ? scaled : try scaled.add(beta == 1 ? self : mul(beta))
    }
}
