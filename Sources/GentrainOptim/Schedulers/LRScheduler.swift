import GentrainCore

/// The base of the learning-rate schedulers, with PyTorch's stepping rules: construction sets
/// each group's `initial_lr` and takes an initial step (epoch 0); each `step()` advances
/// `lastEpoch` and sets the groups' `lr` from `getLR()`, which most schedulers compute
/// recursively from the current `lr` (the "chainable" form), exactly as PyTorch does.
/// `step(epoch:)` jumps to an epoch through the closed form where one exists.
open class LRScheduler {
    public let optimizer: Optimizer
    public internal(set) var lastEpoch: Int = -1
    public internal(set) var baseLRs: [Double]
    public internal(set) var lastLR: [Double] = []
    var stepCount = 0
    /// True during the initial step taken at construction.
    var isInitial = false

    init(_ optimizer: Optimizer) {
        self.optimizer = optimizer
        for g in optimizer.paramGroups where g.options["initial_lr"] == nil { g["initial_lr"] = g.lr }
        baseLRs = optimizer.paramGroups.map { $0["initial_lr"] }
    }

    /// The initial step every scheduler takes when constructed.
    func initialStep() throws {
        stepCount = 0
        isInitial = true
        defer { isInitial = false }
        try step()
    }

    /// The learning rates of the groups after the last step (PyTorch's `get_last_lr()`).
    public func getLastLR() -> [Double] { lastLR }

    /// Advances one epoch (or iteration) and updates the optimizer's learning rates.
    open func step() throws {
        stepCount += 1
        lastEpoch += 1
        try apply(getLR())
    }

    /// Jumps to `epoch`, using the closed form when the scheduler has one.
    open func step(epoch: Int) throws {
        stepCount += 1
        lastEpoch = epoch
        try apply(closedFormLR() ?? getLR())
    }

    /// The learning rates for `lastEpoch`.
    open func getLR() throws -> [Double] {
        throw GentrainError(.unsupported, "\(type(of: self)) does not implement getLR")
    }

    /// The learning rates for `lastEpoch` computed directly, or nil when there is no closed form.
    open func closedFormLR() -> [Double]? { nil }

    func apply(_ lrs: [Double]) throws {
        guard lrs.count == optimizer.paramGroups.count else {
            throw GentrainError(.invalidArgument, "scheduler computed \(lrs.count) learning rates for \(optimizer.paramGroups.count) parameter groups")
        }
        for (g, lr) in zip(optimizer.paramGroups, lrs) { g.lr = lr }
        lastLR = optimizer.paramGroups.map(\.lr)
    }

    /// The current learning rate of each group.
    var groupLRs: [Double] { optimizer.paramGroups.map(\.lr) }

    // MARK: state

    /// The scheduler's state as named numbers (PyTorch's `state_dict()` minus the optimizer).
    open func stateDict() -> [String: [Double]] {
        ["last_epoch": [Double(lastEpoch)], "_step_count": [Double(stepCount)], "base_lrs": baseLRs, "_last_lr": lastLR]
    }

    /// Checks a state from `stateDict()` completely (names, counts, every number's range) and
    /// returns the change that applies it, which cannot fail: a bad state changes nothing.
    public final func prepareLoad(_ d: [String: [Double]]) throws -> () -> Void {
        let epoch = try integer(d, "last_epoch", min: -1)
        let steps = try integer(d, "_step_count", min: 0)
        let base = try vector(d, "base_lrs", count: optimizer.paramGroups.count)
        let last = try vector(d, "_last_lr", count: optimizer.paramGroups.count)
        let own = try prepareOwnLoad(d)
        return {
            (self.lastEpoch, self.stepCount, self.baseLRs, self.lastLR) = (epoch, steps, base, last)
            own()
        }
    }

    /// A subclass's part of `prepareLoad`: checks its own entries and returns their assignment.
    open func prepareOwnLoad(_ d: [String: [Double]]) throws -> () -> Void { {} }

    func scalar(_ d: [String: [Double]], _ key: String) throws -> Double {
        guard let v = d[key], v.count == 1 else {
            throw GentrainError(.invalidArgument, "\(type(of: self)) state: missing or malformed '\(key)'")
        }
        return v[0]
    }

    func vector(_ d: [String: [Double]], _ key: String, count: Int) throws -> [Double] {
        guard let v = d[key], v.count == count else {
            throw GentrainError(.invalidArgument, "\(type(of: self)) state: '\(key)' must hold \(count) values")
        }
        return v
    }

    /// A whole number in `min...2^53` (exact in a Double; epoch arithmetic on it cannot overflow).
    func integer(_ d: [String: [Double]], _ key: String, min: Int) throws -> Int {
        try stateInteger(try scalar(d, key), key, min: min, owner: "\(type(of: self))")
    }
}

/// The largest whole number a scheduler state holds.
let maxStateInteger = Double(1 << 53)

/// `v` as an integer when it is a whole number in `min...2^53`; anything else (NaN, ±inf, a
/// fraction, a huge value) is an error rather than a trapping conversion.
func stateInteger(_ v: Double, _ key: String, min: Int, owner: String) throws -> Int {
    guard v.isFinite, v == v.rounded(), v >= Double(min), v <= maxStateInteger else {
        throw GentrainError(.invalidArgument, "\(owner) state: '\(key)' must be a whole number from \(min) to 2^53, got \(v)")
    }
    return Int(v)
}

/// A scheduler whose state a checkpoint saves and restores (every scheduler here).
public protocol SchedulerState: AnyObject {
    func stateDict() -> [String: [Double]]
    /// Checks a state completely and returns the change that applies it (which cannot fail).
    func prepareLoad(_ d: [String: [Double]]) throws -> () -> Void
}

extension SchedulerState {
    /// Restores a state from `stateDict()`; on any error nothing changes.
    public func loadStateDict(_ d: [String: [Double]]) throws { try prepareLoad(d)() }
}

extension LRScheduler: SchedulerState {}
extension ReduceLROnPlateau: SchedulerState {}
