import CGentrain
import GentrainCore
import GentrainNN

// Modules defined by the host: a forward callback plus registered parameters and children.

/// A module whose forward is the host's callback; the destructor runs with the module's end.
private final class HostModule: Module {
    let forwardFn: gentrain_module_forward_fn
    let userData: UnsafeMutableRawPointer?
    let destroy: gentrain_destructor?

    init(_ forward: gentrain_module_forward_fn, _ userData: UnsafeMutableRawPointer?, _ destroy: gentrain_destructor?) {
        (forwardFn, self.userData, self.destroy) = (forward, userData, destroy)
        super.init()
    }

    deinit { destroy?(userData) }

    override func forward(_ input: Tensor) throws -> Tensor {
        try callForOutput(forwardFn, userData, input, "custom module: the forward callback")
    }
}

/// Calls a host's callback of a tensor (a module's forward, a critic, a gradient hook: one C signature) on
/// `input` (a handle borrowed for the call) and takes over the tensor it returns (nil: none); a
/// failure status is thrown with the callback's message.
func callHost(_ fn: gentrain_module_forward_fn, _ userData: UnsafeMutableRawPointer?, _ input: Tensor,
              _ what: String) throws -> Tensor? {
    try HostStack.check(what)
    let borrowed = try newHandle(input)
    defer { HandleTable.shared.remove(borrowed, .tensor) }
    var result: OpaquePointer? = nil
    let status = fn(&result, borrowed, userData)
    defer { if let result { HandleTable.shared.remove(result, .tensor) } }
    guard status == GENTRAIN_OK else { throw GentrainError(.callbackFailed, callbackFailure(what, status)) }
    return try result.map { try tensorArg($0, "\(what)'s output") }
}

/// `callHost` for a callback that must return a tensor (a module's forward, a critic).
func callForOutput(_ fn: gentrain_module_forward_fn, _ userData: UnsafeMutableRawPointer?, _ input: Tensor,
                   _ what: String) throws -> Tensor {
    guard let output = try callHost(fn, userData, input, what) else {
        throw GentrainError(.callbackFailed, "\(what) returned no output")
    }
    return output
}

@c @implementation
public func gentrain_module_custom_new(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ forward: gentrain_module_forward_fn?,
                                      _ userData: UnsafeMutableRawPointer?, _ destroy: gentrain_destructor?,
                                      _ parameterNames: UnsafePointer<UnsafePointer<CChar>?>?, _ parameters: UnsafePointer<OpaquePointer?>?,
                                      _ nParameters: Int, _ childNames: UnsafePointer<UnsafePointer<CChar>?>?,
                                      _ children: UnsafePointer<OpaquePointer?>?, _ nChildren: Int) -> gentrain_status {
    let module = forward.map { HostModule($0, userData, destroy) }
    if module == nil { destroy?(userData) }
    return producingModule("gentrain_module_custom_new", out) {
        guard let module else { throw GentrainError(.invalidArgument, "forward is NULL") }
        guard nParameters >= 0, nParameters <= 1 << 16 else { throw GentrainError(.invalidArgument, "n_parameters is invalid") }
        guard nParameters == 0 || (parameterNames != nil && parameters != nil) else {
            throw GentrainError(.invalidArgument, "parameters or their names are NULL but n_parameters is \(nParameters)")
        }
        let params = try (0..<nParameters).map { i in
            (try stringArg(parameterNames![i], "parameter_names[\(i)]"), try tensorArg(parameters![i], "parameters[\(i)]"))
        }
        for (name, p) in params {
            guard p.isLeaf, p.dtype.isFloatingPoint else {
                throw GentrainError(.invalidArgument, "parameter '\(name)' must be a floating-point leaf tensor")
            }
        }
        let kids = try namedModules(childNames, children, nChildren, "children")
        for (name, p) in params { try module.registerParameter(name, p) }
        for (name, child) in kids { try module.registerModule(name, child) }
        for (_, p) in params { try p.setRequiresGrad(true) }
        return module
    }
}
