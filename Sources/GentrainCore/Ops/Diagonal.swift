/// Diagonals and outer products, PyTorch's diag, diagonal, trace and outer: made of index_select, sum and
/// mul, so gradients of any order flow through them.
extension Tensor {
    /// torch.diag: a 1-D x of n elements becomes the [m, m] matrix (m = n + |diagonal|) with x on
    /// its `diagonal`-th diagonal (0 the main one, above it positive) and zeros elsewhere; a 2-D x
    /// gives that diagonal of itself as a 1-D copy (empty past the matrix's edge).
    public func diag(diagonal k: Int = 0) throws -> Tensor {
        switch ndim {
        case 1:
            let n = shape[0]
            guard k.magnitude <= UInt(Int32.max) else {
                throw GentrainError.argument("diag: diagonal \(k) gives a matrix too large to allocate")
            }
            let m = n + Int(k.magnitude)
            // Position p of the flattened matrix reads element idx[p] - 1 of x, or the zero in front of it.
            let idx = try Tensor(empty: [m, m], dtype: .int64, zeroed: true).reshape([m * m])   // m·m checked first
            let p = idx.pointer(Int64.self)
            for i in 0..<n { p[(k >= 0 ? i : i - k) * m + (k >= 0 ? i + k : i)] = Int64(i + 1) }
            let padded = try Tensor.cat([Tensor.zeros([1], dtype: dtype), self])
            return try padded.indexSelect(0, idx).reshape([m, m])
        case 2:
            return try diagonal(offset: k)
        default:
            throw GentrainError.shape("diag: expected a 1-D or 2-D tensor, got \(ndim)-D")
        }
    }

    /// The `offset`-th diagonal of the matrices in dims dim1 and dim2 (torch.diagonal: 0 the main one,
    /// above it positive), as the last dim of a copy without those two dims.
    public func diagonal(offset: Int = 0, dim1: Int = 0, dim2: Int = 1) throws -> Tensor {
        let (a, b) = (try sizedDim(dim1, "diagonal"), try sizedDim(dim2, "diagonal"))
        guard a != b else { throw GentrainError.argument("diagonal: dimensions cannot be identical \(dim1), \(dim2)") }
        let rest = (0..<ndim).filter { $0 != a && $0 != b }
        var m = try permute(rest + [a, b])
        let (r, c) = (shape[a], shape[b])
        let k = Swift.min(Swift.max(offset, -r), c)   // beyond the edges every diagonal is empty
        m = k >= 0 ? try m.narrow(ndim - 1, start: k, length: c - k) : try m.narrow(ndim - 2, start: -k, length: r + k)
        let (rows, cols) = (m.shape[ndim - 2], m.shape[ndim - 1])
        let flat = try m.reshape(Array(m.shape.dropLast(2)) + [rows * cols])
        let length = Swift.min(rows, cols)
        return try flat.indexSelect(flat.ndim - 1, Tensor.arange(0, Double(length * (cols + 1)), step: Double(cols + 1)))
    }

    /// The sum of a matrix's main diagonal (torch.trace); int64 for integer matrices.
    public func trace() throws -> Tensor {
        guard ndim == 2 else { throw GentrainError.shape("trace: expected a matrix, got a \(ndim)-D tensor") }
        return try diag().sum()
    }

    /// The outer product of two vectors, `out[i][j] = self[i] · other[j]` (torch.outer).
    public func outer(_ other: Tensor) throws -> Tensor {
        guard ndim == 1, other.ndim == 1 else {
            throw GentrainError.shape("outer: expected two 1-D tensors, got \(ndim)-D and \(other.ndim)-D")
        }
        return try reshape([shape[0], 1]).mul(other.reshape([1, other.shape[0]]))
    }
}
