import CGentrain
import GentrainCore
import GentrainOptim

// Optimizers.

// The typed options' defaults are the optimizers' own (one source: `SGD.defaultOptions`, `Adam.defaultOptions`).

@c @implementation
public func gentrain_sgd_options_default(_ options: UnsafeMutablePointer<gentrain_sgd_options>?) {
    let d = SGD.defaultOptions
    options?.pointee = gentrain_sgd_options(struct_size: MemoryLayout<gentrain_sgd_options>.size, lr: d["lr", default: 0],
                                            momentum: d["momentum", default: 0], dampening: d["dampening", default: 0],
                                            weight_decay: d["weight_decay", default: 0], nesterov: d["nesterov", default: 0] != 0,
                                            maximize: d["maximize", default: 0] != 0)
}

@c @implementation
public func gentrain_adam_options_default(_ options: UnsafeMutablePointer<gentrain_adam_options>?) {
    let d = Adam.defaultOptions
    options?.pointee = gentrain_adam_options(struct_size: MemoryLayout<gentrain_adam_options>.size, lr: d["lr", default: 0],
                                             beta1: d["beta1", default: 0], beta2: d["beta2", default: 0], eps: d["eps", default: 0],
                                             weight_decay: d["weight_decay", default: 0], amsgrad: d["amsgrad", default: 0] != 0,
                                             maximize: d["maximize", default: 0] != 0)
}

private func producingOptimizer(_ name: StaticString, _ out: UnsafeMutablePointer<OpaquePointer?>?,
                                _ params: UnsafePointer<OpaquePointer?>?, _ n: Int,
                                _ body: ([Tensor]) throws -> Optimizer) -> gentrain_status {
    out?.pointee = nil
    return guarded(name) {
        guard let out else { throw GentrainError(.invalidArgument, "out is NULL") }
        out.pointee = try HandleTable.shared.insert(body(tensorList(params, n, "params")), .optimizer)
    }
}

@c @implementation
public func gentrain_optim_sgd_new(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ params: UnsafePointer<OpaquePointer?>?, _ n: Int,
                                   _ options: UnsafePointer<gentrain_sgd_options>?) -> gentrain_status {
    producingOptimizer("gentrain_optim_sgd_new", out, params, n) { p in
        let o = try readOptions(options, bools: [\.nesterov, \.maximize]) { gentrain_sgd_options_default($0) }
        return try SGD(p, lr: o.lr, momentum: o.momentum, dampening: o.dampening, weightDecay: o.weight_decay,
                       nesterov: o.nesterov, maximize: o.maximize)
    }
}

@c @implementation
public func gentrain_optim_adam_new(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ params: UnsafePointer<OpaquePointer?>?, _ n: Int,
                                    _ options: UnsafePointer<gentrain_adam_options>?) -> gentrain_status {
    producingOptimizer("gentrain_optim_adam_new", out, params, n) { p in
        let o = try readOptions(options, bools: [\.amsgrad, \.maximize]) { gentrain_adam_options_default($0) }
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
    guarded("gentrain_optim_get_lr") { try holding(optimizer) { opt in try write(out) { opt.lr } } }
}

@c @implementation
public func gentrain_optim_set_lr(_ optimizer: OpaquePointer?, _ lr: Double) -> gentrain_status {
    guarded("gentrain_optim_set_lr") {
        guard lr >= 0, lr.isFinite else { throw GentrainError(.invalidArgument, "invalid learning rate: \(lr)") }
        try holding(optimizer) { opt in opt.lr = lr }
    }
}

/// Options given as parallel arrays of names and values.
private func optionsArg(_ names: UnsafePointer<UnsafePointer<CChar>?>?, _ values: UnsafePointer<Double>?,
                        _ n: Int) throws -> [String: Double] {
    if n == 0 { return [:] }
    guard n > 0, n <= 64 else { throw GentrainError(.invalidArgument, "n_options is invalid: \(UInt(bitPattern: n))") }
    guard let names, let values else { throw GentrainError(.invalidArgument, "option_names or option_values is NULL") }
    var out: [String: Double] = [:]
    for i in 0..<n { out[try stringArg(names[i], "option_names[\(i)]")] = values[i] }
    return out
}

@c @implementation
public func gentrain_optim_new(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ name: UnsafePointer<CChar>?,
                               _ params: UnsafePointer<OpaquePointer?>?, _ nParams: Int,
                               _ optionNames: UnsafePointer<UnsafePointer<CChar>?>?, _ optionValues: UnsafePointer<Double>?,
                               _ nOptions: Int) -> gentrain_status {
    producingOptimizer("gentrain_optim_new", out, params, nParams) { p in
        let options = try optionsArg(optionNames, optionValues, nOptions)
        switch try stringArg(name, "name") {
        case "SGD": return try SGD(p, options: options)
        case "Adam": return try Adam(p, options: options)
        case "AdamW": return try AdamW(p, options: options)
        case "RMSprop": return try RMSprop(p, options: options)
        case "Adagrad": return try Adagrad(p, options: options)
        case let other: throw GentrainError(.invalidArgument, "unknown optimizer '\(other)' (SGD, Adam, AdamW, RMSprop, Adagrad)")
        }
    }
}

@c @implementation
public func gentrain_optim_add_param_group(_ optimizer: OpaquePointer?, _ params: UnsafePointer<OpaquePointer?>?, _ nParams: Int,
                                           _ optionNames: UnsafePointer<UnsafePointer<CChar>?>?,
                                           _ optionValues: UnsafePointer<Double>?, _ nOptions: Int) -> gentrain_status {
    guarded("gentrain_optim_add_param_group") {
        try optimizerArg(optimizer).addParamGroup(tensorList(params, nParams, "params"),
                                                  options: optionsArg(optionNames, optionValues, nOptions))
    }
}

@c @implementation
public func gentrain_optim_group_count(_ out: UnsafeMutablePointer<Int>?, _ optimizer: OpaquePointer?) -> gentrain_status {
    guarded("gentrain_optim_group_count") { try holding(optimizer) { opt in try write(out) { opt.paramGroups.count } } }
}

/// Runs `body` holding the optimizer: a call on it while another thread steps it is a misuse.
private func holding<R>(_ optimizer: OpaquePointer?, _ body: (Optimizer) throws -> R) throws -> R {
    let opt = try optimizerArg(optimizer)
    return try opt.use.exclusive("the optimizer") { try body(opt) }
}

private func group(_ opt: Optimizer, _ index: Int) throws -> ParamGroup {
    let groups = opt.paramGroups
    guard index >= 0, index < groups.count else {
        throw GentrainError(.index, "group \(index) is out of range for \(groups.count) parameter groups")
    }
    return groups[index]
}

@c @implementation
public func gentrain_optim_get_option(_ out: UnsafeMutablePointer<Double>?, _ optimizer: OpaquePointer?, _ index: Int,
                                      _ name: UnsafePointer<CChar>?) -> gentrain_status {
    guarded("gentrain_optim_get_option") {
        try holding(optimizer) { opt in
            let g = try group(opt, index), key = try stringArg(name, "name")
            guard let v = g.options[key] else { throw GentrainError(.invalidArgument, "the group has no option '\(key)'") }
            try write(out) { v }
        }
    }
}

@c @implementation
public func gentrain_optim_set_option(_ optimizer: OpaquePointer?, _ index: Int, _ name: UnsafePointer<CChar>?,
                                      _ value: Double) -> gentrain_status {
    guarded("gentrain_optim_set_option") {
        try holding(optimizer) { opt in
            let g = try group(opt, index), key = try stringArg(name, "name")
            guard g.options[key] != nil || opt.defaults[key] != nil else {
                throw GentrainError(.invalidArgument, "\(type(of: opt)) has no option '\(key)'")
            }
            var changed = g.options
            changed[key] = value
            try opt.checkOptions(changed)
            g[key] = value
        }
    }
}

@c @implementation
public func gentrain_clip_grad_norm(_ totalNorm: UnsafeMutablePointer<Double>?, _ params: UnsafePointer<OpaquePointer?>?, _ n: Int,
                                    _ maxNorm: Double, _ normType: Double, _ errorIfNonfinite: Bool) -> gentrain_status {
    guarded("gentrain_clip_grad_norm") {
        let total = try clipGradNorm(tensorList(params, n, "params"), maxNorm: maxNorm, normType: normType,
                                     errorIfNonfinite: errorIfNonfinite)
        totalNorm?.pointee = try total.item()
    }
}

@c @implementation
public func gentrain_clip_grad_value(_ params: UnsafePointer<OpaquePointer?>?, _ n: Int, _ clipValue: Double) -> gentrain_status {
    guarded("gentrain_clip_grad_value") { try clipGradValue(tensorList(params, n, "params"), clipValue: clipValue) }
}

/// The optimizer's state entries in a stable order: (parameter index, name).
private func stateEntries(_ d: OptimizerStateDict) -> [(Int, String)] {
    d.state.keys.sorted().flatMap { i in [(i, "step")] + d.state[i]!.buffers.keys.sorted().map { (i, $0) } }
}

@c @implementation
public func gentrain_optim_state_count(_ out: UnsafeMutablePointer<Int>?, _ optimizer: OpaquePointer?) -> gentrain_status {
    guarded("gentrain_optim_state_count") { try holding(optimizer) { opt in try write(out) { stateEntries(opt.stateDict()).count } } }
}

@c @implementation
public func gentrain_optim_state_get(_ value: UnsafeMutablePointer<OpaquePointer?>?, _ paramIndex: UnsafeMutablePointer<Int>?,
                                     _ name: UnsafeMutablePointer<UnsafePointer<CChar>?>?, _ optimizer: OpaquePointer?,
                                     _ i: Int) -> gentrain_status {
    producing("gentrain_optim_state_get", value) {
        let d = try holding(optimizer) { $0.stateDict() }
        let entries = stateEntries(d)
        guard i >= 0, i < entries.count else { throw GentrainError(.index, "state entry \(i) is out of range for \(entries.count) entries") }
        let (p, n) = entries[i]
        paramIndex?.pointee = p
        name?.pointee = internedCString(n)
        let s = d.state[p]!
        return n == "step" ? try Tensor.scalar(s.step, dtype: .float64) : try s.buffers[n]!.contiguousCopyDetached()
    }
}

@c @implementation
public func gentrain_optim_state_set(_ optimizer: OpaquePointer?, _ paramIndex: Int, _ name: UnsafePointer<CChar>?,
                                     _ value: OpaquePointer?) -> gentrain_status {
    guarded("gentrain_optim_state_set") { try holding(optimizer) { opt in try setState(opt, paramIndex, name, value) } }
}

private func setState(_ opt: Optimizer, _ paramIndex: Int, _ name: UnsafePointer<CChar>?, _ value: OpaquePointer?) throws {
    let key = try stringArg(name, "name"), v = try tensorArg(value, "value")
    let count = opt.paramGroups.reduce(0) { $0 + $1.params.count }
    guard paramIndex >= 0, paramIndex < count else {
        throw GentrainError(.index, "parameter index \(paramIndex) is out of range for \(count) parameters")
    }
    var d = opt.stateDict()
    var s = d.state[paramIndex] ?? .init(step: 0, buffers: [:])
    if key == "step" {
        guard v.numel == 1 else { throw GentrainError(.shape, "step must be one number, got shape \(shapeString(v.shape))") }
        s.step = try v.item()
    } else {
        s.buffers[key] = v
    }
    d.state[paramIndex] = s
    try opt.loadStateDict(d)
}
