#if canImport(Glibc)
import Glibc
#endif
import CGentrain
import GentrainCore

// DLPack exchange: a tensor's memory handed to another library as a DLManagedTensor, and another
// library's DLManagedTensor used in place as a tensor. Both without a copy.

/// DLPack's type codes (DLDataTypeCode) for the engine's dtypes.
private let dlpackCodes: [(dtype: DType, code: UInt8, bits: UInt8)] = [
    (.float32, 2, 32), (.float64, 2, 64), (.float16, 2, 16), (.bfloat16, 4, 16),
    (.int32, 0, 32), (.int64, 0, 64), (.bool, 6, 8),
]

/// DLPack's device type of host memory (kDLCPU).
private let dlpackCPU: Int32 = 1

/// The engine's dtype of a DLPack data type.
private func dtype(_ t: gentrain_dl_data_type) throws -> DType {
    guard t.lanes == 1 else { throw GentrainError(.invalidArgument, "DLPack: vector types (lanes \(t.lanes)) are not supported") }
    guard let entry = dlpackCodes.first(where: { $0.code == t.code && $0.bits == t.bits }) else {
        throw GentrainError(.invalidArgument, "DLPack: type code \(t.code) of \(t.bits) bits has no gentrain dtype")
    }
    return entry.dtype
}

/// An exported view in one allocation: the struct `Managed` (either DLPack form) followed by the
/// shape and strides arrays; its owner is a reference to the tensor's storage, which the deleter
/// releases.
private func exported<Managed>(_ t: Tensor, _ make: (gentrain_dl_tensor, UnsafeMutableRawPointer) -> Managed) throws
    -> UnsafeMutablePointer<Managed> {
    guard let entry = dlpackCodes.first(where: { $0.dtype == t.dtype }) else {
        throw GentrainError(.dtype, "DLPack: no DLPack type for \(t.dtype)")
    }
    let n = t.ndim
    let head = (MemoryLayout<Managed>.stride + 7) & ~7
    guard let raw = malloc(head + 2 * max(n, 1) * MemoryLayout<Int64>.stride) else {
        throw GentrainError(.outOfMemory, "DLPack: out of memory for the exported view")
    }
    let dims = (raw + head).bindMemory(to: Int64.self, capacity: 2 * max(n, 1))
    for d in 0..<n {
        dims[d] = Int64(t.shape[d])
        dims[n + d] = Int64(t.strides[d])
    }
    let view = gentrain_dl_tensor(data: t.storage.data + t.offset * t.dtype.itemSize,
                                  device: gentrain_dl_device(device_type: dlpackCPU, device_id: 0), ndim: Int32(n),
                                  dtype: gentrain_dl_data_type(code: entry.code, bits: entry.bits, lanes: 1),
                                  shape: dims, strides: dims + n, byte_offset: 0)
    let managed = raw.bindMemory(to: Managed.self, capacity: 1)
    managed.initialize(to: make(view, Unmanaged.passRetained(t.storage).toOpaque()))
    return managed
}

/// Ends an export: releases the storage and frees the allocation.
private func releaseExport(_ managed: UnsafeMutableRawPointer, _ owner: UnsafeMutableRawPointer) {
    Unmanaged<Storage>.fromOpaque(owner).release()
    free(managed)
}

/// An export entry point: `tensor` (refused while it requires grad, PyTorch's rule) as a new
/// `Managed` written to `out`.
private func exporting<Managed>(_ function: StaticString, _ out: UnsafeMutablePointer<UnsafeMutablePointer<Managed>?>?,
                                _ tensor: OpaquePointer?,
                                _ make: (gentrain_dl_tensor, UnsafeMutableRawPointer) -> Managed) -> gentrain_status {
    out?.pointee = nil
    return guarded(function) {
        let t = try tensorArg(tensor)
        guard !t.requiresGrad else {
            throw GentrainError(.autograd, "DLPack: cannot export a tensor that requires grad; export tensor.detach()")
        }
        try write(out) { try exported(t, make) }
    }
}

/// A tensor over the memory a DLPack view describes, after checking every field of it.
private func imported(_ dl: gentrain_dl_tensor, onRelease: Release?) throws -> Tensor {
    guard dl.device.device_type == dlpackCPU else {
        throw GentrainError(.invalidArgument, "DLPack: device type \(dl.device.device_type) is not the CPU (1)")
    }
    let dt = try dtype(dl.dtype)
    guard dl.ndim >= 0 else { throw GentrainError(.invalidArgument, "DLPack: ndim is \(dl.ndim)") }
    let shape = try int64List(dl.shape, Int(dl.ndim), "DLPack shape")
    let strides = try dl.strides.map { try int64List($0, Int(dl.ndim), "DLPack strides") }
    let numel = try checkedNumel(shape)
    guard let base = dl.data ?? (numel == 0 ? UnsafeMutableRawPointer(bitPattern: 64) : nil) else {
        throw GentrainError(.invalidArgument, "DLPack: data is NULL for \(numel) elements")
    }
    let (first, wraps) = UInt(bitPattern: Int(bitPattern: base)).addingReportingOverflow(UInt(dl.byte_offset))
    guard !wraps, let data = UnsafeMutableRawPointer(bitPattern: first), first % UInt(dt.itemSize) == 0 else {
        throw GentrainError(.invalidArgument, "DLPack: the first element (data + byte_offset \(dl.byte_offset)) is not aligned to \(dt.itemSize) bytes for \(dt)")
    }
    return try Tensor.borrowing(data, shape: shape, strides: strides, dtype: dt, onRelease: onRelease)
}

@c @implementation
public func gentrain_tensor_to_dlpack(_ out: UnsafeMutablePointer<UnsafeMutablePointer<DLManagedTensor>?>?,
                                      _ tensor: OpaquePointer?) -> gentrain_status {
    exporting("gentrain_tensor_to_dlpack", out, tensor) { view, owner in
        DLManagedTensor(dl_tensor: view, manager_ctx: owner, deleter: { m in if let m { releaseExport(m, m.pointee.manager_ctx) } })
    }
}

@c @implementation
public func gentrain_tensor_to_dlpack_versioned(_ out: UnsafeMutablePointer<UnsafeMutablePointer<DLManagedTensorVersioned>?>?,
                                                _ tensor: OpaquePointer?) -> gentrain_status {
    exporting("gentrain_tensor_to_dlpack_versioned", out, tensor) { view, owner in
        DLManagedTensorVersioned(version: gentrain_dl_version(major: 1, minor: 0), manager_ctx: owner,
                                 deleter: { m in if let m { releaseExport(m, m.pointee.manager_ctx) } }, flags: 0, dl_tensor: view)
    }
}

@c @implementation
public func gentrain_tensor_from_dlpack(_ out: UnsafeMutablePointer<OpaquePointer?>?,
                                        _ managed: UnsafeMutablePointer<DLManagedTensor>?) -> gentrain_status {
    producingBorrowed("gentrain_tensor_from_dlpack", out) { onRelease in
        guard let managed else { throw GentrainError(.invalidArgument, "managed is NULL") }
        let deleter = managed.pointee.deleter
        return try imported(managed.pointee.dl_tensor, onRelease: onRelease(deleter.map { d in { d(managed) } }))
    }
}

@c @implementation
public func gentrain_tensor_from_dlpack_versioned(_ out: UnsafeMutablePointer<OpaquePointer?>?,
                                                  _ managed: UnsafeMutablePointer<DLManagedTensorVersioned>?) -> gentrain_status {
    producingBorrowed("gentrain_tensor_from_dlpack_versioned", out) { onRelease in
        guard let managed else { throw GentrainError(.invalidArgument, "managed is NULL") }
        let m = managed.pointee
        guard m.version.major == 1 else {
            throw GentrainError(.invalidArgument, "DLPack: version \(m.version.major).\(m.version.minor) is not 1.x")
        }
        guard m.flags & 1 == 0 else {
            throw GentrainError(.invalidArgument, "DLPack: the memory is read-only, and gentrain tensors are writable; copy it first")
        }
        return try imported(m.dl_tensor, onRelease: onRelease(m.deleter.map { d in { d(managed) } }))
    }
}
