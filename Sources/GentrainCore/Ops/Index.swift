/// Indexing ops: index_select, index_add, gather, scatter, scatter_add, masked_fill, embedding.
/// Every index is checked against its dimension before any memory is touched.
extension Tensor {
    /// The index values of an int32/int64 tensor, each checked to lie in `-size..<size`
    /// (negative counts from the end) and made non-negative.
    func indexValues(_ size: Int, _ op: String, allowNegative: Bool = true) throws -> [Int] {
        guard dtype == .int64 || dtype == .int32 else {
            throw GentrainError.dtype("\(op): expected an int64 or int32 index tensor, got \(dtype)")
        }
        let raw = try toArray(Int64.self)
        var out = [Int](repeating: 0, count: raw.count)
        for (k, v) in raw.enumerated() {
            let i = Int(v)
            guard i < size && (i >= 0 || (allowNegative && i >= -size)) else {
                throw GentrainError.index("\(op): index \(v) is out of bounds for dimension with size \(size)")
            }
            out[k] = i < 0 ? i + size : i
        }
        return out
    }

    /// The slices at `index` (1-D) along `dim`.
    public func indexSelect(_ d: Int, _ index: Tensor) throws -> Tensor {
        let i = try sizedDim(d, "index_select")
        guard index.ndim <= 1 else { throw GentrainError.shape("index_select: index must be 0- or 1-dimensional, got \(index.ndim)") }
        let size = ndim == 0 ? 1 : shape[i]
        let idx = try index.indexValues(size, "index_select")
        let src = try withNoGrad { try contiguous() }
        var outShape = shape
        if ndim > 0 { outShape[i] = idx.count }
        let out = try Tensor(empty: outShape, dtype: dtype)
        let item = dtype.itemSize
        let inner = shape[(ndim == 0 ? 0 : i + 1)...].reduce(1, *) * item
        let outer = ndim == 0 ? 1 : shape[..<i].reduce(1, *)
        let s = src.storage.data + src.offset * item, o = out.storage.data
        for a in 0..<outer {
            for (k, j) in idx.enumerated() {
                (o + (a * idx.count + k) * inner).copyMemory(from: s + (a * size + j) * inner, byteCount: inner)
            }
        }
        let inShape = shape
        return try record(out, "IndexSelectBackward", self, saves: false) { _, g in
            Grads(try Tensor.zeros(inShape, dtype: g.dtype).indexAdd(i, index, g))
        }
    }

    /// This tensor with `source`'s slices added at `index` along `dim` (repeated indices add up).
    public func indexAdd(_ d: Int, _ index: Tensor, _ source: Tensor) throws -> Tensor {
        let i = try sizedDim(d, "index_add")
        guard dtype.isFloatingPoint else { throw GentrainError.dtype("index_add: expected a floating point tensor, got \(dtype)") }
        let size = ndim == 0 ? 1 : shape[i]
        let idx = try index.indexValues(size, "index_add")
        var expected = shape
        if ndim > 0 { expected[i] = idx.count }
        guard source.shape == expected else {
            throw GentrainError.shape("index_add: source of shape \(shapeString(source.shape)) does not match \(shapeString(expected))")
        }
        let out = try withNoGrad { try to(dtype.computeType).contiguousCopy() }
        let src = try withNoGrad { try source.to(out.dtype).contiguous() }
        let inner = shape[(ndim == 0 ? 0 : i + 1)...].reduce(1, *)
        let outer = ndim == 0 ? 1 : shape[..<i].reduce(1, *)
        func run<T: FloatElement>(_: T.Type) {
            let o = out.pointer(T.self), s = src.pointer(T.self)
            for a in 0..<outer {
                for (k, j) in idx.enumerated() {
                    let dst = o + (a * size + j) * inner, from = s + (a * idx.count + k) * inner
                    for e in 0..<inner { dst[e] += from[e] }
                }
            }
        }
        if out.dtype == .float32 { run(Float.self) } else { run(Double.self) }
        let result = try withNoGrad { try out.to(dtype) }
        return try record(result, "IndexAddBackward", self, source, saves: false) { node, g in
            Grads(g, node.needsInputGrad(1) ? try g.indexSelect(i, index) : nil)
        }
    }

    /// Checks a gather/scatter index against this tensor and returns its values and the
    /// strides that walk it.
    /// The index of gather/scatter_add as a contiguous int64 tensor, every value checked to lie in
    /// `0..<shape[i]` (one pass, no array of Swift integers).
    func gatherPlan(_ i: Int, _ index: Tensor, _ op: String) throws -> Tensor {
        guard index.ndim == ndim else {
            throw GentrainError.shape("\(op): index tensor must have the same number of dimensions as input (\(index.ndim) vs \(ndim))")
        }
        for d in 0..<ndim where d != i && index.shape[d] > shape[d] {
            throw GentrainError.shape("\(op): size of index \(shapeString(index.shape)) exceeds input \(shapeString(shape)) at dimension \(d)")
        }
        guard index.dtype == .int64 || index.dtype == .int32 else {
            throw GentrainError.dtype("\(op): expected an int64 or int32 index tensor, got \(index.dtype)")
        }
        let idx = try withNoGrad { try index.to(.int64).contiguous() }
        let p = idx.pointer(Int64.self), size = Int64(ndim == 0 ? 1 : shape[i])
        var outside: Int64 = 0
        for k in 0..<idx.numel { outside |= (p[k] < 0 || p[k] >= size) ? 1 : 0 }
        if outside != 0, let k = (0..<idx.numel).first(where: { p[$0] < 0 || p[$0] >= size }) {
            throw GentrainError.index("\(op): index \(p[k]) is out of bounds for dimension with size \(size)")
        }
        return idx
    }

    /// `out[…][j][…] = self[…][index[…][j][…]][…]` along `dim` (PyTorch's `gather`).
    public func gather(_ d: Int, _ index: Tensor) throws -> Tensor {
        let i = try sizedDim(d, "gather")
        let idx = try gatherPlan(i, index, "gather")
        let src = try withNoGrad { try contiguous() }
        let out = try Tensor(empty: index.shape, dtype: dtype)
        var walk = src.strides
        if ndim > 0 { walk[i] = 0 }
        let step = ndim == 0 ? 0 : src.strides[i]
        func run<T>(_: T.Type) {   // elements moved as same-sized integers
            let s = src.pointer(T.self), o = out.pointer(T.self), pi = idx.pointer(Int64.self)
            var k = 0
            forEachRun(index.shape, [walk]) { off, n, inner in
                for e in 0..<n {
                    o[k] = s[off[0] + e * inner[0] + Int(pi[k]) * step]
                    k += 1
                }
            }
        }
        switch dtype.itemSize {
        case 1: run(UInt8.self)
        case 2: run(UInt16.self)
        case 4: run(UInt32.self)
        default: run(UInt64.self)
        }
        let inShape = shape
        return try record(out, "GatherBackward", self, saves: false) { _, g in
            Grads(try Tensor.zeros(inShape, dtype: g.dtype).scatterAdd(i, index, g))
        }
    }

    /// This tensor with `src[…][j][…]` added at `index[…][j][…]` along `dim` (PyTorch's `scatter_add`).
    public func scatterAdd(_ d: Int, _ index: Tensor, _ src: Tensor) throws -> Tensor {
        let i = try sizedDim(d, "scatter_add")
        guard dtype.isFloatingPoint else { throw GentrainError.dtype("scatter_add: expected a floating point tensor, got \(dtype)") }
        let idx = try gatherPlan(i, index, "scatter_add")
        guard src.ndim == index.ndim else {
            throw GentrainError.shape("scatter_add: index tensor must have the same number of dimensions as src (\(index.ndim) vs \(src.ndim))")
        }
        for dd in 0..<index.ndim where index.shape[dd] > src.shape[dd] {
            throw GentrainError.shape("scatter_add: index \(shapeString(index.shape)) exceeds src \(shapeString(src.shape)) at dimension \(dd)")
        }
        let out = try withNoGrad { try to(dtype.computeType).contiguousCopy() }
        let s = try withNoGrad { try src.to(out.dtype) }
        var walk = out.strides
        if ndim > 0 { walk[i] = 0 }
        let step = ndim == 0 ? 0 : out.strides[i]
        func run<T: FloatElement>(_: T.Type) {
            let po = out.pointer(T.self), ps = s.pointer(T.self), pi = idx.pointer(Int64.self)
            var k = 0
            forEachRun(index.shape, [walk, s.strides]) { off, n, inner in
                for e in 0..<n {
                    po[off[0] + e * inner[0] + Int(pi[k]) * step] += ps[off[1] + e * inner[1]]
                    k += 1
                }
            }
        }
        if out.dtype == .float32 { run(Float.self) } else { run(Double.self) }
        let result = try withNoGrad { try out.to(dtype) }
        let srcShape = src.shape
        return try record(result, "ScatterAddBackward", self, src, saves: false) { node, g in
            guard node.needsInputGrad(1) else { return Grads(g, nil) }
            var gs = try g.gather(i, index)
            if gs.shape != srcShape {   // src larger than index: the rest gets no gradient
                gs = try Tensor.zeros(srcShape, dtype: g.dtype).sliceAssign(gs)
            }
            return Grads(g, gs)
        }
    }

    /// This tensor with `src[…][j][…]` written at `index[…][j][…]` along `dim` (PyTorch's `scatter`;
    /// where an index repeats, the last write wins, as PyTorch's CPU kernel). Gradients: this tensor's
    /// outside the written places, src's gathered back from them.
    public func scatter(_ d: Int, _ index: Tensor, _ src: Tensor) throws -> Tensor {
        let i = try sizedDim(d, "scatter")
        let idx = try gatherPlan(i, index, "scatter")
        guard src.ndim == index.ndim else {
            throw GentrainError.shape("scatter: index tensor must have the same number of dimensions as src (\(index.ndim) vs \(src.ndim))")
        }
        for dd in 0..<index.ndim where index.shape[dd] > src.shape[dd] {
            throw GentrainError.shape("scatter: index \(shapeString(index.shape)) exceeds src \(shapeString(src.shape)) at dimension \(dd)")
        }
        let (out, values) = try withNoGrad { (try contiguousCopy(), try src.to(dtype)) }
        let written = try Tensor.zeros(shape, dtype: .bool)
        var walk = out.strides
        if ndim > 0 { walk[i] = 0 }
        let step = ndim == 0 ? 0 : out.strides[i]
        func run<T>(_: T.Type) {   // elements moved as same-sized integers
            let po = out.pointer(T.self), ps = values.pointer(T.self), pw = written.pointer(Bool.self), pi = idx.pointer(Int64.self)
            var k = 0
            forEachRun(index.shape, [walk, values.strides]) { off, n, inner in
                for e in 0..<n {
                    let at = off[0] + e * inner[0] + Int(pi[k]) * step
                    po[at] = ps[off[1] + e * inner[1]]
                    pw[at] = true
                    k += 1
                }
            }
        }
        switch dtype.itemSize {
        case 1: run(UInt8.self)
        case 2: run(UInt16.self)
        case 4: run(UInt32.self)
        default: run(UInt64.self)
        }
        let srcShape = src.shape
        return try record(out, "ScatterBackward", self, src, saves: false) { node, g in
            var gs: Tensor? = nil
            if node.needsInputGrad(1) {
                gs = try g.gather(i, index)
                if gs!.shape != srcShape { gs = try Tensor.zeros(srcShape, dtype: g.dtype).sliceAssign(gs!) }
            }
            return Grads(node.needsInputGrad(0) ? try g.maskedFill(written, 0) : nil, gs)
        }
    }

    /// `scatter` of one number: `value` at every place `index` names along `dim`.
    public func scatter(_ d: Int, _ index: Tensor, value: Double) throws -> Tensor {
        try scatter(d, index, Tensor.full(index.shape, value, dtype: dtype))
    }

    /// Zeros of this shape with `part` written at the leading corner (differentiable in `part`).
    private func sliceAssign(_ part: Tensor) throws -> Tensor {
        var r = part
        for d in 0..<ndim where part.shape[d] != shape[d] {
            var s = r.shape
            s[d] = shape[d]
            r = try r.sliceScatter(into: s, dim: d, start: 0, step: 1)
        }
        return r
    }

    /// `value` where `mask` is true, else this tensor (mask broadcasts).
    public func maskedFill(_ mask: Tensor, _ value: Double) throws -> Tensor {
        guard mask.dtype == .bool else { throw GentrainError.dtype("masked_fill: mask must be bool, got \(mask.dtype)") }
        let b = try broadcastShapes(shape, mask.shape, "masked_fill")
        guard b == shape else { throw GentrainError.shape("masked_fill: mask \(shapeString(mask.shape)) does not broadcast to \(shapeString(shape))") }
        return try Tensor.where(mask, Tensor.scalar(value, dtype: dtype), self)
    }
}

/// Rows of `weight` (`[num_embeddings, dim]`) at `indices` (any shape) → `[*indices.shape, dim]`.
/// Rows looked up at `paddingIdx` (negative counts from the end) pass no gradient to `weight`.
public func embedding(_ indices: Tensor, _ weight: Tensor, paddingIdx: Int? = nil) throws -> Tensor {
    guard weight.ndim == 2 else { throw GentrainError.shape("embedding: weight must be 2-D, got \(shapeString(weight.shape))") }
    let num = weight.shape[0]
    if let p = paddingIdx, p < -num || p >= num {
        throw GentrainError.index("embedding: padding_idx \(p) must be within num_embeddings (\(num))")
    }
    let out = try weight.indexSelect(0, indices.reshape([-1])).reshape(indices.shape + [weight.shape[1]])
    guard let p = paddingIdx.map({ $0 < 0 ? $0 + num : $0 }) else { return out }
    let mask = try indices.eq(Tensor.scalar(Double(p), dtype: indices.dtype)).unsqueeze(-1)
    return try Tensor.where(mask, out.detach(), out)   // same values, no gradient for the padding row
}
