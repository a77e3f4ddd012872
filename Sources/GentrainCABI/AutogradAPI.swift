import CGentrain
import GentrainCore

@c @implementation
public func gentrain_backward(_ tensor: OpaquePointer?, _ grad: OpaquePointer?, _ retainGraph: Bool,
                              _ createGraph: Bool) -> gentrain_status {
    guarded("gentrain_backward") {
        let t = try tensorArg(tensor)
        let g = try optionalTensorArg(grad, "grad")
        try Autograd.backward([t], gradTensors: [g], retainGraph: retainGraph, createGraph: createGraph)
    }
}

@c @implementation
public func gentrain_autograd_grad(_ results: UnsafeMutablePointer<OpaquePointer?>?, _ outputs: UnsafePointer<OpaquePointer?>?,
                                   _ nOutputs: Int, _ inputs: UnsafePointer<OpaquePointer?>?, _ nInputs: Int,
                                   _ gradOutputs: UnsafePointer<OpaquePointer?>?, _ retainGraph: Bool, _ createGraph: Bool,
                                   _ allowUnused: Bool) -> gentrain_status {
    if let results, nInputs > 0, nInputs < 1 << 20 { for i in 0..<nInputs { results[i] = nil } }
    return guarded("gentrain_autograd_grad") {
        guard let results else { throw GentrainError(.invalidArgument, "results is NULL") }
        guard nOutputs > 0, nInputs > 0 else { throw GentrainError(.invalidArgument, "expected at least one output and one input") }
        let outs = try tensorList(outputs, nOutputs, "outputs")
        let ins = try tensorList(inputs, nInputs, "inputs")
        let gradOuts: [Tensor?] = gradOutputs == nil ? [] :
            try (0..<nOutputs).map { try optionalTensorArg(gradOutputs![$0], "grad_outputs[\($0)]") }
        let grads = try Autograd.grad(outputs: outs, inputs: ins, gradOutputs: gradOuts, retainGraph: retainGraph,
                                      createGraph: createGraph, allowUnused: allowUnused)
        for (i, h) in try newHandles(grads).enumerated() { results[i] = h }
    }
}

/// A host's gradient hook and its data; the destructor runs when the hook is gone.
private final class HostGradHook {
    let fn: gentrain_grad_hook_fn
    let userData: UnsafeMutableRawPointer?
    let destroy: gentrain_destructor?

    init(_ fn: gentrain_grad_hook_fn, _ userData: UnsafeMutableRawPointer?, _ destroy: gentrain_destructor?) {
        (self.fn, self.userData, self.destroy) = (fn, userData, destroy)
    }

    deinit { destroy?(userData) }

    /// Calls the hook on `grad` (borrowed) and takes over the tensor it returns, if any.
    func callAsFunction(_ grad: Tensor) throws -> Tensor? { try callHost(fn, userData, grad, "the gradient hook") }
}

@c @implementation
public func gentrain_tensor_register_hook(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ tensor: OpaquePointer?,
                                          _ fn: gentrain_grad_hook_fn?, _ userData: UnsafeMutableRawPointer?,
                                          _ destroy: gentrain_destructor?) -> gentrain_status {
    let hook = fn.map { HostGradHook($0, userData, destroy) }   // owns user_data from here on
    if hook == nil { destroy?(userData) }
    out?.pointee = nil
    return guarded("gentrain_tensor_register_hook") {
        guard let out else { throw GentrainError(.invalidArgument, "out is NULL") }
        guard let hook else { throw GentrainError(.invalidArgument, "fn is NULL") }
        let handle = try tensorArg(tensor).registerHook { try hook($0) }
        out.pointee = try HandleTable.shared.insert(handle, .hook)
    }
}

@c @implementation
public func gentrain_hook_remove(_ hook: OpaquePointer?) -> gentrain_status {
    guarded("gentrain_hook_remove") {
        unsafeDowncast(try HandleTable.shared.lookup(hook, .hook, "hook"), to: HookHandle.self).remove()
    }
}

@c @implementation
public func gentrain_hook_free(_ hook: OpaquePointer?) {
    HandleTable.shared.remove(hook, .hook)
}

@c @implementation
public func gentrain_tensor_retain_grad(_ tensor: OpaquePointer?) -> gentrain_status {
    guarded("gentrain_tensor_retain_grad") { try tensorArg(tensor).retainGrad() }
}

@c @implementation
public func gentrain_tensor_retains_grad(_ out: UnsafeMutablePointer<Bool>?, _ tensor: OpaquePointer?) -> gentrain_status {
    guarded("gentrain_tensor_retains_grad") { try write(out) { try tensorArg(tensor).retainsGrad } }
}
