import CGentrain
import GentrainCore

// The ops whose entry points do more than forward: several outputs, lists in and out. The
// forwarding ones are generated from api/ops.py into Generated/Ops.swift.

public typealias TensorOut = UnsafeMutablePointer<OpaquePointer?>

private func extremum(_ name: StaticString, _ values: TensorOut?, _ indices: TensorOut?, _ x: OpaquePointer?,
                      _ f: (Tensor) throws -> (values: Tensor, indices: Tensor)) -> gentrain_status {
    producing(name, [values, indices]) {
        let r = try f(tensorArg(x, "x"))
        return [r.values, r.indices]
    }
}

@c @implementation public func gentrain_max_dim(_ values: TensorOut?, _ indices: TensorOut?, _ x: OpaquePointer?, _ dim: Int64, _ keepdim: Bool) -> gentrain_status { extremum("gentrain_max_dim", values, indices, x) { try $0.max(dim: Int(dim), keepdim: keepdim) } }
@c @implementation public func gentrain_min_dim(_ values: TensorOut?, _ indices: TensorOut?, _ x: OpaquePointer?, _ dim: Int64, _ keepdim: Bool) -> gentrain_status { extremum("gentrain_min_dim", values, indices, x) { try $0.min(dim: Int(dim), keepdim: keepdim) } }

@c @implementation
public func gentrain_cat(_ out: TensorOut?, _ tensors: UnsafePointer<OpaquePointer?>?, _ n: Int, _ dim: Int64) -> gentrain_status {
    producing("gentrain_cat", out) { try Tensor.cat(tensorList(tensors, n, "tensors"), dim: Int(dim)) }
}

@c @implementation
public func gentrain_stack(_ out: TensorOut?, _ tensors: UnsafePointer<OpaquePointer?>?, _ n: Int, _ dim: Int64) -> gentrain_status {
    producing("gentrain_stack", out) { try Tensor.stack(tensorList(tensors, n, "tensors"), dim: Int(dim)) }
}

@c @implementation
public func gentrain_einsum(_ out: TensorOut?, _ equation: UnsafePointer<CChar>?, _ operands: UnsafePointer<OpaquePointer?>?,
                            _ n: Int) -> gentrain_status {
    producing("gentrain_einsum", out) { try Tensor.einsum(stringArg(equation, "equation"), tensorList(operands, n, "operands")) }
}

@c @implementation
public func gentrain_unique(_ values: TensorOut?, _ inverse: TensorOut?, _ counts: TensorOut?, _ x: OpaquePointer?) -> gentrain_status {
    producing("gentrain_unique", [values, inverse, counts]) {
        let r = try tensorArg(x, "x").unique()
        return [r.values, r.inverse, r.counts]
    }
}

@c @implementation
public func gentrain_slogdet(_ sign: TensorOut?, _ logabsdet: TensorOut?, _ a: OpaquePointer?) -> gentrain_status {
    producing("gentrain_slogdet", [sign, logabsdet]) {
        let r = try tensorArg(a, "A").slogdet()
        return [r.sign, r.logabsdet]
    }
}

/// The pieces of x split into `splitSize`-long pieces along `dim`, when `outs` has room for them:
/// the count is known (and reported) before any piece is made.
private func pieces(_ name: StaticString, _ outs: TensorOut?, _ capacity: Int, _ count: UnsafeMutablePointer<Int>?,
                    _ x: OpaquePointer?, _ splitSize: (Tensor) throws -> Int, dim: Int64) -> gentrain_status {
    guarded(name) {
        guard let count else { throw GentrainError(.invalidArgument, "count is NULL") }
        let t = try tensorArg(x, "x"), size = try splitSize(t)
        count.pointee = try t.splitCount(size, dim: Int(dim))
        guard let outs, capacity >= count.pointee else {
            throw GentrainError(.invalidArgument, "outs holds \(capacity) handles but there are \(count.pointee) pieces")
        }
        for (i, h) in try newHandles(t.split(size, dim: Int(dim))).enumerated() { outs[i] = h }
    }
}

@c @implementation
public func gentrain_split(_ outs: TensorOut?, _ capacity: Int, _ count: UnsafeMutablePointer<Int>?, _ x: OpaquePointer?,
                           _ splitSize: Int64, _ dim: Int64) -> gentrain_status {
    pieces("gentrain_split", outs, capacity, count, x, { _ in Int(splitSize) }, dim: dim)
}

@c @implementation
public func gentrain_chunk(_ outs: TensorOut?, _ capacity: Int, _ count: UnsafeMutablePointer<Int>?, _ x: OpaquePointer?,
                           _ chunks: Int64, _ dim: Int64) -> gentrain_status {
    pieces("gentrain_chunk", outs, capacity, count, x, { try $0.chunkSize(Int(chunks), dim: Int(dim)) }, dim: dim)
}
