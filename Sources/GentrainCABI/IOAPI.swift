import CGentrain
import GentrainCore
import GentrainIO
import GentrainNN

// Files: module state dicts and named tensors in safetensors.

@c @implementation
public func gentrain_module_save(_ module: OpaquePointer?, _ path: UnsafePointer<CChar>?) -> gentrain_status {
    guarded("gentrain_module_save") { try moduleArg(module).module.save(to: stringArg(path, "path")) }
}

@c @implementation
public func gentrain_module_load(_ module: OpaquePointer?, _ path: UnsafePointer<CChar>?, _ strict: Bool) -> gentrain_status {
    guarded("gentrain_module_load") { try moduleArg(module).module.load(from: stringArg(path, "path"), strict: strict) }
}

/// The `n` (name, tensor) pairs of two parallel C arrays.
private func namedTensors(_ names: UnsafePointer<UnsafePointer<CChar>?>?, _ tensors: UnsafePointer<OpaquePointer?>?,
                          _ n: Int) throws -> [(String, Tensor)] {
    guard n >= 0, n <= 1 << 24 else { throw GentrainError(.invalidArgument, "n is invalid: \(UInt(bitPattern: n))") }
    guard n == 0 || (names != nil && tensors != nil) else { throw GentrainError(.invalidArgument, "names or tensors is NULL but n is \(n)") }
    return try (0..<n).map { i in (try stringArg(names![i], "names[\(i)]"), try tensorArg(tensors![i], "tensors[\(i)]")) }
}

@c @implementation
public func gentrain_save_safetensors(_ path: UnsafePointer<CChar>?, _ names: UnsafePointer<UnsafePointer<CChar>?>?,
                                      _ tensors: UnsafePointer<OpaquePointer?>?, _ n: Int) -> gentrain_status {
    guarded("gentrain_save_safetensors") {
        try SafeTensors.save(namedTensors(names, tensors, n), metadata: [:], to: stringArg(path, "path"))
    }
}

@c @implementation
public func gentrain_load_safetensors(_ path: UnsafePointer<CChar>?, _ names: UnsafePointer<UnsafePointer<CChar>?>?,
                                      _ tensors: UnsafePointer<OpaquePointer?>?, _ n: Int, _ strict: Bool) -> gentrain_status {
    guarded("gentrain_load_safetensors") {
        let targets = try namedTensors(names, tensors, n)
        try loadNamedTensors(into: targets, from: SafeTensors.load(stringArg(path, "path")).tensors, strict: strict)
    }
}
