import CGentrain
import GentrainCore

// Custom ops with host callbacks.

/// The host's callbacks and data; the destructor runs once nothing uses them any more.
private final class CustomCallbacks {
    let name: String
    let forward: gentrain_custom_forward
    let backward: gentrain_custom_backward
    let userData: UnsafeMutableRawPointer?
    let destroy: gentrain_destructor?

    init(_ name: String, _ forward: gentrain_custom_forward, _ backward: gentrain_custom_backward,
         _ userData: UnsafeMutableRawPointer?, _ destroy: gentrain_destructor?) {
        (self.name, self.forward, self.backward, self.userData, self.destroy) = (name, forward, backward, userData, destroy)
    }

    deinit { destroy?(userData) }

    /// The failure of a callback, with the message its own gentrain calls left, if any.
    func failure(_ which: String, _ status: gentrain_status) -> GentrainError {
        GentrainError(.callbackFailed, callbackFailure("custom op '\(name)': the \(which) callback", status))
    }
}

/// Borrowed handles for the duration of a callback.
private func borrowed(_ tensors: [Tensor]) throws -> [OpaquePointer?] { try newHandles(tensors) }

private func release(_ handles: [OpaquePointer?]) {
    for h in handles { HandleTable.shared.remove(h, .tensor) }
}

/// Takes over a tensor the host handed back.
private func takeOver(_ h: OpaquePointer?, _ what: String) throws -> Tensor? {
    guard let h else { return nil }
    defer { HandleTable.shared.remove(h, .tensor) }
    return try tensorArg(h, what)
}

@c @implementation
public func gentrain_custom_op(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ name: UnsafePointer<CChar>?,
                               _ inputs: UnsafePointer<OpaquePointer?>?, _ nInputs: Int, _ forward: gentrain_custom_forward?,
                               _ backward: gentrain_custom_backward?, _ userData: UnsafeMutableRawPointer?,
                               _ destroy: gentrain_destructor?) -> gentrain_status {
    let callbacks: CustomCallbacks? = {
        guard let forward, let backward, let name else { return nil }
        return CustomCallbacks(String(cString: name), forward, backward, userData, destroy)
    }()
    if callbacks == nil { destroy?(userData) }
    return producing("gentrain_custom_op", out) {
        guard let cb = callbacks else { throw GentrainError(.invalidArgument, "name, forward or backward is NULL") }
        let xs = try tensorList(inputs, nInputs, "inputs")
        return try customOp(cb.name, xs, forward: { detached in
            try HostStack.check("custom op '\(cb.name)': the forward callback")
            let handles = try borrowed(detached)
            defer { release(handles) }
            var result: OpaquePointer? = nil
            let status = handles.withUnsafeBufferPointer { cb.forward(&result, $0.baseAddress, handles.count, cb.userData) }
            guard status == GENTRAIN_OK else {
                if let result { HandleTable.shared.remove(result, .tensor) }
                throw cb.failure("forward", status)
            }
            guard let output = try takeOver(result, "the forward callback's output") else {
                throw GentrainError(.callbackFailed, "custom op '\(cb.name)': the forward callback returned no output")
            }
            return output
        }, backward: { saved, output, grad in
            try HostStack.check("custom op '\(cb.name)': the backward callback")
            let handles = try borrowed(saved)
            let extra = try borrowed([output, grad])
            defer { release(handles); release(extra) }
            var results = [OpaquePointer?](repeating: nil, count: saved.count)
            let status = handles.withUnsafeBufferPointer { hs in
                results.withUnsafeMutableBufferPointer { rs in
                    cb.backward(rs.baseAddress, extra[1], hs.baseAddress, saved.count, extra[0], cb.userData)
                }
            }
            var grads: [Tensor?] = []
            var taken: Error? = nil
            for (i, r) in results.enumerated() {
                do { grads.append(try takeOver(r, "grad_inputs[\(i)]")) } catch { taken = taken ?? error; grads.append(nil) }
            }
            guard status == GENTRAIN_OK else { throw cb.failure("backward", status) }
            if let taken { throw taken }
            return grads
        })
    }
}
