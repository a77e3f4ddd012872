import CGentrain
import GentrainCore
import GentrainNN

// Attention: multi-head (functional and the module's) and scaled dot-product.

@c @implementation
public func gentrain_attention_options_default(_ options: UnsafeMutablePointer<gentrain_attention_options>?) {
    guard let options else { return }
    options.pointee = gentrain_attention_options(struct_size: MemoryLayout<gentrain_attention_options>.size, key_padding_mask: nil,
                                                 attn_mask: nil, need_weights: true, average_attn_weights: true, is_causal: false,
                                                 batch_first: false, dropout: 0, training: false)
}

/// Reads the options, then produces the output and, when wanted, the weights.
private func attention(_ name: StaticString, _ output: TensorOut?, _ attnWeights: TensorOut?,
                       _ options: UnsafePointer<gentrain_attention_options>?,
                       _ body: (gentrain_attention_options, Tensor?, Tensor?) throws -> (Tensor, Tensor?)) -> gentrain_status {
    attnWeights?.pointee = nil
    var o = gentrain_attention_options()
    let read = guarded(name) { o = try readOptions(options, bools: [\.need_weights, \.average_attn_weights, \.is_causal, \.batch_first, \.training]) { gentrain_attention_options_default($0) } }
    guard read == GENTRAIN_OK else {
        output?.pointee = nil
        return read
    }
    return producing(name, o.need_weights ? [output, attnWeights] : [output]) {
        let (y, w) = try body(o, try optionalTensorArg(o.key_padding_mask, "key_padding_mask"),
                              try optionalTensorArg(o.attn_mask, "attn_mask"))
        return w.map { [y, $0] } ?? [y]
    }
}

@c @implementation
public func gentrain_multi_head_attention(_ output: TensorOut?, _ attnWeights: TensorOut?, _ query: OpaquePointer?, _ key: OpaquePointer?,
                                          _ value: OpaquePointer?, _ numHeads: Int64, _ inProjWeight: OpaquePointer?,
                                          _ inProjBias: OpaquePointer?, _ outProjWeight: OpaquePointer?, _ outProjBias: OpaquePointer?,
                                          _ options: UnsafePointer<gentrain_attention_options>?) -> gentrain_status {
    attention("gentrain_multi_head_attention", output, attnWeights, options) { o, padding, mask in
        let weights = AttentionWeights(inProj: try tensorArg(inProjWeight, "in_proj_weight"), inProjBias: try optionalTensorArg(inProjBias, "in_proj_bias"),
                                       outProj: try tensorArg(outProjWeight, "out_proj_weight"), outProjBias: try optionalTensorArg(outProjBias, "out_proj_bias"))
        _ = try unitInterval(o.dropout, "dropout")
        let r = try multiHeadAttention(query: tensorArg(query, "query"), key: tensorArg(key, "key"), value: tensorArg(value, "value"),
                                       numHeads: size(numHeads, "num_heads", min: 1), weights: weights, keyPaddingMask: padding,
                                       needWeights: o.need_weights, attnMask: mask, averageAttnWeights: o.average_attn_weights,
                                       isCausal: o.is_causal, batchFirst: o.batch_first, dropoutP: o.dropout, training: o.training)
        return (r.output, r.weights)
    }
}

@c @implementation
public func gentrain_module_attention_forward(_ output: TensorOut?, _ attnWeights: TensorOut?, _ module: OpaquePointer?,
                                              _ query: OpaquePointer?, _ key: OpaquePointer?, _ value: OpaquePointer?,
                                              _ options: UnsafePointer<gentrain_attention_options>?) -> gentrain_status {
    attention("gentrain_module_attention_forward", output, attnWeights, options) { o, padding, mask in
        guard let mha = try moduleArg(module).module as? MultiheadAttention else {
            throw GentrainError(.invalidArgument, "module is not a MultiheadAttention")
        }
        let r = try mha(tensorArg(query, "query"), tensorArg(key, "key"), tensorArg(value, "value"), keyPaddingMask: padding,
                        needWeights: o.need_weights, attnMask: mask, averageAttnWeights: o.average_attn_weights, isCausal: o.is_causal)
        return (r.output, r.weights)
    }
}

@c @implementation
public func gentrain_scaled_dot_product_attention(_ out: TensorOut?, _ q: OpaquePointer?, _ k: OpaquePointer?, _ v: OpaquePointer?,
                                                  _ attnMask: OpaquePointer?, _ dropoutP: Double, _ isCausal: Bool,
                                                  _ scale: UnsafePointer<Double>?) -> gentrain_status {
    producing("gentrain_scaled_dot_product_attention", out) {
        try scaledDotProductAttention(tensorArg(q, "q"), tensorArg(k, "k"), tensorArg(v, "v"), attnMask: optionalTensorArg(attnMask, "attn_mask"),
                                      dropoutP: dropoutP, isCausal: isCausal, scale: scale?.pointee)
    }
}
