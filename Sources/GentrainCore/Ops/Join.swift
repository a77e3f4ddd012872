/// Joining and splitting: cat, stack, split, chunk, unbind.
extension Tensor {
    /// Concatenates tensors along `dim`; all other sizes must match. Dtypes promote.
    public static func cat(_ tensors: [Tensor], dim d: Int = 0) throws -> Tensor {
        let tensors = try Autocast.promote(tensors)
        guard let first = tensors.first else { throw GentrainError.argument("cat: expected a non-empty list of tensors") }
        let i = try first.dim(d, "cat")
        guard first.ndim > 0 else { throw GentrainError.shape("cat: zero-dimensional tensor cannot be concatenated") }
        var dtype = first.dtype
        var total = 0
        for (k, t) in tensors.enumerated() {
            guard t.ndim == first.ndim else {
                throw GentrainError.shape("cat: tensors must have the same number of dimensions: got \(first.ndim) and \(t.ndim) (tensor \(k))")
            }
            for j in 0..<t.ndim where j != i && t.shape[j] != first.shape[j] {
                throw GentrainError.shape("cat: sizes of tensors must match except in dimension \(i); expected size \(first.shape[j]) but got size \(t.shape[j]) for tensor \(k) in dimension \(j)")
            }
            dtype = DType.promote(dtype, t.dtype)
            total += t.shape[i]
        }
        var outShape = first.shape
        outShape[i] = total
        let out = try Tensor(empty: outShape, dtype: dtype)
        var start = 0
        var starts: [Int] = []
        try withNoGrad {
            for t in tensors {
                starts.append(start)
                if t.shape[i] > 0 { try out.narrow(i, start: start, length: t.shape[i]).copy_(t) }
                start += t.shape[i]
            }
        }
        let sizes = tensors.map { $0.shape[i] }
        return try record(out, "CatBackward", tensors, saves: false) { node, g in
            Grads(try (0..<sizes.count).map { k in
                node.needsInputGrad(k) ? try g.narrow(i, start: starts[k], length: sizes[k]) : nil
            })
        }
    }

    /// Stacks same-shape tensors along a new dimension `dim`.
    public static func stack(_ tensors: [Tensor], dim d: Int = 0) throws -> Tensor {
        guard let first = tensors.first else { throw GentrainError.argument("stack: expected a non-empty list of tensors") }
        for (k, t) in tensors.enumerated() where t.shape != first.shape {
            throw GentrainError.shape("stack: expects each tensor to be equal size, but got \(shapeString(first.shape)) at entry 0 and \(shapeString(t.shape)) at entry \(k)")
        }
        let i = try normalizeDim(d, first.ndim + 1, "stack")
        return try cat(tensors.map { try $0.unsqueeze(i) }, dim: i)
    }

    /// Pieces of `splitSize` along `dim` (the last may be smaller).
    public func split(_ splitSize: Int, dim d: Int = 0) throws -> [Tensor] {
        let count = try splitCount(splitSize, dim: d), i = try sizedDim(d, "split"), size = shape[i]
        try checkPieceCount(count, "split")
        return try split(sizes: (0..<count).map { Swift.min(splitSize, size - $0 * splitSize) }, dim: i)
    }

    /// How many pieces `split(splitSize, dim:)` makes, without making them (a caller with room for
    /// a few can refuse a split into millions first).
    public func splitCount(_ splitSize: Int, dim d: Int = 0) throws -> Int {
        let i = try sizedDim(d, "split")
        guard splitSize > 0 || (ndim > 0 && shape[i] == 0) else {
            throw GentrainError.argument("split: split_size must be positive, got \(splitSize)")
        }
        let size = shape[i]
        return size == 0 ? 1 : (size - 1) / Swift.max(splitSize, 1) + 1   // no overflow for any size
    }

    /// Pieces with the given sizes along `dim`; they must add up to the dimension's size.
    /// The pieces are views and one node: its backward concatenates their gradients (zeros
    /// for pieces nothing used), so splitting into n pieces costs one gradient, not n.
    public func split(sizes: [Int], dim d: Int = 0) throws -> [Tensor] {
        let i = try sizedDim(d, "split")
        guard sizes.allSatisfy({ $0 >= 0 }), sizes.reduce(0, +) == shape[i] else {
            throw GentrainError.argument("split_with_sizes: sizes \(sizes) must be non-negative and sum to \(shape[i])")
        }
        var start = 0
        let pieces = try withNoGrad {
            try sizes.map { s in
                defer { start += s }
                return try narrow(i, start: start, length: s)
            }
        }
        let dtype = self.dtype, shapes = pieces.map(\.shape)   // not the pieces: they hold the node
        return try recordMulti(pieces, "SplitBackward", [self], saves: false) { _, gs in
            Grads(try Tensor.cat(zip(gs, shapes).map { g, shape in try g ?? Tensor.zeros(shape, dtype: dtype) }, dim: i))
        }
    }

    /// The slices along `dim`, that dimension removed (PyTorch's `unbind`); like `split`,
    /// one node whose backward stacks the slices' gradients.
    public func unbind(_ d: Int = 0) throws -> [Tensor] {
        let i = try sizedDim(d, "unbind")
        guard ndim > 0 else { throw GentrainError.index("unbind: a zero-dimensional tensor has no dimension to unbind") }
        try checkPieceCount(shape[i], "unbind")
        let slices = try withNoGrad { try (0..<shape[i]).map { try select(i, $0) } }
        guard !slices.isEmpty else { return [] }
        let dtype = self.dtype, sliceShape = slices[0].shape
        return try recordMulti(slices, "UnbindBackward", [self], saves: false) { _, gs in
            Grads(try Tensor.stack(gs.map { try $0 ?? Tensor.zeros(sliceShape, dtype: dtype) }, dim: i))
        }
    }

    /// `chunks` pieces of equal size (the last may be smaller) along `dim`.
    public func chunk(_ chunks: Int, dim d: Int = 0) throws -> [Tensor] {
        try split(chunkSize(chunks, dim: d), dim: d)
    }

    /// The split size `chunk(chunks, dim:)` uses: each piece ⌈size / chunks⌉ long.
    public func chunkSize(_ chunks: Int, dim d: Int = 0) throws -> Int {
        guard chunks > 0 else { throw GentrainError.argument("chunk: number of chunks must be positive, got \(chunks)") }
        let i = try sizedDim(d, "chunk")
        return shape[i] == 0 ? 1 : (shape[i] - 1) / chunks + 1
    }
}

/// The most pieces one split or unbind makes (each is a tensor object): 2^24. More, say a long
/// expanded view split into single elements, is an out-of-memory error rather than an abort.
private func checkPieceCount(_ count: Int, _ op: String) throws {
    guard count <= 1 << 24 else { throw GentrainError(.outOfMemory, "\(op): \(count) pieces are too many (at most 2^24)") }
}
