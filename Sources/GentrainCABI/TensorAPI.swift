import CGentrain
import GentrainCore

// Tensor creation, properties, data out, and autograd flags.

/// The shape from C arguments, validated.
private func shapeArg(_ shape: UnsafePointer<Int64>?, _ ndim: Int) throws -> [Int] {
    let s = try int64List(shape, ndim, "shape")
    _ = try checkedNumel(s)
    return s
}

/// An entry point that creates a tensor from a C shape and dtype.
@inline(__always)
private func creating(_ name: StaticString, _ out: UnsafeMutablePointer<OpaquePointer?>?, _ shape: UnsafePointer<Int64>?,
                      _ ndim: Int, _ dtype: gentrain_dtype, _ make: ([Int], DType) throws -> Tensor) -> gentrain_status {
    producing(name, out) { try make(shapeArg(shape, ndim), dtypeArg(dtype)) }
}

private func checkBytes(_ nbytes: Int, _ shape: [Int], _ dtype: DType) throws {
    let needed = try checkedNumel(shape) * dtype.itemSize
    guard nbytes == needed else {
        throw GentrainError(.invalidArgument, "nbytes is \(nbytes) but shape \(shapeString(shape)) of \(dtype) needs \(needed)")
    }
}

@c @implementation
public func gentrain_tensor_from_data(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ data: UnsafeRawPointer?, _ nbytes: Int,
                                      _ dtype: gentrain_dtype, _ shape: UnsafePointer<Int64>?, _ ndim: Int) -> gentrain_status {
    producing("gentrain_tensor_from_data", out) {
        let dt = try dtypeArg(dtype), s = try shapeArg(shape, ndim)
        try checkBytes(nbytes, s, dt)
        guard let data = data ?? (nbytes == 0 ? UnsafeRawPointer(bitPattern: 8) : nil) else {
            throw GentrainError(.invalidArgument, "data is NULL")
        }
        return try Tensor.copying(data, shape: s, dtype: dt)
    }
}

@c @implementation
public func gentrain_tensor_from_blob(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ data: UnsafeMutableRawPointer?, _ nbytes: Int,
                                      _ dtype: gentrain_dtype, _ shape: UnsafePointer<Int64>?, _ ndim: Int,
                                      _ deleter: gentrain_deleter?, _ userData: UnsafeMutableRawPointer?) -> gentrain_status {
    producingBorrowed("gentrain_tensor_from_blob", out) { onRelease in
        let dt = try dtypeArg(dtype), s = try shapeArg(shape, ndim)
        try checkBytes(nbytes, s, dt)
        guard let data else { throw GentrainError(.invalidArgument, "data is NULL") }
        guard Int(bitPattern: data) % dt.itemSize == 0 else {
            throw GentrainError(.invalidArgument, "data is not aligned to \(dt.itemSize) bytes for \(dt)")
        }
        return try Tensor.borrowing(data, shape: s, dtype: dt, onRelease: onRelease(deleter.map { d in { d(data, userData) } }))
    }
}

@c @implementation
public func gentrain_tensor_zeros(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ shape: UnsafePointer<Int64>?, _ ndim: Int,
                                  _ dtype: gentrain_dtype) -> gentrain_status {
    creating("gentrain_tensor_zeros", out, shape, ndim, dtype) { try Tensor.zeros($0, dtype: $1) }
}

@c @implementation
public func gentrain_tensor_ones(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ shape: UnsafePointer<Int64>?, _ ndim: Int,
                                 _ dtype: gentrain_dtype) -> gentrain_status {
    creating("gentrain_tensor_ones", out, shape, ndim, dtype) { try Tensor.ones($0, dtype: $1) }
}

@c @implementation
public func gentrain_tensor_full(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ shape: UnsafePointer<Int64>?, _ ndim: Int,
                                 _ dtype: gentrain_dtype, _ value: Double) -> gentrain_status {
    creating("gentrain_tensor_full", out, shape, ndim, dtype) { try Tensor.full($0, value, dtype: $1) }
}

@c @implementation
public func gentrain_tensor_arange(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ start: Double, _ end: Double, _ step: Double,
                                   _ dtype: gentrain_dtype) -> gentrain_status {
    producing("gentrain_tensor_arange", out) { try Tensor.arange(start, end, step: step, dtype: dtypeArg(dtype)) }
}

@c @implementation
public func gentrain_tensor_eye(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ n: Int64, _ m: Int64,
                                _ dtype: gentrain_dtype) -> gentrain_status {
    producing("gentrain_tensor_eye", out) {
        _ = try checkedNumel([Int(n), Int(m)])
        return try Tensor.eye(Int(n), Int(m), dtype: dtypeArg(dtype))
    }
}

@c @implementation
public func gentrain_tensor_rand(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ shape: UnsafePointer<Int64>?, _ ndim: Int,
                                 _ dtype: gentrain_dtype, _ generator: OpaquePointer?) -> gentrain_status {
    creating("gentrain_tensor_rand", out, shape, ndim, dtype) { try Tensor.rand($0, dtype: $1, generator: optionalGeneratorArg(generator)) }
}

@c @implementation
public func gentrain_tensor_randn(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ shape: UnsafePointer<Int64>?, _ ndim: Int,
                                  _ dtype: gentrain_dtype, _ generator: OpaquePointer?) -> gentrain_status {
    creating("gentrain_tensor_randn", out, shape, ndim, dtype) { try Tensor.randn($0, dtype: $1, generator: optionalGeneratorArg(generator)) }
}

@c @implementation
public func gentrain_tensor_randint(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ low: Int64, _ high: Int64,
                                    _ shape: UnsafePointer<Int64>?, _ ndim: Int, _ dtype: gentrain_dtype,
                                    _ generator: OpaquePointer?) -> gentrain_status {
    creating("gentrain_tensor_randint", out, shape, ndim, dtype) {
        try Tensor.randint(Int(low), Int(high), $0, dtype: $1, generator: optionalGeneratorArg(generator))
    }
}

@c @implementation
public func gentrain_randperm(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ n: Int64, _ dtype: gentrain_dtype,
                              _ generator: OpaquePointer?) -> gentrain_status {
    producing("gentrain_randperm", out) {
        guard n >= 0, n <= 1 << 40 else { throw GentrainError(.invalidArgument, "n must be in 0...2^40, got \(n)") }
        return try Tensor.randperm(Int(n), dtype: dtypeArg(dtype), generator: optionalGeneratorArg(generator))
    }
}

@c @implementation
public func gentrain_tensor_free(_ tensor: OpaquePointer?) {
    HandleTable.shared.remove(tensor, .tensor)
}

@c @implementation
public func gentrain_tensor_retain(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ tensor: OpaquePointer?) -> gentrain_status {
    producing("gentrain_tensor_retain", out) { try tensorArg(tensor) }
}

@c @implementation
public func gentrain_tensor_ndim(_ out: UnsafeMutablePointer<Int>?, _ tensor: OpaquePointer?) -> gentrain_status {
    guarded("gentrain_tensor_ndim") { try write(out) { try tensorArg(tensor).ndim } }
}

private func writeDims(_ out: UnsafeMutablePointer<Int64>?, _ capacity: Int, _ values: [Int]) throws {
    guard let out else { throw GentrainError(.invalidArgument, "out is NULL") }
    guard capacity >= values.count else {
        throw GentrainError(.invalidArgument, "capacity \(capacity) is smaller than ndim \(values.count)")
    }
    for (i, v) in values.enumerated() { out[i] = Int64(v) }
}

@c @implementation
public func gentrain_tensor_shape(_ out: UnsafeMutablePointer<Int64>?, _ capacity: Int, _ tensor: OpaquePointer?) -> gentrain_status {
    guarded("gentrain_tensor_shape") { try writeDims(out, capacity, tensorArg(tensor).shape) }
}

@c @implementation
public func gentrain_tensor_strides(_ out: UnsafeMutablePointer<Int64>?, _ capacity: Int, _ tensor: OpaquePointer?) -> gentrain_status {
    guarded("gentrain_tensor_strides") { try writeDims(out, capacity, tensorArg(tensor).strides) }
}

@c @implementation
public func gentrain_tensor_dtype(_ out: UnsafeMutablePointer<gentrain_dtype>?, _ tensor: OpaquePointer?) -> gentrain_status {
    guarded("gentrain_tensor_dtype") { try write(out) { cDType(try tensorArg(tensor).dtype) } }
}

@c @implementation
public func gentrain_tensor_numel(_ out: UnsafeMutablePointer<Int64>?, _ tensor: OpaquePointer?) -> gentrain_status {
    guarded("gentrain_tensor_numel") { try write(out) { Int64(try tensorArg(tensor).numel) } }
}

@c @implementation
public func gentrain_tensor_is_contiguous(_ out: UnsafeMutablePointer<Bool>?, _ tensor: OpaquePointer?) -> gentrain_status {
    guarded("gentrain_tensor_is_contiguous") { try write(out) { try tensorArg(tensor).isContiguous } }
}

@c @implementation
public func gentrain_tensor_copy_to(_ buffer: UnsafeMutableRawPointer?, _ nbytes: Int, _ dtype: gentrain_dtype,
                                    _ tensor: OpaquePointer?) -> gentrain_status {
    guarded("gentrain_tensor_copy_to") {
        let t = try tensorArg(tensor), dt = try dtypeArg(dtype)
        guard let buffer = buffer ?? (t.numel == 0 ? UnsafeMutableRawPointer(bitPattern: 8) : nil) else {
            throw GentrainError(.invalidArgument, "buffer is NULL")
        }
        try t.copyOut(to: buffer, byteCount: nbytes, dtype: dt)
    }
}

@c @implementation
public func gentrain_tensor_copy_(_ dst: OpaquePointer?, _ src: OpaquePointer?) -> gentrain_status {
    guarded("gentrain_tensor_copy_") {
        let d = try tensorArg(dst, "dst"), s = try tensorArg(src, "src")
        try d.use.exclusive("dst") { try d.copy_(s) }
    }
}

@c @implementation
public func gentrain_tensor_data(_ out: UnsafeMutablePointer<UnsafeRawPointer?>?, _ tensor: OpaquePointer?) -> gentrain_status {
    guarded("gentrain_tensor_data") {
        let t = try tensorArg(tensor)
        guard t.isContiguous else {
            throw GentrainError(.invalidArgument, "the tensor is not contiguous; use gentrain_contiguous or gentrain_tensor_copy_to")
        }
        try write(out) { UnsafeRawPointer(t.storage.data + t.offset * t.dtype.itemSize) }
    }
}

@c @implementation
public func gentrain_tensor_item(_ out: UnsafeMutablePointer<Double>?, _ tensor: OpaquePointer?) -> gentrain_status {
    guarded("gentrain_tensor_item") { try write(out) { try tensorArg(tensor).item() } }
}

@c @implementation
public func gentrain_tensor_set_requires_grad(_ tensor: OpaquePointer?, _ requiresGrad: Bool) -> gentrain_status {
    guarded("gentrain_tensor_set_requires_grad") { try tensorArg(tensor).setRequiresGrad(requiresGrad) }
}

@c @implementation
public func gentrain_tensor_requires_grad(_ out: UnsafeMutablePointer<Bool>?, _ tensor: OpaquePointer?) -> gentrain_status {
    guarded("gentrain_tensor_requires_grad") { try write(out) { try tensorArg(tensor).requiresGrad } }
}

@c @implementation
public func gentrain_tensor_is_leaf(_ out: UnsafeMutablePointer<Bool>?, _ tensor: OpaquePointer?) -> gentrain_status {
    guarded("gentrain_tensor_is_leaf") { try write(out) { try tensorArg(tensor).isLeaf } }
}

@c @implementation
public func gentrain_tensor_grad(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ tensor: OpaquePointer?) -> gentrain_status {
    out?.pointee = nil
    return guarded("gentrain_tensor_grad") {
        let t = try tensorArg(tensor)
        guard let out else { throw GentrainError(.invalidArgument, "out is NULL") }
        out.pointee = try t.use.shared("the tensor's .grad") { try t.grad.map(newHandle) }
    }
}

@c @implementation
public func gentrain_tensor_set_grad(_ tensor: OpaquePointer?, _ grad: OpaquePointer?) -> gentrain_status {
    guarded("gentrain_tensor_set_grad") {
        let t = try tensorArg(tensor)
        let g = try optionalTensorArg(grad, "grad")
        if let g, g.shape != t.shape || g.dtype != t.dtype {
            throw GentrainError(.shape, "assigned grad has shape \(shapeString(g.shape)) and dtype \(g.dtype), the tensor has \(shapeString(t.shape)) and \(t.dtype)")
        }
        try t.use.exclusive("the tensor's .grad") { t.grad = g }
    }
}

@c @implementation
public func gentrain_tensor_detach(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ tensor: OpaquePointer?) -> gentrain_status {
    producing("gentrain_tensor_detach", out) { try tensorArg(tensor).detach() }
}

@c @implementation
public func gentrain_tensor_to_string(_ buffer: UnsafeMutablePointer<CChar>?, _ size: Int, _ length: UnsafeMutablePointer<Int>?,
                                      _ tensor: OpaquePointer?) -> gentrain_status {
    guarded("gentrain_tensor_to_string") {
        guard size >= 0, size == 0 || buffer != nil else { throw GentrainError(.invalidArgument, "buffer is NULL but size is \(size)") }
        let text = Array(try tensorArg(tensor).formatted().utf8)
        length?.pointee = text.count
        guard size > 0, let buffer else { return }
        let n = Swift.min(text.count, size - 1)
        for i in 0..<n { buffer[i] = CChar(bitPattern: text[i]) }
        buffer[n] = 0
    }
}
