import CGentrain
import GentrainCore
import GentrainNN

// Modules and losses.

@c @implementation
public func gentrain_cross_entropy_options_default(_ options: UnsafeMutablePointer<gentrain_cross_entropy_options>?) {
    guard let options else { return }
    options.pointee = gentrain_cross_entropy_options(
        struct_size: MemoryLayout<gentrain_cross_entropy_options>.size, weight: nil, ignore_index: -100,
        reduction: GENTRAIN_REDUCTION_MEAN, label_smoothing: 0)
}

/// Reads a size-prefixed options struct: NULL gives the defaults, and a struct from an
/// older header (smaller size) keeps the defaults for the fields it lacks.
func readOptions<T>(_ p: UnsafePointer<T>?, _ defaults: (UnsafeMutablePointer<T>) -> Void) throws -> T {
    let value = UnsafeMutablePointer<T>.allocate(capacity: 1)
    defer { value.deallocate() }
    defaults(value)
    guard let p else { return value.pointee }
    let given = UnsafeRawPointer(p).load(as: Int.self)
    guard given >= MemoryLayout<Int>.size, given <= 1 << 16 else {
        throw GentrainError(.invalidArgument, "options.struct_size is \(given); set it with the *_options_default function")
    }
    UnsafeMutableRawPointer(value).copyMemory(from: p, byteCount: Swift.min(given, MemoryLayout<T>.size))
    return value.pointee
}

@c @implementation
public func gentrain_cross_entropy(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ input: OpaquePointer?, _ target: OpaquePointer?,
                                   _ options: UnsafePointer<gentrain_cross_entropy_options>?) -> gentrain_status {
    producing("gentrain_cross_entropy", out) {
        let o = try readOptions(options) { gentrain_cross_entropy_options_default($0) }
        guard let reduction = Reduction(rawValue: Int32(bitPattern: o.reduction.rawValue)) else {
            throw GentrainError(.invalidArgument, "unknown reduction \(o.reduction.rawValue)")
        }
        return try crossEntropy(tensorArg(input, "input"), tensorArg(target, "target"),
                                weight: optionalTensorArg(o.weight, "options.weight"),
                                ignoreIndex: Int(o.ignore_index), reduction: reduction, labelSmoothing: o.label_smoothing)
    }
}

func producingModule(_ name: StaticString, _ out: UnsafeMutablePointer<OpaquePointer?>?,
                             _ body: () throws -> Module) -> gentrain_status {
    out?.pointee = nil
    return guarded(name) {
        guard let out else { throw GentrainError(.invalidArgument, "out is NULL") }
        out.pointee = try HandleTable.shared.insert(ModuleBox(body()), .module)
    }
}

@c @implementation
public func gentrain_module_linear_new(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ inFeatures: Int64, _ outFeatures: Int64,
                                       _ bias: Bool) -> gentrain_status {
    producingModule("gentrain_module_linear_new", out) {
        _ = try checkedNumel([Int(inFeatures), Int(outFeatures)])
        return try Linear(Int(inFeatures), Int(outFeatures), bias: bias)
    }
}

@c @implementation
public func gentrain_module_relu_new(_ out: UnsafeMutablePointer<OpaquePointer?>?) -> gentrain_status {
    producingModule("gentrain_module_relu_new", out) { ReLU() }
}

@c @implementation
public func gentrain_module_sequential_new(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ modules: UnsafePointer<OpaquePointer?>?,
                                           _ n: Int) -> gentrain_status {
    producingModule("gentrain_module_sequential_new", out) {
        guard n >= 0, n <= 1 << 24 else { throw GentrainError(.invalidArgument, "n is invalid: \(UInt(bitPattern: n))") }
        guard n == 0 || modules != nil else { throw GentrainError(.invalidArgument, "modules is NULL but n is \(n)") }
        return try Sequential((0..<n).map { try moduleArg(modules![$0]).module })
    }
}

@c @implementation
public func gentrain_module_free(_ module: OpaquePointer?) {
    HandleTable.shared.remove(module, .module)
}

@c @implementation
public func gentrain_module_forward(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ module: OpaquePointer?,
                                    _ input: OpaquePointer?) -> gentrain_status {
    producing("gentrain_module_forward", out) { try moduleArg(module).module.forward(tensorArg(input, "input")) }
}

@c @implementation
public func gentrain_module_train(_ module: OpaquePointer?, _ mode: Bool) -> gentrain_status {
    guarded("gentrain_module_train") { try moduleArg(module).module.train(mode) }
}

@c @implementation
public func gentrain_module_parameter_count(_ out: UnsafeMutablePointer<Int>?, _ module: OpaquePointer?) -> gentrain_status {
    guarded("gentrain_module_parameter_count") { try write(out) { try moduleArg(module).module.namedParameters().count } }
}

@c @implementation
public func gentrain_module_parameter(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ name: UnsafeMutablePointer<UnsafePointer<CChar>?>?,
                                      _ module: OpaquePointer?, _ index: Int) -> gentrain_status {
    producing("gentrain_module_parameter", out) {
        let box = try moduleArg(module)
        let params = box.module.namedParameters()
        guard index >= 0, index < params.count else {
            throw GentrainError(.index, "parameter index \(index) is out of range for \(params.count) parameters")
        }
        name?.pointee = box.cName(params[index].0)
        return params[index].1
    }
}

@c @implementation
public func gentrain_module_zero_grad(_ module: OpaquePointer?, _ setToNone: Bool) -> gentrain_status {
    guarded("gentrain_module_zero_grad") { try moduleArg(module).module.zeroGrad(setToNone: setToNone) }
}
