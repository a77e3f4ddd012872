import CGentrain
import GentrainCore

// The ops. Each entry point validates its handles, calls the engine, and returns a new
// tensor handle; engine errors become status codes with messages.

public typealias TensorOut = UnsafeMutablePointer<OpaquePointer?>

@inline(__always)
private func unary(_ name: StaticString, _ out: TensorOut?, _ x: OpaquePointer?,
                   _ f: (Tensor) throws -> Tensor) -> gentrain_status {
    producing(name, out) { try f(tensorArg(x, "x")) }
}

@inline(__always)
private func binary(_ name: StaticString, _ out: TensorOut?, _ a: OpaquePointer?, _ b: OpaquePointer?,
                    _ f: (Tensor, Tensor) throws -> Tensor) -> gentrain_status {
    producing(name, out) { try f(tensorArg(a, "a"), tensorArg(b, "b")) }
}

@inline(__always)
private func reduction(_ name: StaticString, _ out: TensorOut?, _ x: OpaquePointer?, _ dims: UnsafePointer<Int64>?,
                       _ ndims: Int, _ f: (Tensor, [Int]) throws -> Tensor) -> gentrain_status {
    producing(name, out) { try f(tensorArg(x, "x"), int64List(dims, ndims, "dims")) }
}

// MARK: binary and scalar arithmetic

@c @implementation public func gentrain_add(_ out: TensorOut?, _ a: OpaquePointer?, _ b: OpaquePointer?) -> gentrain_status { binary("gentrain_add", out, a, b) { try $0.add($1) } }
@c @implementation public func gentrain_sub(_ out: TensorOut?, _ a: OpaquePointer?, _ b: OpaquePointer?) -> gentrain_status { binary("gentrain_sub", out, a, b) { try $0.sub($1) } }
@c @implementation public func gentrain_mul(_ out: TensorOut?, _ a: OpaquePointer?, _ b: OpaquePointer?) -> gentrain_status { binary("gentrain_mul", out, a, b) { try $0.mul($1) } }
@c @implementation public func gentrain_div(_ out: TensorOut?, _ a: OpaquePointer?, _ b: OpaquePointer?) -> gentrain_status { binary("gentrain_div", out, a, b) { try $0.div($1) } }
@c @implementation public func gentrain_pow(_ out: TensorOut?, _ a: OpaquePointer?, _ b: OpaquePointer?) -> gentrain_status { binary("gentrain_pow", out, a, b) { try $0.pow($1) } }
@c @implementation public func gentrain_maximum(_ out: TensorOut?, _ a: OpaquePointer?, _ b: OpaquePointer?) -> gentrain_status { binary("gentrain_maximum", out, a, b) { try $0.maximum($1) } }
@c @implementation public func gentrain_minimum(_ out: TensorOut?, _ a: OpaquePointer?, _ b: OpaquePointer?) -> gentrain_status { binary("gentrain_minimum", out, a, b) { try $0.minimum($1) } }
@c @implementation public func gentrain_eq(_ out: TensorOut?, _ a: OpaquePointer?, _ b: OpaquePointer?) -> gentrain_status { binary("gentrain_eq", out, a, b) { try $0.eq($1) } }
@c @implementation public func gentrain_ne(_ out: TensorOut?, _ a: OpaquePointer?, _ b: OpaquePointer?) -> gentrain_status { binary("gentrain_ne", out, a, b) { try $0.ne($1) } }
@c @implementation public func gentrain_lt(_ out: TensorOut?, _ a: OpaquePointer?, _ b: OpaquePointer?) -> gentrain_status { binary("gentrain_lt", out, a, b) { try $0.lt($1) } }
@c @implementation public func gentrain_le(_ out: TensorOut?, _ a: OpaquePointer?, _ b: OpaquePointer?) -> gentrain_status { binary("gentrain_le", out, a, b) { try $0.le($1) } }
@c @implementation public func gentrain_gt(_ out: TensorOut?, _ a: OpaquePointer?, _ b: OpaquePointer?) -> gentrain_status { binary("gentrain_gt", out, a, b) { try $0.gt($1) } }
@c @implementation public func gentrain_ge(_ out: TensorOut?, _ a: OpaquePointer?, _ b: OpaquePointer?) -> gentrain_status { binary("gentrain_ge", out, a, b) { try $0.ge($1) } }
@c @implementation public func gentrain_matmul(_ out: TensorOut?, _ a: OpaquePointer?, _ b: OpaquePointer?) -> gentrain_status { binary("gentrain_matmul", out, a, b) { try $0.matmul($1) } }

@c @implementation public func gentrain_add_scalar(_ out: TensorOut?, _ a: OpaquePointer?, _ v: Double) -> gentrain_status { unary("gentrain_add_scalar", out, a) { try $0.add(v) } }
@c @implementation public func gentrain_mul_scalar(_ out: TensorOut?, _ a: OpaquePointer?, _ v: Double) -> gentrain_status { unary("gentrain_mul_scalar", out, a) { try $0.mul(v) } }
@c @implementation public func gentrain_pow_scalar(_ out: TensorOut?, _ a: OpaquePointer?, _ v: Double) -> gentrain_status { unary("gentrain_pow_scalar", out, a) { try $0.pow(v) } }
@c @implementation public func gentrain_rsub_scalar(_ out: TensorOut?, _ a: OpaquePointer?, _ v: Double) -> gentrain_status { unary("gentrain_rsub_scalar", out, a) { try v - $0 } }
@c @implementation public func gentrain_rdiv_scalar(_ out: TensorOut?, _ a: OpaquePointer?, _ v: Double) -> gentrain_status { unary("gentrain_rdiv_scalar", out, a) { try v / $0 } }

// MARK: unary math and activations

@c @implementation public func gentrain_neg(_ out: TensorOut?, _ x: OpaquePointer?) -> gentrain_status { unary("gentrain_neg", out, x) { try $0.neg() } }
@c @implementation public func gentrain_exp(_ out: TensorOut?, _ x: OpaquePointer?) -> gentrain_status { unary("gentrain_exp", out, x) { try $0.exp() } }
@c @implementation public func gentrain_log(_ out: TensorOut?, _ x: OpaquePointer?) -> gentrain_status { unary("gentrain_log", out, x) { try $0.log() } }
@c @implementation public func gentrain_log1p(_ out: TensorOut?, _ x: OpaquePointer?) -> gentrain_status { unary("gentrain_log1p", out, x) { try $0.log1p() } }
@c @implementation public func gentrain_expm1(_ out: TensorOut?, _ x: OpaquePointer?) -> gentrain_status { unary("gentrain_expm1", out, x) { try $0.expm1() } }
@c @implementation public func gentrain_sqrt(_ out: TensorOut?, _ x: OpaquePointer?) -> gentrain_status { unary("gentrain_sqrt", out, x) { try $0.sqrt() } }
@c @implementation public func gentrain_rsqrt(_ out: TensorOut?, _ x: OpaquePointer?) -> gentrain_status { unary("gentrain_rsqrt", out, x) { try $0.rsqrt() } }
@c @implementation public func gentrain_abs(_ out: TensorOut?, _ x: OpaquePointer?) -> gentrain_status { unary("gentrain_abs", out, x) { try $0.abs() } }
@c @implementation public func gentrain_sign(_ out: TensorOut?, _ x: OpaquePointer?) -> gentrain_status { unary("gentrain_sign", out, x) { try $0.sign() } }
@c @implementation public func gentrain_sin(_ out: TensorOut?, _ x: OpaquePointer?) -> gentrain_status { unary("gentrain_sin", out, x) { try $0.sin() } }
@c @implementation public func gentrain_cos(_ out: TensorOut?, _ x: OpaquePointer?) -> gentrain_status { unary("gentrain_cos", out, x) { try $0.cos() } }
@c @implementation public func gentrain_erf(_ out: TensorOut?, _ x: OpaquePointer?) -> gentrain_status { unary("gentrain_erf", out, x) { try $0.erf() } }
@c @implementation public func gentrain_tanh(_ out: TensorOut?, _ x: OpaquePointer?) -> gentrain_status { unary("gentrain_tanh", out, x) { try $0.tanh() } }
@c @implementation public func gentrain_sigmoid(_ out: TensorOut?, _ x: OpaquePointer?) -> gentrain_status { unary("gentrain_sigmoid", out, x) { try $0.sigmoid() } }
@c @implementation public func gentrain_relu(_ out: TensorOut?, _ x: OpaquePointer?) -> gentrain_status { unary("gentrain_relu", out, x) { try $0.relu() } }
@c @implementation public func gentrain_leaky_relu(_ out: TensorOut?, _ x: OpaquePointer?, _ slope: Double) -> gentrain_status { unary("gentrain_leaky_relu", out, x) { try $0.leakyRelu(negativeSlope: slope) } }
@c @implementation public func gentrain_gelu(_ out: TensorOut?, _ x: OpaquePointer?, _ tanhApproximation: Bool) -> gentrain_status { unary("gentrain_gelu", out, x) { try $0.gelu(approximate: tanhApproximation ? "tanh" : "none") } }
@c @implementation public func gentrain_silu(_ out: TensorOut?, _ x: OpaquePointer?) -> gentrain_status { unary("gentrain_silu", out, x) { try $0.silu() } }
@c @implementation public func gentrain_elu(_ out: TensorOut?, _ x: OpaquePointer?, _ alpha: Double) -> gentrain_status { unary("gentrain_elu", out, x) { try $0.elu(alpha: alpha) } }
@c @implementation public func gentrain_softplus(_ out: TensorOut?, _ x: OpaquePointer?, _ beta: Double, _ threshold: Double) -> gentrain_status { unary("gentrain_softplus", out, x) { try $0.softplus(beta: beta, threshold: threshold) } }
@c @implementation public func gentrain_clamp(_ out: TensorOut?, _ x: OpaquePointer?, _ lo: Double, _ hi: Double) -> gentrain_status { unary("gentrain_clamp", out, x) { try $0.clamp(min: lo, max: hi) } }

@c @implementation
public func gentrain_where(_ out: TensorOut?, _ cond: OpaquePointer?, _ a: OpaquePointer?, _ b: OpaquePointer?) -> gentrain_status {
    producing("gentrain_where", out) { try Tensor.where(tensorArg(cond, "cond"), tensorArg(a, "a"), tensorArg(b, "b")) }
}

// MARK: reductions

@c @implementation public func gentrain_sum(_ out: TensorOut?, _ x: OpaquePointer?, _ dims: UnsafePointer<Int64>?, _ ndims: Int, _ keepdim: Bool) -> gentrain_status { reduction("gentrain_sum", out, x, dims, ndims) { try $0.sum(dims: $1, keepdim: keepdim) } }
@c @implementation public func gentrain_mean(_ out: TensorOut?, _ x: OpaquePointer?, _ dims: UnsafePointer<Int64>?, _ ndims: Int, _ keepdim: Bool) -> gentrain_status { reduction("gentrain_mean", out, x, dims, ndims) { try $0.mean(dims: $1, keepdim: keepdim) } }
@c @implementation public func gentrain_amax(_ out: TensorOut?, _ x: OpaquePointer?, _ dims: UnsafePointer<Int64>?, _ ndims: Int, _ keepdim: Bool) -> gentrain_status { reduction("gentrain_amax", out, x, dims, ndims) { try $0.amax(dims: $1, keepdim: keepdim) } }
@c @implementation public func gentrain_amin(_ out: TensorOut?, _ x: OpaquePointer?, _ dims: UnsafePointer<Int64>?, _ ndims: Int, _ keepdim: Bool) -> gentrain_status { reduction("gentrain_amin", out, x, dims, ndims) { try $0.amin(dims: $1, keepdim: keepdim) } }
@c @implementation public func gentrain_logsumexp(_ out: TensorOut?, _ x: OpaquePointer?, _ dims: UnsafePointer<Int64>?, _ ndims: Int, _ keepdim: Bool) -> gentrain_status { reduction("gentrain_logsumexp", out, x, dims, ndims) { try $0.logsumexp(dims: $1, keepdim: keepdim) } }
@c @implementation public func gentrain_var(_ out: TensorOut?, _ x: OpaquePointer?, _ dims: UnsafePointer<Int64>?, _ ndims: Int, _ correction: Int64, _ keepdim: Bool) -> gentrain_status { reduction("gentrain_var", out, x, dims, ndims) { try $0.variance(dims: $1, correction: Int(correction), keepdim: keepdim) } }
@c @implementation public func gentrain_norm(_ out: TensorOut?, _ x: OpaquePointer?, _ p: Double, _ dims: UnsafePointer<Int64>?, _ ndims: Int, _ keepdim: Bool) -> gentrain_status { reduction("gentrain_norm", out, x, dims, ndims) { try $0.norm(p: p, dims: $1, keepdim: keepdim) } }

private func extremum(_ name: StaticString, _ values: TensorOut?, _ indices: TensorOut?, _ x: OpaquePointer?,
                      _ f: (Tensor) throws -> (values: Tensor, indices: Tensor)) -> gentrain_status {
    producing(name, [values, indices]) {
        let r = try f(tensorArg(x, "x"))
        return [r.values, r.indices]
    }
}

@c @implementation public func gentrain_max_dim(_ values: TensorOut?, _ indices: TensorOut?, _ x: OpaquePointer?, _ dim: Int64, _ keepdim: Bool) -> gentrain_status { extremum("gentrain_max_dim", values, indices, x) { try $0.max(dim: Int(dim), keepdim: keepdim) } }
@c @implementation public func gentrain_min_dim(_ values: TensorOut?, _ indices: TensorOut?, _ x: OpaquePointer?, _ dim: Int64, _ keepdim: Bool) -> gentrain_status { extremum("gentrain_min_dim", values, indices, x) { try $0.min(dim: Int(dim), keepdim: keepdim) } }
@c @implementation public func gentrain_argmax(_ out: TensorOut?, _ x: OpaquePointer?, _ dim: Int64, _ keepdim: Bool) -> gentrain_status { unary("gentrain_argmax", out, x) { try $0.argmax(dim: Int(dim), keepdim: keepdim) } }

@c @implementation
public func gentrain_linear(_ out: TensorOut?, _ x: OpaquePointer?, _ weight: OpaquePointer?, _ bias: OpaquePointer?) -> gentrain_status {
    producing("gentrain_linear", out) { try linear(tensorArg(x, "x"), tensorArg(weight, "weight"), optionalTensorArg(bias, "bias")) }
}

// MARK: shape ops

@c @implementation public func gentrain_reshape(_ out: TensorOut?, _ x: OpaquePointer?, _ shape: UnsafePointer<Int64>?, _ ndim: Int) -> gentrain_status { reduction("gentrain_reshape", out, x, shape, ndim) { try $0.reshape($1) } }
@c @implementation public func gentrain_permute(_ out: TensorOut?, _ x: OpaquePointer?, _ dims: UnsafePointer<Int64>?, _ ndims: Int) -> gentrain_status { reduction("gentrain_permute", out, x, dims, ndims) { try $0.permute($1) } }
@c @implementation public func gentrain_expand(_ out: TensorOut?, _ x: OpaquePointer?, _ sizes: UnsafePointer<Int64>?, _ ndim: Int) -> gentrain_status { reduction("gentrain_expand", out, x, sizes, ndim) { try $0.expand($1) } }
@c @implementation public func gentrain_flatten(_ out: TensorOut?, _ x: OpaquePointer?, _ start: Int64, _ end: Int64) -> gentrain_status { unary("gentrain_flatten", out, x) { try $0.flatten(startDim: Int(start), endDim: Int(end)) } }
@c @implementation public func gentrain_transpose(_ out: TensorOut?, _ x: OpaquePointer?, _ d0: Int64, _ d1: Int64) -> gentrain_status { unary("gentrain_transpose", out, x) { try $0.transpose(Int(d0), Int(d1)) } }
@c @implementation public func gentrain_squeeze(_ out: TensorOut?, _ x: OpaquePointer?, _ dim: Int64) -> gentrain_status { unary("gentrain_squeeze", out, x) { try $0.squeeze(Int(dim)) } }
@c @implementation public func gentrain_squeeze_all(_ out: TensorOut?, _ x: OpaquePointer?) -> gentrain_status { unary("gentrain_squeeze_all", out, x) { try $0.squeeze() } }
@c @implementation public func gentrain_unsqueeze(_ out: TensorOut?, _ x: OpaquePointer?, _ dim: Int64) -> gentrain_status { unary("gentrain_unsqueeze", out, x) { try $0.unsqueeze(Int(dim)) } }
@c @implementation public func gentrain_slice(_ out: TensorOut?, _ x: OpaquePointer?, _ dim: Int64, _ start: Int64, _ end: Int64, _ step: Int64) -> gentrain_status { unary("gentrain_slice", out, x) { try $0.slice(Int(dim), start: Int(start), end: Int(end), step: Int(step)) } }
@c @implementation public func gentrain_narrow(_ out: TensorOut?, _ x: OpaquePointer?, _ dim: Int64, _ start: Int64, _ length: Int64) -> gentrain_status { unary("gentrain_narrow", out, x) { try $0.narrow(Int(dim), start: Int(start), length: Int(length)) } }
@c @implementation public func gentrain_select(_ out: TensorOut?, _ x: OpaquePointer?, _ dim: Int64, _ index: Int64) -> gentrain_status { unary("gentrain_select", out, x) { try $0.select(Int(dim), Int(index)) } }
@c @implementation public func gentrain_contiguous(_ out: TensorOut?, _ x: OpaquePointer?) -> gentrain_status { unary("gentrain_contiguous", out, x) { try $0.contiguous() } }
@c @implementation public func gentrain_clone(_ out: TensorOut?, _ x: OpaquePointer?) -> gentrain_status { unary("gentrain_clone", out, x) { try $0.clone() } }
@c @implementation public func gentrain_to_dtype(_ out: TensorOut?, _ x: OpaquePointer?, _ dtype: gentrain_dtype) -> gentrain_status { unary("gentrain_to_dtype", out, x) { try $0.to(dtypeArg(dtype)) } }

@c @implementation
public func gentrain_cat(_ out: TensorOut?, _ tensors: UnsafePointer<OpaquePointer?>?, _ n: Int, _ dim: Int64) -> gentrain_status {
    producing("gentrain_cat", out) { try Tensor.cat(tensorList(tensors, n, "tensors"), dim: Int(dim)) }
}

@c @implementation
public func gentrain_stack(_ out: TensorOut?, _ tensors: UnsafePointer<OpaquePointer?>?, _ n: Int, _ dim: Int64) -> gentrain_status {
    producing("gentrain_stack", out) { try Tensor.stack(tensorList(tensors, n, "tensors"), dim: Int(dim)) }
}

private func pieces(_ name: StaticString, _ outs: TensorOut?, _ capacity: Int, _ count: UnsafeMutablePointer<Int>?,
                    _ x: OpaquePointer?, _ f: (Tensor) throws -> [Tensor]) -> gentrain_status {
    guarded(name) {
        guard let count else { throw GentrainError(.invalidArgument, "count is NULL") }
        let parts = try f(tensorArg(x, "x"))
        count.pointee = parts.count
        guard let outs, capacity >= parts.count else {
            throw GentrainError(.invalidArgument, "outs holds \(capacity) handles but there are \(parts.count) pieces")
        }
        for (i, h) in try newHandles(parts).enumerated() { outs[i] = h }
    }
}

@c @implementation
public func gentrain_split(_ outs: TensorOut?, _ capacity: Int, _ count: UnsafeMutablePointer<Int>?, _ x: OpaquePointer?,
                           _ splitSize: Int64, _ dim: Int64) -> gentrain_status {
    pieces("gentrain_split", outs, capacity, count, x) { try $0.split(Int(splitSize), dim: Int(dim)) }
}

@c @implementation
public func gentrain_chunk(_ outs: TensorOut?, _ capacity: Int, _ count: UnsafeMutablePointer<Int>?, _ x: OpaquePointer?,
                           _ chunks: Int64, _ dim: Int64) -> gentrain_status {
    pieces("gentrain_chunk", outs, capacity, count, x) { try $0.chunk(Int(chunks), dim: Int(dim)) }
}

// MARK: indexing, softmax, dropout

@c @implementation
public func gentrain_index_select(_ out: TensorOut?, _ x: OpaquePointer?, _ dim: Int64, _ index: OpaquePointer?) -> gentrain_status {
    producing("gentrain_index_select", out) { try tensorArg(x, "x").indexSelect(Int(dim), tensorArg(index, "index")) }
}

@c @implementation
public func gentrain_index_add(_ out: TensorOut?, _ x: OpaquePointer?, _ dim: Int64, _ index: OpaquePointer?,
                               _ source: OpaquePointer?) -> gentrain_status {
    producing("gentrain_index_add", out) {
        try tensorArg(x, "x").indexAdd(Int(dim), tensorArg(index, "index"), tensorArg(source, "source"))
    }
}

@c @implementation
public func gentrain_gather(_ out: TensorOut?, _ x: OpaquePointer?, _ dim: Int64, _ index: OpaquePointer?) -> gentrain_status {
    producing("gentrain_gather", out) { try tensorArg(x, "x").gather(Int(dim), tensorArg(index, "index")) }
}

@c @implementation
public func gentrain_scatter_add(_ out: TensorOut?, _ x: OpaquePointer?, _ dim: Int64, _ index: OpaquePointer?,
                                 _ src: OpaquePointer?) -> gentrain_status {
    producing("gentrain_scatter_add", out) {
        try tensorArg(x, "x").scatterAdd(Int(dim), tensorArg(index, "index"), tensorArg(src, "src"))
    }
}

@c @implementation
public func gentrain_masked_fill(_ out: TensorOut?, _ x: OpaquePointer?, _ mask: OpaquePointer?, _ value: Double) -> gentrain_status {
    producing("gentrain_masked_fill", out) { try tensorArg(x, "x").maskedFill(tensorArg(mask, "mask"), value) }
}

@c @implementation
public func gentrain_embedding(_ out: TensorOut?, _ indices: OpaquePointer?, _ weight: OpaquePointer?) -> gentrain_status {
    producing("gentrain_embedding", out) { try embedding(tensorArg(indices, "indices"), tensorArg(weight, "weight")) }
}

@c @implementation
public func gentrain_embedding_with_padding_idx(_ out: TensorOut?, _ indices: OpaquePointer?, _ weight: OpaquePointer?,
                                                _ paddingIdx: Int64) -> gentrain_status {
    producing("gentrain_embedding_with_padding_idx", out) {
        try embedding(tensorArg(indices, "indices"), tensorArg(weight, "weight"), paddingIdx: Int(clamping: paddingIdx))
    }
}

@c @implementation public func gentrain_softmax(_ out: TensorOut?, _ x: OpaquePointer?, _ dim: Int64) -> gentrain_status { unary("gentrain_softmax", out, x) { try $0.softmax(dim: Int(dim)) } }
@c @implementation public func gentrain_log_softmax(_ out: TensorOut?, _ x: OpaquePointer?, _ dim: Int64) -> gentrain_status { unary("gentrain_log_softmax", out, x) { try $0.logSoftmax(dim: Int(dim)) } }
@c @implementation public func gentrain_dropout(_ out: TensorOut?, _ x: OpaquePointer?, _ p: Double, _ training: Bool) -> gentrain_status { unary("gentrain_dropout", out, x) { try $0.dropout(p: p, training: training) } }

// MARK: NaN and infinities

@c @implementation public func gentrain_isnan(_ out: TensorOut?, _ x: OpaquePointer?) -> gentrain_status { unary("gentrain_isnan", out, x) { try $0.isnan() } }
@c @implementation public func gentrain_isinf(_ out: TensorOut?, _ x: OpaquePointer?) -> gentrain_status { unary("gentrain_isinf", out, x) { try $0.isinf() } }
@c @implementation public func gentrain_isfinite(_ out: TensorOut?, _ x: OpaquePointer?) -> gentrain_status { unary("gentrain_isfinite", out, x) { try $0.isfinite() } }

@c @implementation
public func gentrain_nan_to_num(_ out: TensorOut?, _ x: OpaquePointer?, _ nan: Double, _ posinf: UnsafePointer<Double>?,
                                _ neginf: UnsafePointer<Double>?) -> gentrain_status {
    unary("gentrain_nan_to_num", out, x) { try $0.nanToNum(nan: nan, posinf: posinf?.pointee, neginf: neginf?.pointee) }
}
