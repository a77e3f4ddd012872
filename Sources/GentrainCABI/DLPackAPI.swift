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

/// A DLManagedTensor whose owner is a reference to a storage: one allocation holding the struct
/// and its shape and strides arrays.
private func exportedTensor(_ t: Tensor) -> UnsafeMutablePointer<DLManagedTensor> {
    let n = t.ndim, entry = dlpackCodes.first(where: { $0.dtype == t.dtype })!
    let raw = malloc(MemoryLayout<DLManagedTensor>.stride + 2 * max(n, 1) * MemoryLayout<Int64>.stride)!
    let managed = raw.bindMemory(to: DLManagedTensor.self, capacity: 1)
    let dims = (raw + MemoryLayout<DLManagedTensor>.stride).bindMemory(to: Int64.self, capacity: 2 * max(n, 1))
    for d in 0..<n {
        dims[d] = Int64(t.shape[d])
        dims[n + d] = Int64(t.strides[d])
    }
    let data = t.storage.data + t.offset * t.dtype.itemSize
    managed.initialize(to: DLManagedTensor(
        dl_tensor: gentrain_dl_tensor(data: data, device: gentrain_dl_device(device_type: dlpackCPU, device_id: 0),
                                      ndim: Int32(n), dtype: gentrain_dl_data_type(code: entry.code, bits: entry.bits, lanes: 1),
                                      shape: dims, strides: dims + n, byte_offset: 0),
        manager_ctx: Unmanaged.passRetained(t.storage).toOpaque(),
        deleter: { managed in
            guard let managed else { return }
            Unmanaged<Storage>.fromOpaque(managed.pointee.manager_ctx).release()
            free(managed)
        }))
    return managed
}

@c @implementation
public func gentrain_tensor_to_dlpack(_ out: UnsafeMutablePointer<UnsafeMutablePointer<DLManagedTensor>?>?,
                                      _ tensor: OpaquePointer?) -> gentrain_status {
    out?.pointee = nil
    return guarded("gentrain_tensor_to_dlpack") {
        let t = try tensorArg(tensor)
        guard !t.requiresGrad else {
            throw GentrainError(.autograd, "DLPack: cannot export a tensor that requires grad; export tensor.detach()")
        }
        try write(out) { exportedTensor(t) }
    }
}

@c @implementation
public func gentrain_tensor_from_dlpack(_ out: UnsafeMutablePointer<OpaquePointer?>?,
                                        _ managed: UnsafeMutablePointer<DLManagedTensor>?) -> gentrain_status {
    producingBorrowed("gentrain_tensor_from_dlpack", out) { onRelease in
        guard let managed else { throw GentrainError(.invalidArgument, "managed is NULL") }
        let dl = managed.pointee.dl_tensor
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
        let deleter = managed.pointee.deleter
        return try Tensor.borrowing(data, shape: shape, strides: strides, dtype: dt,
                                    onRelease: onRelease(deleter.map { d in { d(managed) } }))
    }
}
