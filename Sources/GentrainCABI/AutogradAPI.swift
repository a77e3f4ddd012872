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
