import GentrainCore

/// ‖x1 − x2 + eps‖_p along the last dim (PyTorch's `F.pairwise_distance`, defaults p 2, eps 1e-6).
public func pairwiseDistance(_ x1: Tensor, _ x2: Tensor, p: Double = 2, eps: Double = 1e-6, keepdim: Bool = false) throws -> Tensor {
    let d = try x1.sub(x2).add(eps)
    return try d.norm(p: p, dims: [Swift.max(d.ndim - 1, 0)], keepdim: keepdim)
}

/// The p-distances between the rows of x1 [*, P, M] and of x2 [*, R, M] → [*, P, R], batch dims
/// broadcast (PyTorch's `torch.cdist`). For p = 2 with more than 25 rows on either side, as
/// PyTorch, through matrix products: √max(|a|² + |b|² − 2 a·b, 1e-30), the memory of the result
/// only; otherwise the norms of all differences.
public func cdist(_ x1: Tensor, _ x2: Tensor, p: Double = 2) throws -> Tensor {
    guard x1.ndim >= 2, x2.ndim >= 2 else {
        throw GentrainError(.shape, "cdist only supports at least 2D tensors, X1 got: \(x1.ndim)D, X2 got: \(x2.ndim)D")
    }
    let m = x1.shape[x1.ndim - 1]
    guard x2.shape[x2.ndim - 1] == m else {
        throw GentrainError(.shape, "X1 and X2 must have the same number of columns. X1: \(m) X2: \(x2.shape[x2.ndim - 1])")
    }
    guard p >= 0, !p.isNaN else { throw GentrainError(.invalidArgument, "cdist only supports non-negative p values") }
    let (rows1, rows2) = (x1.shape[x1.ndim - 2], x2.shape[x2.ndim - 2])
    if p == 2 && (rows1 > 25 || rows2 > 25) {
        let squares1 = try x1.square().sum(dims: [x1.ndim - 1], keepdim: true)                // [*, P, 1]
        let squares2 = try x2.square().sum(dims: [x2.ndim - 1], keepdim: true).transpose(-2, -1)   // [*, 1, R]
        let products = try x1.matmul(x2.transpose(-2, -1))                                   // [*, P, R]
        return try squares1.add(squares2).sub(products.mul(2)).clamp(min: 1e-30).sqrt()
    }
    let differences = try x1.unsqueeze(-2).sub(x2.unsqueeze(-3))   // [*, P, R, M]
    return try differences.norm(p: p, dims: [differences.ndim - 1])
}
