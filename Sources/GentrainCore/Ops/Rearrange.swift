/// The triangles of matrices, reversals, rotations and repetitions along dimensions, PyTorch's tril,
/// triu, flip, roll and repeat_interleave: made of differentiable ops (where, index_select, cat), so gradients of any order flow
/// through them.
extension Tensor {
    /// The lower triangle of the last two dims `[..., m, n]`: element (i, j) where j − i ≤ `diagonal`,
    /// else zero (torch.tril; `diagonal` 0 is the main diagonal, above it positive).
    public func tril(diagonal: Int = 0) throws -> Tensor { try triangle(diagonal, lower: true, "tril") }

    /// The upper triangle: element (i, j) where j − i ≥ `diagonal`, else zero (torch.triu).
    public func triu(diagonal: Int = 0) throws -> Tensor { try triangle(diagonal, lower: false, "triu") }

    private func triangle(_ diagonal: Int, lower: Bool, _ name: String) throws -> Tensor {
        guard ndim >= 2 else { throw GentrainError.shape("\(name): input tensor must have at least 2 dimensions, got \(ndim)") }
        let (m, n) = (shape[ndim - 2], shape[ndim - 1])
        // j against i + diagonal, broadcast to a bool [m, n] (the diagonal clamped: any int64 is one).
        let k = try Tensor.scalar(Double(Swift.max(Swift.min(diagonal, 1 << 53), -(1 << 53))), dtype: .int64)
        let (j, bound) = (try Tensor.arange(0, Double(n)).reshape([1, n]), try Tensor.arange(0, Double(m)).reshape([m, 1]).add(k))
        let keep = try lower ? j.le(bound) : j.ge(bound)
        return try Tensor.where(keep, self, Tensor.scalar(0, dtype: dtype))
    }

    /// The elements in reverse order along each of `dims` (torch.flip): a copy.
    public func flip(_ dims: [Int]) throws -> Tensor {
        let d = try dims.map { try dim($0, "flip") }
        guard Set(d).count == d.count else { throw GentrainError.argument("flip: dim appears multiple times in the list of dims") }
        var out = self
        for i in d where ndim > 0 && shape[i] > 1 {   // a 0-d tensor (dims 0 and -1 name it) is its own flip
            out = try out.indexSelect(i, Tensor.arange(Double(shape[i] - 1), -1, step: -1))
        }
        return out === self ? try clone() : out
    }

    /// The elements rotated by `shifts[i]` along `dims[i]` (torch.roll): element k moves to
    /// (k + shift) mod size. With no dims, the flattened tensor is rotated by the one shift. A copy.
    public func roll(_ shifts: [Int], dims: [Int] = []) throws -> Tensor {
        if dims.isEmpty {
            guard shifts.count == 1 else { throw GentrainError.argument("roll: expected one shift without dims, got \(shifts.count)") }
            return try reshape([numel]).roll(shifts, dims: [0]).reshape(shape)
        }
        guard shifts.count == dims.count else {
            throw GentrainError.argument("roll: shifts and dimensions must align, got \(shifts.count) shifts and \(dims.count) dims")
        }
        var out = self
        for (shift, d) in zip(shifts, try dims.map { try sizedDim($0, "roll") }) where shape[d] > 0 {
            let n = shape[d], s = (shift % n + n) % n
            guard s != 0 else { continue }
            out = try Tensor.cat([out.narrow(d, start: n - s, length: s), out.narrow(d, start: 0, length: n - s)], dim: d)
        }
        return out === self ? try clone() : out
    }

    /// Each slice along `dim` repeated in place (torch.repeat_interleave): `repeats` is an int32 or
    /// int64 tensor of one count per slice, or of a single count for every slice (0-d or one
    /// element); counts are >= 0. With no dim the flattened tensor is repeated. A copy, through
    /// index_select, so gradients of any order flow back.
    public func repeatInterleave(_ repeats: Tensor, dim d: Int? = nil) throws -> Tensor {
        guard let d else { return try reshape([numel]).repeatInterleave(repeats, dim: 0) }
        let axis = try sizedDim(d, "repeat_interleave")
        guard repeats.dtype == .int64 || repeats.dtype == .int32, repeats.ndim <= 1 else {
            throw GentrainError.argument("repeat_interleave: repeats must be a 0-d or 1-D int64 or int32 tensor, got \(repeats.ndim)-D \(repeats.dtype)")
        }
        let n = shape[axis], counts = try repeats.toArray(Int64.self)
        guard counts.count == n || counts.count == 1 else {
            throw GentrainError.shape("repeat_interleave: repeats must have the same size as input along dim, but got repeats.size(0) = \(counts.count) and input.size(0) = \(n)")
        }
        guard counts.allSatisfy({ $0 >= 0 }) else {
            throw GentrainError.argument("repeat_interleave: repeats must be non-negative")
        }
        // The result's length, checked (one count for all: that count times n).
        var total = 0, overflow = false
        if counts.count == 1 {
            (total, overflow) = Int(counts[0]).multipliedReportingOverflow(by: n)
        } else {
            for c in counts where !overflow { (total, overflow) = total.addingReportingOverflow(Int(c)) }
        }
        guard !overflow, total <= maxElements else {
            throw GentrainError(.outOfMemory, "repeat_interleave: the result has too many elements")
        }
        let index = try Tensor(empty: [total], dtype: .int64)
        var p = index.pointer(Int64.self)
        for i in 0..<(total == 0 ? 0 : n) {
            for _ in 0..<counts[counts.count == 1 ? 0 : i] { p.pointee = Int64(i); p += 1 }
        }
        return try indexSelect(axis, index)
    }
}
