import GentrainCore

// Attention: PyTorch's `F.scaled_dot_product_attention` and the computation of
// `nn.MultiheadAttention`, written with differentiable ops (gradients of any order).

/// The additive form of a mask: a float mask as is, a bool mask as 0 / −∞ where `blockedWhen`
/// is the bool value that blocks a position.
private func additiveMask(_ mask: Tensor, blockedWhen blocked: Bool, like x: Tensor, _ name: String) throws -> Tensor {
    if mask.dtype == .bool {
        let block = blocked ? mask : try mask.eq(0)
        return try Tensor.zeros(mask.shape, dtype: x.dtype).maskedFill(block, -.infinity)
    }
    guard mask.dtype.isFloatingPoint else { throw GentrainError(.dtype, "\(name) must be bool or floating point, got \(mask.dtype)") }
    return try mask.to(x.dtype)
}

/// True above the diagonal of an `[L, S]` grid (`j > i`): the positions a causal mask blocks.
private func causalBlocked(_ l: Int, _ s: Int) throws -> Tensor {
    try Tensor.arange(0, Double(s)).unsqueeze(0).gt(Tensor.arange(0, Double(l)).unsqueeze(1))
}

/// softmax(q kᵀ · scale + mask) v for q `[*, L, E]`, k `[*, S, E]`, v `[*, S, Ev]` → `[*, L, Ev]`
/// (PyTorch's `scaled_dot_product_attention`). `attnMask` broadcasts to `[*, L, S]`: bool where
/// true means "takes part", or float, added to the scores. `isCausal` blocks `j > i` (and
/// excludes `attnMask`); `scale` defaults to 1/√E; dropout `dropoutP` applies to the weights. A
/// row with every position blocked gives nan, as in PyTorch.
public func scaledDotProductAttention(_ q: Tensor, _ k: Tensor, _ v: Tensor, attnMask: Tensor? = nil, dropoutP: Double = 0,
                                      isCausal: Bool = false, scale: Double? = nil, generator: Generator? = nil) throws -> Tensor {
    let (q, k, v) = (try Autocast.lowerPrecision(q), try Autocast.lowerPrecision(k), try Autocast.lowerPrecision(v))
    guard q.ndim >= 2, k.ndim >= 2, v.ndim >= 2, q.shape.last == k.shape.last, k.shape[k.ndim - 2] == v.shape[v.ndim - 2] else {
        throw GentrainError(.shape, "scaled_dot_product_attention: expected q [*, L, E], k [*, S, E], v [*, S, Ev]; got \(shapeString(q.shape)), \(shapeString(k.shape)), \(shapeString(v.shape))")
    }
    guard !(isCausal && attnMask != nil) else {
        throw GentrainError(.invalidArgument, "scaled_dot_product_attention: give attn_mask or is_causal, not both")
    }
    guard dropoutP >= 0 && dropoutP <= 1 else { throw GentrainError(.invalidArgument, "dropout_p must be in [0, 1], got \(dropoutP)") }
    let (l, s) = (q.shape[q.ndim - 2], k.shape[k.ndim - 2])
    var scores = try q.matmul(k.transpose(-1, -2)).mul(scale ?? 1 / Double(q.shape[q.ndim - 1]).squareRoot())
    if isCausal { scores = try scores.maskedFill(causalBlocked(l, s), -.infinity) }
    if let attnMask { scores = try scores.add(additiveMask(attnMask, blockedWhen: false, like: scores, "attn_mask")) }
    var weights = try scores.softmax(dim: -1)
    if dropoutP > 0 { weights = try weights.dropout(p: dropoutP, training: true, generator: generator) }
    return try weights.matmul(v)
}

/// The projections of multi-head attention: `in_proj_weight` `[3E, E]` (query, key and value
/// rows), `in_proj_bias` `[3E]`, `out_proj` weight `[E, E]` and bias `[E]`.
public struct AttentionWeights {
    public let inProj: Tensor, inProjBias: Tensor?, outProj: Tensor, outProjBias: Tensor?

    public init(inProj: Tensor, inProjBias: Tensor?, outProj: Tensor, outProjBias: Tensor?) {
        (self.inProj, self.inProjBias, self.outProj, self.outProjBias) = (inProj, inProjBias, outProj, outProjBias)
    }
}

/// Multi-head attention (the computation of PyTorch's `nn.MultiheadAttention.forward`).
///
/// query `[L, N, E]`, key and value `[S, N, E]` (`[N, L, E]`… with batchFirst; unbatched `[L, E]`
/// too) → output of the query's layout, and with `needWeights` the attention weights `[N, L, S]`
/// averaged over heads (`[N, heads, L, S]` without `averageAttnWeights`). `keyPaddingMask` `[N, S]`:
/// bool, true = ignore that key, or float added. `attnMask` `[L, S]` or `[N·heads, L, S]`: bool, true =
/// not allowed, or float added. `isCausal` without a mask blocks every later position (PyTorch
/// wants the mask given as well; here it is built). Dropout `dropoutP` on the weights when training.
public func multiHeadAttention(query: Tensor, key: Tensor, value: Tensor, numHeads: Int, weights w: AttentionWeights,
                               keyPaddingMask: Tensor? = nil, needWeights: Bool = true, attnMask: Tensor? = nil,
                               averageAttnWeights: Bool = true, isCausal: Bool = false, batchFirst: Bool = false,
                               dropoutP: Double = 0, training: Bool = false,
                               generator: Generator? = nil) throws -> (output: Tensor, weights: Tensor?) {
    let batched = query.ndim == 3
    guard (query.ndim == 2 || batched) && key.ndim == query.ndim && value.ndim == query.ndim else {
        throw GentrainError(.shape, "multi_head_attention: query, key and value must all be 3-D (batched) or 2-D; got \(shapeString(query.shape)), \(shapeString(key.shape)), \(shapeString(value.shape))")
    }
    // To [L, N, E].
    func layout(_ x: Tensor) throws -> Tensor { !batched ? try x.unsqueeze(1) : batchFirst ? try x.transpose(0, 1) : x }
    let (q0, k0, v0) = (try layout(query), try layout(key), try layout(value))
    let (l, n, e) = (q0.shape[0], q0.shape[1], q0.shape[2]), s = k0.shape[0]
    guard numHeads > 0, e > 0, e % numHeads == 0 else {
        throw GentrainError(.invalidArgument, "multi_head_attention: embed_dim \(e) must be positive and divisible by num_heads \(numHeads)")
    }
    guard k0.shape == [s, n, e], v0.shape == [s, n, e] else {
        throw GentrainError(.shape, "multi_head_attention: key and value must be [S, N, \(e)] like the query's batch; got \(shapeString(key.shape)), \(shapeString(value.shape))")
    }
    guard w.inProj.shape == [3 * e, e], w.outProj.shape == [e, e], w.inProjBias.map({ $0.shape == [3 * e] }) ?? true,
          w.outProjBias.map({ $0.shape == [e] }) ?? true else {
        throw GentrainError(.shape, "multi_head_attention: expected in_proj_weight [\(3 * e), \(e)], in_proj_bias [\(3 * e)] and out_proj [\(e), \(e)]; got \(shapeString(w.inProj.shape)) and \(shapeString(w.outProj.shape))")
    }
    let h = numHeads, d = e / numHeads
    let projections = try w.inProj.chunk(3, dim: 0), biases = try w.inProjBias.map { try $0.chunk(3, dim: 0) }
    // [L, N, E] → [N·heads, L, d]
    func heads(_ x: Tensor, _ i: Int, _ len: Int) throws -> Tensor {
        try linear(x, projections[i], biases?[i]).reshape([len, n * h, d]).transpose(0, 1)
    }
    let (q, k, v) = (try heads(q0, 0, l), try heads(k0, 1, s), try heads(v0, 2, s))

    // One additive mask [N·heads or 1, L, S].
    var mask: Tensor? = nil
    if let attnMask {
        guard attnMask.shape == [l, s] || attnMask.shape == [n * h, l, s] else {
            throw GentrainError(.shape, "multi_head_attention: attn_mask must be [\(l), \(s)] or [\(n * h), \(l), \(s)], got \(shapeString(attnMask.shape))")
        }
        mask = try additiveMask(attnMask, blockedWhen: true, like: q, "attn_mask")
    } else if isCausal {
        mask = try additiveMask(causalBlocked(l, s), blockedWhen: true, like: q, "attn_mask")
    }
    if let keyPaddingMask {
        guard keyPaddingMask.shape == (batched ? [n, s] : [s]) else {
            throw GentrainError(.shape, "multi_head_attention: key_padding_mask must be \(shapeString(batched ? [n, s] : [s])), got \(shapeString(keyPaddingMask.shape))")
        }
        let padding = try additiveMask(keyPaddingMask, blockedWhen: true, like: q, "key_padding_mask")
            .reshape([n, 1, 1, s]).expand([n, h, 1, s]).reshape([n * h, 1, s])
        mask = try mask.map { try $0.add(padding) } ?? padding
    }

    var scores = try q.mul(1 / Double(d).squareRoot()).matmul(k.transpose(1, 2))   // [N·heads, L, S]
    if let mask { scores = try scores.add(mask) }
    var attention = try scores.softmax(dim: -1)
    if dropoutP > 0 && training { attention = try attention.dropout(p: dropoutP, training: true, generator: generator) }
    let context = try attention.matmul(v).transpose(0, 1).contiguous().reshape([l * n, e])   // [L·N, E]
    var output = try linear(context, w.outProj, w.outProjBias).reshape([l, n, e])
    output = !batched ? try output.squeeze(1) : batchFirst ? try output.transpose(0, 1) : output

    guard needWeights else { return (output, nil) }
    var averaged = try attention.reshape([n, h, l, s])
    if averageAttnWeights { averaged = try averaged.mean(dims: [1]) }
    if !batched { averaged = try averaged.squeeze(0) }
    return (output, averaged)
}
