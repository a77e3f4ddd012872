import CGentrain
import GentrainCore
import GentrainOptim

// Learning-rate schedulers.

private func producingScheduler(_ name: StaticString, _ out: UnsafeMutablePointer<OpaquePointer?>?, _ optimizer: OpaquePointer?,
                                _ body: (Optimizer) throws -> AnyObject) -> gentrain_status {
    out?.pointee = nil
    return guarded(name) {
        guard let out else { throw GentrainError(.invalidArgument, "out is NULL") }
        out.pointee = try HandleTable.shared.insert(body(optimizerArg(optimizer)), .scheduler)
    }
}

private func intArg(_ v: Int64, _ what: String, min: Int64) throws -> Int {
    guard v >= min, v <= Int64(Int32.max) else { throw GentrainError(.invalidArgument, "\(what) must be in \(min)...\(Int32.max), got \(v)") }
    return Int(v)
}

@c @implementation
public func gentrain_scheduler_exponential_new(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ optimizer: OpaquePointer?,
                                               _ gamma: Double) -> gentrain_status {
    producingScheduler("gentrain_scheduler_exponential_new", out, optimizer) { try ExponentialLR($0, gamma: gamma) }
}

@c @implementation
public func gentrain_scheduler_step_lr_new(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ optimizer: OpaquePointer?,
                                           _ stepSize: Int64, _ gamma: Double) -> gentrain_status {
    producingScheduler("gentrain_scheduler_step_lr_new", out, optimizer) {
        try StepLR($0, stepSize: intArg(stepSize, "step_size", min: 1), gamma: gamma)
    }
}

@c @implementation
public func gentrain_scheduler_multistep_new(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ optimizer: OpaquePointer?,
                                             _ milestones: UnsafePointer<Int64>?, _ n: Int, _ gamma: Double) -> gentrain_status {
    producingScheduler("gentrain_scheduler_multistep_new", out, optimizer) {
        guard n >= 0, n <= 1 << 16, n == 0 || milestones != nil else {
            throw GentrainError(.invalidArgument, "milestones is NULL or its count is invalid")
        }
        return try MultiStepLR($0, milestones: (0..<n).map { try intArg(milestones![$0], "milestone", min: 0) }, gamma: gamma)
    }
}

@c @implementation
public func gentrain_scheduler_linear_new(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ optimizer: OpaquePointer?,
                                          _ startFactor: Double, _ endFactor: Double, _ totalIters: Int64) -> gentrain_status {
    producingScheduler("gentrain_scheduler_linear_new", out, optimizer) {
        try LinearLR($0, startFactor: startFactor, endFactor: endFactor, totalIters: intArg(totalIters, "total_iters", min: 1))
    }
}

@c @implementation
public func gentrain_scheduler_cosine_new(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ optimizer: OpaquePointer?,
                                          _ tMax: Int64, _ etaMin: Double) -> gentrain_status {
    producingScheduler("gentrain_scheduler_cosine_new", out, optimizer) {
        try CosineAnnealingLR($0, tMax: intArg(tMax, "T_max", min: 1), etaMin: etaMin)
    }
}

@c @implementation
public func gentrain_scheduler_cosine_warm_restarts_new(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ optimizer: OpaquePointer?,
                                                        _ t0: Int64, _ tMult: Int64, _ etaMin: Double) -> gentrain_status {
    producingScheduler("gentrain_scheduler_cosine_warm_restarts_new", out, optimizer) {
        try CosineAnnealingWarmRestarts($0, t0: intArg(t0, "T_0", min: 1), tMult: intArg(tMult, "T_mult", min: 1), etaMin: etaMin)
    }
}

/// The host's lambda and its data; the destructor runs when the last user is gone.
private final class LambdaCallback {
    let fn: gentrain_lr_lambda
    let userData: UnsafeMutableRawPointer?
    let destroy: gentrain_destructor?

    init(_ fn: gentrain_lr_lambda, _ userData: UnsafeMutableRawPointer?, _ destroy: gentrain_destructor?) {
        (self.fn, self.userData, self.destroy) = (fn, userData, destroy)
    }

    deinit { destroy?(userData) }

    func callAsFunction(_ epoch: Int, _ group: Int) throws -> Double {
        try HostStack.check("lr_lambda callback")
        var factor = Double.nan
        let status = fn(&factor, Int64(epoch), group, userData)
        guard status == GENTRAIN_OK else {
            throw GentrainError(.callbackFailed, "lr_lambda callback failed for epoch \(epoch), group \(group) with status \(status.rawValue)")
        }
        return factor
    }
}

@c @implementation
public func gentrain_scheduler_lambda_new(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ optimizer: OpaquePointer?,
                                          _ lrLambda: gentrain_lr_lambda?, _ userData: UnsafeMutableRawPointer?,
                                          _ destroy: gentrain_destructor?) -> gentrain_status {
    let callback = lrLambda.map { LambdaCallback($0, userData, destroy) }
    if callback == nil { destroy?(userData) }
    return producingScheduler("gentrain_scheduler_lambda_new", out, optimizer) { opt in
        guard let callback else { throw GentrainError(.invalidArgument, "lr_lambda is NULL") }
        return try LambdaLR(opt, lrLambdas: (0..<opt.paramGroups.count).map { g in { epoch in try callback(epoch, g) } })
    }
}

@c @implementation
public func gentrain_scheduler_sequential_new(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ optimizer: OpaquePointer?,
                                              _ schedulers: UnsafePointer<OpaquePointer?>?, _ n: Int,
                                              _ milestones: UnsafePointer<Int64>?, _ nMilestones: Int) -> gentrain_status {
    producingScheduler("gentrain_scheduler_sequential_new", out, optimizer) { opt in
        guard n > 0, n <= 1 << 16, let schedulers else { throw GentrainError(.invalidArgument, "schedulers is NULL or empty") }
        let subs = try (0..<n).map { i -> LRScheduler in
            guard let s = try schedulerArg(schedulers[i]) as? LRScheduler else {
                throw GentrainError(.invalidArgument, "schedulers[\(i)]: ReduceLROnPlateau cannot be part of a SequentialLR")
            }
            return s
        }
        guard nMilestones >= 0, nMilestones <= 1 << 16, nMilestones == 0 || milestones != nil else {
            throw GentrainError(.invalidArgument, "milestones is NULL or its count is invalid")
        }
        return try SequentialLR(opt, schedulers: subs, milestones: (0..<nMilestones).map { try intArg(milestones![$0], "milestone", min: 0) })
    }
}

@c @implementation
public func gentrain_one_cycle_options_default(_ options: UnsafeMutablePointer<gentrain_one_cycle_options>?) {
    options?.pointee = gentrain_one_cycle_options(
        struct_size: MemoryLayout<gentrain_one_cycle_options>.size, max_lr: 0, total_steps: 0, pct_start: 0.3,
        anneal_linear: false, cycle_momentum: true, base_momentum: 0.85, max_momentum: 0.95, div_factor: 25,
        final_div_factor: 1e4, three_phase: false, max_lrs: nil, n_max_lrs: 0)
}

@c @implementation
public func gentrain_plateau_options_default(_ options: UnsafeMutablePointer<gentrain_plateau_options>?) {
    options?.pointee = gentrain_plateau_options(
        struct_size: MemoryLayout<gentrain_plateau_options>.size, mode_max: false, factor: 0.1, patience: 10,
        threshold: 1e-4, threshold_abs: false, cooldown: 0, min_lr: 0, eps: 1e-8)
}

@c @implementation
public func gentrain_scheduler_one_cycle_new(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ optimizer: OpaquePointer?,
                                             _ options: UnsafePointer<gentrain_one_cycle_options>?) -> gentrain_status {
    producingScheduler("gentrain_scheduler_one_cycle_new", out, optimizer) { opt in
        guard options != nil else { throw GentrainError(.invalidArgument, "options is NULL: max_lr and total_steps are required") }
        let o = try readOptions(options, bools: [\.anneal_linear, \.cycle_momentum, \.three_phase]) { gentrain_one_cycle_options_default($0) }
        var peaks = [o.max_lr]
        if let p = o.max_lrs {
            guard o.n_max_lrs == opt.paramGroups.count else {
                throw GentrainError(.invalidArgument, "max_lrs holds \(o.n_max_lrs) values for \(opt.paramGroups.count) parameter groups")
            }
            peaks = (0..<o.n_max_lrs).map { p[$0] }
        }
        guard peaks.allSatisfy({ $0 > 0 && $0.isFinite }) else { throw GentrainError(.invalidArgument, "max_lr must be positive, got \(peaks)") }
        return try OneCycleLR(opt, maxLR: peaks, totalSteps: intArg(o.total_steps, "total_steps", min: 1),
                              pctStart: o.pct_start, anneal: o.anneal_linear ? .linear : .cos, cycleMomentum: o.cycle_momentum,
                              baseMomentum: o.base_momentum, maxMomentum: o.max_momentum, divFactor: o.div_factor,
                              finalDivFactor: o.final_div_factor, threePhase: o.three_phase)
    }
}

@c @implementation
public func gentrain_scheduler_plateau_new(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ optimizer: OpaquePointer?,
                                           _ options: UnsafePointer<gentrain_plateau_options>?) -> gentrain_status {
    producingScheduler("gentrain_scheduler_plateau_new", out, optimizer) { opt in
        let o = try readOptions(options, bools: [\.mode_max, \.threshold_abs]) { gentrain_plateau_options_default($0) }
        return try ReduceLROnPlateau(opt, mode: o.mode_max ? .max : .min, factor: o.factor,
                                     patience: intArg(o.patience, "patience", min: 0), threshold: o.threshold,
                                     thresholdMode: o.threshold_abs ? .abs : .rel, cooldown: intArg(o.cooldown, "cooldown", min: 0),
                                     minLR: [o.min_lr], eps: o.eps)
    }
}

@c @implementation
public func gentrain_scheduler_free(_ scheduler: OpaquePointer?) {
    HandleTable.shared.remove(scheduler, .scheduler)
}

@c @implementation
public func gentrain_scheduler_step(_ scheduler: OpaquePointer?) -> gentrain_status {
    guarded("gentrain_scheduler_step") {
        guard let s = try schedulerArg(scheduler) as? LRScheduler else {
            throw GentrainError(.invalidArgument, "ReduceLROnPlateau steps with a metric: use gentrain_scheduler_step_metric")
        }
        try holdingOptimizer(of: s) { try s.step() }
    }
}

@c @implementation
public func gentrain_scheduler_step_epoch(_ scheduler: OpaquePointer?, _ epoch: Double) -> gentrain_status {
    guarded("gentrain_scheduler_step_epoch") {
        let s = try schedulerArg(scheduler)
        if let w = s as? CosineAnnealingWarmRestarts { return try holdingOptimizer(of: w) { try w.step(epoch: epoch) } }
        guard let s = s as? LRScheduler else {
            throw GentrainError(.invalidArgument, "ReduceLROnPlateau steps with a metric: use gentrain_scheduler_step_metric")
        }
        guard epoch >= 0, epoch <= Double(Int32.max), epoch == epoch.rounded() else {
            throw GentrainError(.invalidArgument, "epoch must be a whole number >= 0 for this scheduler, got \(epoch)")
        }
        try holdingOptimizer(of: s) { try s.step(epoch: Int(epoch)) }
    }
}

@c @implementation
public func gentrain_scheduler_step_metric(_ scheduler: OpaquePointer?, _ metric: Double) -> gentrain_status {
    guarded("gentrain_scheduler_step_metric") {
        guard let s = try schedulerArg(scheduler) as? ReduceLROnPlateau else {
            throw GentrainError(.invalidArgument, "only ReduceLROnPlateau steps with a metric; use gentrain_scheduler_step")
        }
        try holdingOptimizer(of: s) { s.step(metric: metric) }
    }
}

@c @implementation
public func gentrain_scheduler_get_last_lr(_ out: UnsafeMutablePointer<Double>?, _ capacity: Int, _ count: UnsafeMutablePointer<Int>?,
                                           _ scheduler: OpaquePointer?) -> gentrain_status {
    guarded("gentrain_scheduler_get_last_lr") {
        let s = try schedulerArg(scheduler)
        let lrs = try holdingOptimizer(of: s) { (s as? LRScheduler)?.getLastLR() ?? (s as! ReduceLROnPlateau).getLastLR() }
        try write(count) { lrs.count }
        guard let out, capacity >= lrs.count else {
            throw GentrainError(.invalidArgument, "out holds \(capacity) values but there are \(lrs.count) parameter groups")
        }
        for (i, lr) in lrs.enumerated() { out[i] = lr }
    }
}

/// Runs `body` holding the scheduler's optimizer, whose learning rates a scheduler changes: two
/// threads using one scheduler, or one stepping it during the optimizer's step, is a misuse.
private func holdingOptimizer<R>(of s: AnyObject, _ body: () throws -> R) throws -> R {
    let optimizer = (s as? LRScheduler)?.optimizer ?? (s as! ReduceLROnPlateau).optimizer
    return try optimizer.use.exclusive("the scheduler's optimizer", body)
}

private func schedulerState(_ h: OpaquePointer?) throws -> SchedulerState {
    try schedulerArg(h) as! SchedulerState
}

@c @implementation
public func gentrain_scheduler_state_count(_ out: UnsafeMutablePointer<Int>?, _ scheduler: OpaquePointer?) -> gentrain_status {
    guarded("gentrain_scheduler_state_count") {
        let s = try schedulerState(scheduler)
        try write(out) { try holdingOptimizer(of: s) { s.stateDict().count } }
    }
}

@c @implementation
public func gentrain_scheduler_state_get(_ key: UnsafeMutablePointer<UnsafePointer<CChar>?>?, _ values: UnsafeMutablePointer<Double>?,
                                         _ capacity: Int, _ count: UnsafeMutablePointer<Int>?, _ scheduler: OpaquePointer?,
                                         _ i: Int) -> gentrain_status {
    guarded("gentrain_scheduler_state_get") {
        let s = try schedulerState(scheduler)
        let entries = try holdingOptimizer(of: s) { s.stateDict().sorted { $0.key < $1.key } }
        guard i >= 0, i < entries.count else { throw GentrainError(.index, "state entry \(i) is out of range for \(entries.count) entries") }
        let (k, v) = entries[i]
        key?.pointee = internedCString(k)
        try write(count) { v.count }
        guard capacity >= v.count, v.isEmpty || values != nil else {
            throw GentrainError(.invalidArgument, "values holds \(capacity) numbers but '\(k)' has \(v.count)")
        }
        for (j, x) in v.enumerated() { values![j] = x }
    }
}

@c @implementation
public func gentrain_scheduler_state_set(_ scheduler: OpaquePointer?, _ key: UnsafePointer<CChar>?, _ values: UnsafePointer<Double>?,
                                         _ count: Int) -> gentrain_status {
    guarded("gentrain_scheduler_state_set") {
        let s = try schedulerState(scheduler)
        guard count >= 0, count <= 1 << 20, count == 0 || values != nil else {
            throw GentrainError(.invalidArgument, "values is NULL or its count is invalid")
        }
        let k = try stringArg(key, "key")
        try holdingOptimizer(of: s) {
            var d = s.stateDict()
            d[k] = (0..<count).map { values![$0] }
            try s.loadStateDict(d)
        }
    }
}
