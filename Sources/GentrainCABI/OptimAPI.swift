import CGentrain
import GentrainCore
import GentrainOptim

// Optimizers.

@c @implementation
public func gentrain_sgd_options_default(_ options: UnsafeMutablePointer<gentrain_sgd_options>?) {
    options?.pointee = gentrain_sgd_options(struct_size: MemoryLayout<gentrain_sgd_options>.size, lr: 1e-3, momentum: 0,
                                            dampening: 0, weight_decay: 0, nesterov: false, maximize: false)
}

@c @implementation
public func gentrain_adam_options_default(_ options: UnsafeMutablePointer<gentrain_adam_options>?) {
    options?.pointee = gentrain_adam_options(struct_size: MemoryLayout<gentrain_adam_options>.size, lr: 1e-3, beta1: 0.9,
                                             beta2: 0.999, eps: 1e-8, weight_decay: 0, amsgrad: false, maximize: false)
}

private func producingOptimizer(_ name: StaticString, _ out: UnsafeMutablePointer<OpaquePointer?>?,
                                _ params: UnsafePointer<OpaquePointer?>?, _ n: Int,
                                _ body: ([Tensor]) throws -> Optimizer) -> gentrain_status {
    out?.pointee = nil
    return guarded(name) {
        guard let out else { throw GentrainError(.invalidArgument, "out is NULL") }
        out.pointee = HandleTable.shared.insert(try body(tensorList(params, n, "params")), .optimizer)
    }
}

@c @implementation
public func gentrain_optim_sgd_new(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ params: UnsafePointer<OpaquePointer?>?, _ n: Int,
                                   _ options: UnsafePointer<gentrain_sgd_options>?) -> gentrain_status {
    producingOptimizer("gentrain_optim_sgd_new", out, params, n) { p in
        let o = try readOptions(options) { gentrain_sgd_options_default($0) }
        return try SGD(p, lr: o.lr, momentum: o.momentum, dampening: o.dampening, weightDecay: o.weight_decay,
                       nesterov: o.nesterov, maximize: o.maximize)
    }
}

@c @implementation
public func gentrain_optim_adam_new(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ params: UnsafePointer<OpaquePointer?>?, _ n: Int,
                                    _ options: UnsafePointer<gentrain_adam_options>?) -> gentrain_status {
    producingOptimizer("gentrain_optim_adam_new", out, params, n) { p in
        let o = try readOptions(options) { gentrain_adam_options_default($0) }
        return try Adam(p, lr: o.lr, betas: (o.beta1, o.beta2), eps: o.eps, weightDecay: o.weight_decay,
                        amsgrad: o.amsgrad, maximize: o.maximize)
    }
}

@c @implementation
public func gentrain_optim_free(_ optimizer: OpaquePointer?) {
    HandleTable.shared.remove(optimizer, .optimizer)
}

@c @implementation
public func gentrain_optim_step(_ optimizer: OpaquePointer?) -> gentrain_status {
    guarded("gentrain_optim_step") { try optimizerArg(optimizer).step() }
}

@c @implementation
public func gentrain_optim_zero_grad(_ optimizer: OpaquePointer?, _ setToNone: Bool) -> gentrain_status {
    guarded("gentrain_optim_zero_grad") { try optimizerArg(optimizer).zeroGrad(setToNone: setToNone) }
}

@c @implementation
public func gentrain_optim_get_lr(_ out: UnsafeMutablePointer<Double>?, _ optimizer: OpaquePointer?) -> gentrain_status {
    guarded("gentrain_optim_get_lr") { try write(out) { try optimizerArg(optimizer).lr } }
}

@c @implementation
public func gentrain_optim_set_lr(_ optimizer: OpaquePointer?, _ lr: Double) -> gentrain_status {
    guarded("gentrain_optim_set_lr") {
        guard lr >= 0, lr.isFinite else { throw GentrainError(.invalidArgument, "invalid learning rate: \(lr)") }
        try optimizerArg(optimizer).lr = lr
    }
}
