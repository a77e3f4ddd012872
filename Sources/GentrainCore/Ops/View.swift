/// Shape ops. Views share storage with their input (no copy); `reshape` copies only when
/// the input is not contiguous.
extension Tensor {
    /// The same elements in another shape; one dimension may be -1 (inferred).
    public func reshape(_ newShape: [Int]) throws -> Tensor {
        let target = try inferShape(newShape)
        if target == shape { return self }
        let src = isContiguous ? self : try withNoGrad { try contiguousCopy() }
        let out = src.view(shape: target, strides: contiguousStrides(target), offset: src.offset)
        let inShape = shape
        return try record(out, "ReshapeBackward", self, saves: false) { _, g in Grads(try g.reshape(inShape)) }
    }

    /// PyTorch's `view`: like reshape, but an error instead of a copy for non-contiguous input.
    public func view(_ newShape: [Int]) throws -> Tensor {
        guard isContiguous else {
            throw GentrainError.shape("view: the tensor is not contiguous (shape \(shapeString(shape)), strides \(shapeString(strides))); use reshape")
        }
        return try reshape(newShape)
    }

    private func inferShape(_ s: [Int]) throws -> [Int] {
        var out = s
        var known = 1
        var inferred: Int? = nil
        for (i, d) in s.enumerated() {
            if d == -1 {
                if inferred != nil { throw GentrainError.shape("reshape: only one dimension can be inferred in \(shapeString(s))") }
                inferred = i
            } else if d < 0 {
                throw GentrainError.shape("reshape: invalid shape dimension \(d) in \(shapeString(s))")
            } else {
                let (m, o) = known.multipliedReportingOverflow(by: d)
                if o { throw GentrainError.shape("reshape: shape \(shapeString(s)) is too large") }
                known = m
            }
        }
        if let i = inferred {
            guard known > 0, numel % known == 0 else {
                throw GentrainError.shape("reshape: shape \(shapeString(s)) is invalid for input of size \(numel)")
            }
            out[i] = numel / known
        } else if known != numel {
            throw GentrainError.shape("reshape: shape \(shapeString(s)) is invalid for input of size \(numel)")
        }
        // An empty target's other sizes are bounded too (as every shape's): [2^62, 0, 2^62] had
        // strides whose offsets overflowed in a later slice (fuzz_capi).
        _ = try checkedNumel(out)
        return out
    }

    /// Flattens dimensions `startDim...endDim` into one.
    public func flatten(startDim: Int = 0, endDim: Int = -1) throws -> Tensor {
        if ndim == 0 { return try reshape([1]) }
        let s = try dim(startDim, "flatten"), e = try dim(endDim, "flatten")
        guard s <= e else { throw GentrainError.argument("flatten: start_dim cannot come after end_dim") }
        let merged = shape[s...e].reduce(1, *)
        return try reshape(Array(shape[..<s]) + [merged] + Array(shape[(e + 1)...]))
    }

    /// Reorders the dimensions: output dimension i is input dimension `dims[i]`.
    public func permute(_ dims: [Int]) throws -> Tensor {
        guard dims.count == ndim else {
            throw GentrainError.shape("permute: number of dims don't match (\(dims.count) given for a \(ndim)-d tensor)")
        }
        let d = try dims.map { try dim($0, "permute") }
        guard Set(d).count == d.count else { throw GentrainError.argument("permute: repeated dim in \(dims)") }
        let out = view(shape: d.map { shape[$0] }, strides: d.map { strides[$0] }, offset: offset)
        var inverse = filled(like: d, with: 0)
        for (i, j) in d.enumerated() { inverse[j] = i }
        return try record(out, "PermuteBackward", self, saves: false) { _, g in Grads(try g.permute(inverse)) }
    }

    /// Swaps two dimensions.
    public func transpose(_ d0: Int, _ d1: Int) throws -> Tensor {
        var order = Array(0..<ndim)
        let a = try dim(d0, "transpose"), b = try dim(d1, "transpose")
        if ndim == 0 { return self }
        order.swapAt(a, b)
        return try permute(order)
    }

    /// The transpose of a matrix (PyTorch's `.t()` / `.T` for 2-D).
    public func t() throws -> Tensor {
        guard ndim <= 2 else { throw GentrainError.shape("t: expects a tensor with <= 2 dimensions, got \(ndim)") }
        return ndim < 2 ? self : try transpose(0, 1)
    }

    /// A view repeated along size-1 dimensions (stride 0); -1 keeps a size. New leading
    /// dimensions may be added.
    public func expand(_ sizes: [Int]) throws -> Tensor {
        guard sizes.count >= ndim else {
            throw GentrainError.shape("expand: the number of sizes provided (\(sizes.count)) must be greater or equal to the number of dimensions in the tensor (\(ndim))")
        }
        let lead = sizes.count - ndim
        var newShape = sizes
        var newStrides = filled(like: sizes, with: 0)
        for i in 0..<sizes.count {
            if i < lead {
                guard sizes[i] >= 0 else { throw GentrainError.shape("expand: -1 is not allowed in a leading, non-existing dimension") }
                continue
            }
            let d = shape[i - lead]
            let want = sizes[i] == -1 ? d : sizes[i]
            if want == d { newShape[i] = d; newStrides[i] = strides[i - lead] }
            else if d == 1 && want >= 0 { newShape[i] = want }
            else {
                throw GentrainError.shape("expand: the expanded size of the tensor (\(sizes[i])) must match the existing size (\(d)) at non-singleton dimension \(i); target sizes \(shapeString(sizes)), tensor sizes \(shapeString(shape))")
            }
        }
        _ = try checkedNumel(newShape)   // a view too must have a countable shape
        if newShape == shape { return self }
        // The engine sums the gradient back to the input's shape.
        return try record(view(shape: newShape, strides: newStrides, offset: offset), "ExpandBackward", self, saves: false) { _, g in Grads(g) }
    }

    /// Inserts a dimension of size 1 at `d`.
    public func unsqueeze(_ d: Int) throws -> Tensor {
        let i = try normalizeDim(d, ndim + 1, "unsqueeze")
        var s = shape, st = strides
        s.insert(1, at: i)
        st.insert(i < ndim ? strides[i] * shape[i] : 1, at: i)   // any stride serves a dimension of size 1
        return try sizeOneView(s, st)
    }

    /// Removes dimension `d` if it has size 1, or every size-1 dimension when `d` is nil. A view.
    public func squeeze(_ d: Int? = nil) throws -> Tensor {
        if let d {
            let i = try dim(d, "squeeze")
            guard ndim > 0, shape[i] == 1 else { return self }
            return try dropping([i])
        }
        return try dropping(shape.indices.filter { shape[$0] == 1 })
    }

    /// Without those of `dims` that have size 1 (torch.squeeze with a tuple of dims); without every
    /// dimension of size 1 when `dims` is empty. A view.
    public func squeeze(dims: [Int]) throws -> Tensor {
        try dropping(reductionDims(dims, "squeeze").filter { shape[$0] == 1 })
    }

    /// This tensor without the size-1 dimensions `drop`, as a view (also of a non-contiguous tensor).
    private func dropping(_ drop: [Int]) throws -> Tensor {
        if drop.isEmpty { return self }
        let keep = shape.indices.filter { !drop.contains($0) }
        return try sizeOneView(keep.map { shape[$0] }, keep.map { strides[$0] })
    }

    /// A view that adds or removes dimensions of size 1 only (the same elements in the same order).
    private func sizeOneView(_ newShape: [Int], _ newStrides: [Int]) throws -> Tensor {
        let inShape = shape
        return try record(view(shape: newShape, strides: newStrides, offset: offset), "ViewBackward", self, saves: false) { _, g in
            Grads(try g.reshape(inShape))
        }
    }

    /// Elements `start, start+step, …` below `end` along `dim` (Python slicing: negative
    /// bounds count from the end and are clamped). A view.
    public func slice(_ d: Int, start: Int? = nil, end: Int? = nil, step: Int = 1) throws -> Tensor {
        let i = try dim(d, "slice")
        guard ndim > 0 else { throw GentrainError.index("slice: cannot slice a 0-d tensor") }
        guard step > 0 else { throw GentrainError.argument("slice: step must be positive, got \(step)") }
        let size = shape[i]
        func clampIndex(_ v: Int?, _ dflt: Int) -> Int {
            guard var v else { return dflt }
            if v < 0 { v += size }
            return Swift.min(Swift.max(v, 0), size)
        }
        let s = clampIndex(start, 0)
        let e = Swift.max(clampIndex(end, size), s)
        let count = e > s ? (e - s - 1) / step + 1 : 0   // no overflow for any step
        var newShape = shape, newStrides = strides
        newShape[i] = count
        newStrides[i] = count > 1 ? strides[i] * step : strides[i]
        let out = view(shape: newShape, strides: newStrides, offset: offset + s * strides[i])
        let inShape = shape
        return try record(out, "SliceBackward", self, saves: false) { node, g in
            Grads(try sliceGradient(g, node, inputShape: inShape, dim: i, start: s, step: step))
        }
    }

    /// `length` elements from `start` along `dim` (PyTorch's `narrow`).
    public func narrow(_ d: Int, start: Int, length: Int) throws -> Tensor {
        let i = try dim(d, "narrow")
        guard ndim > 0, start >= -shape[i], start <= shape[i] else {
            throw GentrainError.index("narrow: start (\(start)) out of range for dimension \(d) of size \(ndim > 0 ? shape[i] : 0)")
        }
        let s = start < 0 ? start + shape[i] : start
        guard length >= 0, length <= shape[i] - s else {
            throw GentrainError.index("narrow: start (\(s)) + length (\(length)) exceeds dimension size (\(shape[i]))")
        }
        return try slice(i, start: s, end: s + length)
    }

    /// The slice at `index` along `dim`, with that dimension removed (PyTorch's `select`).
    public func select(_ d: Int, _ index: Int) throws -> Tensor {
        let i = try dim(d, "select")
        guard ndim > 0, index >= -shape[i], index < shape[i] else {
            throw GentrainError.index("select: index \(index) is out of bounds for dimension \(d) with size \(ndim > 0 ? shape[i] : 0)")
        }
        let k = index < 0 ? index + shape[i] : index
        return try slice(i, start: k, end: k + 1).squeeze(i)
    }

    /// Zeros of `shape` with this tensor written at `start, start+step, …` along `dim`:
    /// the gradient of `slice`, itself differentiable (its gradient is the slice again).
    func sliceScatter(into shape: [Int], dim: Int, start: Int, step: Int) throws -> Tensor {
        let out = try Tensor.zeros(shape, dtype: dtype)
        try withNoGrad { try out.sliceRegion(self.shape, dim: dim, start: start, step: step).copy_(self) }
        let end = self.shape[dim] == 0 ? start : start + (self.shape[dim] - 1) * step + 1
        return try record(out, "SliceScatterBackward", self, saves: false) { _, g in
            Grads(try g.slice(dim, start: start, end: end, step: step))
        }
    }

    /// The view of this tensor that `slice(dim, start:, step:)` with a result of
    /// `shape` reads: where `sliceScatter` writes its source.
    fileprivate func sliceRegion(_ shape: [Int], dim: Int, start: Int, step: Int) -> Tensor {
        var regionStrides = strides
        if shape[dim] > 1 { regionStrides[dim] *= step }   // one element: the step never applies (and may be huge)
        return view(shape: shape, strides: regionStrides, offset: offset + start * strides[dim])
    }
}

/// The gradient of `slice` (node `node`) for its input: `g` written into zeros of the input's
/// shape. When the input's producer already holds a pending gradient that only it holds (another
/// slice of the same tensor was differentiated first, as the slices of a model's concatenated
/// outputs are), `g` is added into that gradient's region in place instead and a known zero
/// passed on: three slices of a [128, 824] output cost one fill and no full-size additions, not
/// three fills and two additions (each slice a zero-filled copy, summed, as PyTorch computes it).
/// Not while a graph of the gradient is recorded (`create_graph`), which needs the ops.
private func sliceGradient(_ g: Tensor, _ node: Node, inputShape: [Int], dim: Int, start: Int, step: Int) throws -> Tensor {
    if !GradMode.isEnabled, case .node(let producer, let k) = node.edge(0),
       try producer.addToPending(output: k, g, region: { $0.sliceRegion(g.shape, dim: dim, start: start, step: step) }) {
        return try Tensor.knownZero(inputShape, dtype: g.dtype)
    }
    return try g.sliceScatter(into: inputShape, dim: dim, start: start, step: step)
}

