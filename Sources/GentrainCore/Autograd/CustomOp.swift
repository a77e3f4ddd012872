/// An op with a user-written backward, PyTorch's `autograd.Function`.
///
/// `forward` computes the output from the inputs (without recording a graph); `backward`
/// maps the output's gradient to one gradient per input (nil where an input needs none),
/// given the inputs and the output. Write `backward` with differentiable ops and a
/// `create_graph` pass differentiates through it as well. A gradient of the wrong shape, or
/// a missing one for an input that needs it, is an error naming the op.
public func customOp(_ name: String, _ inputs: [Tensor], forward: ([Tensor]) throws -> Tensor,
                     backward: @escaping (_ inputs: [Tensor], _ output: Tensor, _ grad: Tensor) throws -> [Tensor?]) throws -> Tensor {
    let detached = inputs.map { $0.detach() }
    let out = try withNoGrad { try forward(detached) }.detach()
    let saved = inputs
    defer { out.gradFn?.runsOnZeroGradients = true }   // the host's backward is always called
    return try recordOutput(out, name, inputs) { node, g, y in
        var grads = try backward(saved, y, g)
        guard grads.count == saved.count else {
            throw GentrainError.autograd("\(name): backward returned \(grads.count) gradients for \(saved.count) inputs")
        }
        for (i, x) in saved.enumerated() {
            guard var gi = grads[i] else { continue }
            grads[i] = nil
            if gi.shape != x.shape {
                throw GentrainError.autograd("\(name): backward returned a gradient of shape \(shapeString(gi.shape)) for input \(i) of shape \(shapeString(x.shape))")
            }
            try Tensor.unshare(&gi)
            grads[i] = gi
        }
        return Grads(grads)
    }
}

/// Records an n-input op whose backward uses its output (see `recordWithOutput`).
func recordOutput(_ out: Tensor, _ name: String, _ inputs: [Tensor],
                  _ backward: @escaping (Node, Tensor, Tensor) throws -> Grads) throws -> Tensor {
    let saved = out.detach()
    try record(out, name, inputs) { node, g in try backward(node, g, node.output(saved)) }
    out.gradFn?.save(out, index: -1)
    return out
}
