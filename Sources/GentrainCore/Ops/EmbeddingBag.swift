/// PyTorch's `F.embedding_bag`: the rows of an embedding looked up for each bag of indices and
/// reduced to one row per bag, made of index_select, index_add and scatter_reduce (so every order
/// of gradient follows).

/// How `embeddingBag` reduces a bag's rows.
public enum EmbeddingBagMode: Int32, CaseIterable, Sendable { case sum = 0, mean = 1, max = 2 }

/// The rows of `weight` [num_embeddings, dim] for each bag of `input`, reduced by `mode` → [bags, dim]
/// (F.embedding_bag). `input` is [bags, n] (every row a bag of n; `offsets` nil), or 1-D with
/// `offsets` (int64 or int32, ascending, the first 0) where bag b holds input[offsets[b] ..<
/// offsets[b + 1]] (the last bag running to the end, or, with `includeLastOffset`, `offsets` ending
/// with input's length). `perSampleWeights` (input's shape) scales each row, for `sum` only.
/// Indices equal to `paddingIdx` are left out of their bag (and of its mean's count). An empty
/// bag gives zeros.
public func embeddingBag(_ input: Tensor, _ weight: Tensor, offsets: Tensor? = nil, mode: EmbeddingBagMode = .mean,
                         perSampleWeights: Tensor? = nil, includeLastOffset: Bool = false,
                         paddingIdx: Int? = nil) throws -> Tensor {
    guard weight.ndim == 2, weight.dtype.isFloatingPoint else {
        throw GentrainError.shape("embedding_bag: weight must be a 2-D floating point tensor, got \(shapeString(weight.shape)) \(weight.dtype)")
    }
    guard input.dtype == .int64 || input.dtype == .int32 else {
        throw GentrainError.dtype("embedding_bag: expected an int64 or int32 input, got \(input.dtype)")
    }
    let (num, dim) = (weight.shape[0], weight.shape[1])
    if let p = paddingIdx, p < -num || p >= num {
        throw GentrainError.index("embedding_bag: padding_idx \(p) must be within num_embeddings (\(num))")
    }
    // Each element's bag as int64 [N]; `bags` for an element in none (past include_last_offset's
    // last offset, or at the padding index), which goes to an extra row left out of the result.
    let flat = try input.reshape([-1]).to(.int64)
    let bags: Int, owner: Tensor
    switch (input.ndim, offsets) {
    case (2, nil):
        (bags, owner) = (input.shape[0], try Tensor.arange(0, Double(input.shape[0])).to(.int64)
            .unsqueeze(1).expand(input.shape).reshape([-1]))
    case (1, let offsets?):
        guard offsets.ndim == 1, offsets.dtype == .int64 || offsets.dtype == .int32 else {
            throw GentrainError.shape("embedding_bag: offsets has to be a 1D int64 or int32 tensor, got \(shapeString(offsets.shape)) \(offsets.dtype)")
        }
        let starts = try offsets.to(.int64).contiguous(), p = starts.pointer(Int64.self), n = input.shape[0]
        guard starts.numel == 0 || p[0] == 0 else {
            throw GentrainError.argument("embedding_bag: offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from position 0. However, got \(p[0])")
        }
        for b in 1..<Swift.max(starts.numel, 1) where p[b] > Int64(n) || p[b] < p[b - 1] {
            throw GentrainError.index("embedding_bag: offsets must ascend within the input's \(n) elements, got offsets[\(b)] = \(p[b])")
        }
        bags = includeLastOffset ? Swift.max(starts.numel - 1, 0) : starts.numel
        let o = try Tensor(empty: [n], dtype: .int64), po = o.pointer(Int64.self)
        var b = -1   // element e belongs to the last bag whose start is at most e
        for e in 0..<n {
            while b + 1 < starts.numel && p[b + 1] <= Int64(e) { b += 1 }
            po[e] = Int64(b < 0 || b >= bags ? bags : b)
        }
        owner = o
    default:
        throw GentrainError.shape("embedding_bag: input has to be 2D without offsets, or 1D with offsets; got \(input.ndim)-D input \(offsets == nil ? "without" : "with") offsets")
    }
    if let w = perSampleWeights {
        guard mode == .sum else {
            throw GentrainError.argument("embedding_bag: per_sample_weights is only supported for mode='sum', got mode='\(mode)'")
        }
        guard w.shape == input.shape else { throw GentrainError.shape("embedding_bag: per_sample_weights \(shapeString(w.shape)) must have input's shape \(shapeString(input.shape))") }
    }
    var rows = try weight.indexSelect(0, flat)   // [N, dim]
    if let w = perSampleWeights { rows = try rows.mul(w.reshape([-1, 1]).to(weight.dtype)) }
    let target = try paddingIdx.map { p in
        try Tensor.where(flat.eq(Double(p < 0 ? p + num : p)), Tensor.scalar(Double(bags), dtype: .int64), owner)
    } ?? owner
    let zeros = try Tensor.zeros([bags + 1, dim], dtype: weight.dtype)
    switch mode {
    case .sum, .mean:
        let sums = try zeros.indexAdd(0, target, rows).narrow(0, start: 0, length: bags)
        guard mode == .mean else { return sums }
        let counts = try Tensor.zeros([bags + 1], dtype: weight.dtype).indexAdd(0, target, Tensor.ones([flat.numel], dtype: weight.dtype))
        return try sums.div(counts.narrow(0, start: 0, length: bags).clamp(min: 1, max: .infinity).unsqueeze(1))
    case .max:
        let maxima = try zeros.scatterReduce(0, target.unsqueeze(1).expand([flat.numel, dim]), rows, reduce: .amax, includeSelf: false)
        return try maxima.narrow(0, start: 0, length: bags)
    }
}
