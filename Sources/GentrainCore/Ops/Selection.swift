/// Ops whose result's size depends on the values: masked_select, nonzero, bincount, unique.
extension Tensor {
    /// The elements where the bool `mask` is true, both broadcast to one shape, as a 1-D tensor
    /// in row-major order (torch.masked_select); gradients flow back to the selected elements.
    public func maskedSelect(_ mask: Tensor) throws -> Tensor {
        guard mask.dtype == .bool else { throw GentrainError.dtype("masked_select: expected a bool mask, got \(mask.dtype)") }
        let shape = try broadcastShapes(self.shape, mask.shape, "masked_select")
        let flat = try withNoGrad { try mask.expand(shape).reshape([-1]).nonzero() }
        return try expand(shape).reshape([-1]).indexSelect(0, flat.reshape([-1]))
    }

    /// The int64 indices `[n, ndim]` of the n nonzero elements, in row-major order (torch.nonzero,
    /// torch.argwhere); no gradient.
    public func nonzero() throws -> Tensor {
        let flags = try withNoGrad { try ne(0).contiguous() }
        let p = flags.pointer(Bool.self)
        var count = 0
        for i in 0..<numel where p[i] { count += 1 }
        let out = try Tensor(empty: [count, ndim], dtype: .int64)
        var q = out.pointer(Int64.self)
        let strides = contiguousStrides(shape)
        for i in 0..<numel where p[i] {
            var rest = i
            for d in 0..<ndim {
                q.pointee = Int64(rest / strides[d])
                rest %= strides[d]
                q += 1
            }
        }
        return out
    }

    /// How often each value 0...max occurs in a 1-D tensor of non-negative integers, at least
    /// `minlength` counts (torch.bincount): int64 counts, or the sums of `weights` (one per element,
    /// floating point) in the weights' dtype; no gradient.
    public func bincount(weights: Tensor? = nil, minlength: Int = 0) throws -> Tensor {
        guard ndim == 1, dtype == .int64 || dtype == .int32 else {
            throw GentrainError.shape("bincount: expected a 1-D tensor of non-negative integers, got \(ndim)-D \(dtype)")
        }
        guard minlength >= 0 else { throw GentrainError.argument("bincount: minlength should be >= 0, got \(minlength)") }
        let values = try toArray(Int64.self)
        guard values.allSatisfy({ $0 >= 0 }) else { throw GentrainError.argument("bincount: input should contain only non-negative values") }
        let largest = Int(values.max() ?? -1)
        guard largest < maxElements else { throw GentrainError(.outOfMemory, "bincount: \(largest + 1) bins are too many") }
        let length = Swift.max(largest + 1, minlength)
        let index = try Tensor(values, shape: [values.count])
        return try withNoGrad {
            guard let weights else {
                return try Tensor.zeros([length], dtype: .float64).indexAdd(0, index, Tensor.ones([numel], dtype: .float64)).to(.int64)
            }
            guard weights.shape == shape else {
                throw GentrainError.shape("bincount: weights should have the same length as input, got \(shapeString(weights.shape)) and \(shapeString(shape))")
            }
            let dt: DType = weights.dtype.isFloatingPoint ? weights.dtype : .float64
            return try Tensor.zeros([length], dtype: dt).indexAdd(0, index, weights.to(dt))
        }
    }

    /// The distinct elements in ascending order (torch.unique with sorted=True, over the flattened
    /// tensor), with, for each element of the input, the index of its value among them (`inverse`,
    /// the input's shape) and how often each value occurs (`counts`), both int64; no gradient.
    public func unique() throws -> (values: Tensor, inverse: Tensor, counts: Tensor) {
        let flat = try withNoGrad { try reshape([-1]).contiguous() }
        // Exact keys: integers as int64, floating point as float64 (NaNs last, each distinct, as PyTorch's sort).
        let order: [Int], same: (Int, Int) -> Bool
        if dtype.isFloatingPoint {
            let v = try flat.toArray(Double.self)
            order = v.indices.sorted { a, b in
                let (x, y) = (v[a], v[b])
                if x.isNaN != y.isNaN { return y.isNaN }
                return !x.isNaN && x != y ? x < y : a < b
            }
            same = { v[$0] == v[$1] }
        } else {
            let v = try flat.toArray(Int64.self)
            order = v.indices.sorted { v[$0] < v[$1] || (v[$0] == v[$1] && $0 < $1) }
            same = { v[$0] == v[$1] }
        }
        var firsts: [Int] = [], counts: [Int64] = []
        var inverse = [Int64](repeating: 0, count: order.count)
        for (k, i) in order.enumerated() {
            if k == 0 || !same(order[k - 1], i) { firsts.append(i); counts.append(0) }
            counts[counts.count - 1] += 1
            inverse[i] = Int64(firsts.count - 1)
        }
        let values = try withNoGrad { try flat.indexSelect(0, Tensor(firsts.map(Int64.init), shape: [firsts.count])) }
        return (values, try Tensor(inverse, shape: shape), try Tensor(counts, shape: [counts.count]))
    }
}
