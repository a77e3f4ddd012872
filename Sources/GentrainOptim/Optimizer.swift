import GentrainCore

/// A set of parameters and its hyper-parameters (an entry of PyTorch's `param_groups`).
///
/// Options are numbers under PyTorch's names (`lr`, `momentum`, `weight_decay`, …); flags
/// are 0 or 1 (`nesterov`, `amsgrad`, `maximize`, `centered`).
/// Differs from PyTorch: Adam's `betas` pair is stored as `beta1` and `beta2`.
public final class ParamGroup {
    public internal(set) var params: [Tensor]
    public var options: [String: Double] { didSet { derived = nil } }
    /// What the optimizer derived from `options` once they passed its checks (`Optimizer.derive`),
    /// dropped whenever they change: a step reads no option by name.
    var derived: AnyObject?

    /// `derived` as the optimizer's own type `H`, or made by `make` when it is another's (a group
    /// given to optimizers of two kinds).
    func derived<H: AnyObject>(_ make: (ParamGroup) -> H) -> H { derived as? H ?? make(self) }

    public init(params: [Tensor], options: [String: Double] = [:]) {
        self.params = params
        self.options = options
    }

    /// An option's value (0 when absent).
    public subscript(_ name: String) -> Double {
        get { options[name] ?? 0 }
        set { options[name] = newValue }
    }

    public var lr: Double {
        get { self["lr"] }
        set { self["lr"] = newValue }
    }
}

/// One parameter's optimizer state: its step count and named buffers (PyTorch's names:
/// `exp_avg`, `exp_avg_sq`, `momentum_buffer`, `square_avg`, `sum`, …).
public final class ParamState {
    public var step: Double = 0
    /// The buffers in a short list (an optimizer keeps one to three): comparing short names costs
    /// less than hashing them, twice per parameter at every step.
    private var named: [(name: String, tensor: Tensor)] = []

    /// The buffers by name.
    public var buffers: [String: Tensor] {
        get { Dictionary(uniqueKeysWithValues: named.map { ($0.name, $0.tensor) }) }
        set { named = newValue.map { (name: $0.key, tensor: $0.value) } }
    }

    public init() {}

    /// The buffer `name`, nil when there is none yet.
    func existingBuffer(_ name: String) -> Tensor? {
        for b in named where b.name == name { return b.tensor }
        return nil
    }

    /// The buffer `name`, created filled with `initial` in the parameter's shape and dtype.
    func buffer(_ name: String, like p: Tensor, initial: Double = 0) throws -> Tensor {
        if let b = existingBuffer(name) {
            guard b.dtype == p.dtype else {
                throw GentrainError(.dtype, "optimizer: state '\(name)' is \(b.dtype) but its parameter is now \(p.dtype) (build the optimizer after Module.to)")
            }
            return b
        }
        let b = try Tensor.full(p.shape, initial, dtype: p.dtype)
        named.append((name, b))
        return b
    }
}

/// The base of the optimizers, as PyTorch's `torch.optim.Optimizer`: parameter groups with
/// their own hyper-parameters, per-parameter state, `zeroGrad`, `step`, and state dicts.
/// Each optimizer updates a parameter in one fused pass over its data, gradient and state.
open class Optimizer {
    /// Every option the optimizer takes, with the value groups get unless they give their own:
    /// the class's defaults overridden by the constructor's options (PyTorch's `defaults`).
    public let defaults: [String: Double]
    public private(set) var paramGroups: [ParamGroup] = []
    /// Per-parameter state, by parameter identity.
    public private(set) var state: [ObjectIdentifier: ParamState] = [:]
    /// Guards the groups and state against two threads at once (a step, a scheduler's change).
    package let use = UseGuard()

    /// An optimizer over `params` with `options` overriding the class's `defaults`.
    public init(_ params: [Tensor], defaults: [String: Double], options: [String: Double] = [:]) throws {
        for name in options.keys where defaults[name] == nil {
            throw GentrainError(.invalidArgument, "\(type(of: self)) has no option '\(name)'")
        }
        self.defaults = defaults.merging(options) { _, given in given }
        try addParamGroup(params)
    }

    /// Adds a group; options it does not give take the optimizer's defaults. A parameter
    /// may belong to one group only.
    public func addParamGroup(_ params: [Tensor], options: [String: Double] = [:]) throws {
        try use.exclusive("the optimizer") { try addGroup(params, options) }
    }

    private func addGroup(_ params: [Tensor], _ options: [String: Double]) throws {
        guard !params.isEmpty else { throw GentrainError(.invalidArgument, "optimizer got an empty parameter list") }
        for name in options.keys where defaults[name] == nil && !Optimizer.scheduleKeys.contains(name) {
            throw GentrainError(.invalidArgument, "\(type(of: self)) has no option '\(name)'")
        }
        let merged = defaults.merging(options) { _, given in given }
        try checkOptions(merged)
        for p in params {
            // As PyTorch: a leaf that does not require grad is accepted (and skipped while it has
            // no gradient: a frozen layer's parameters can stay in the groups).
            guard p.isLeaf else { throw GentrainError(.invalidArgument, "optimizer: can't optimize a non-leaf Tensor") }
            guard p.dtype == .float32 || p.dtype == .float64, p.isContiguous else {
                throw GentrainError(.dtype, "optimizer: parameters must be contiguous float32 or float64, got \(p.dtype)")
            }
            for g in paramGroups where g.params.contains(where: { $0 === p }) {
                throw GentrainError(.invalidArgument, "optimizer: some parameters appear in more than one parameter group")
            }
        }
        if Set(params.map(ObjectIdentifier.init)).count != params.count {
            throw GentrainError(.invalidArgument, "optimizer: a parameter group contains a parameter twice")
        }
        paramGroups.append(ParamGroup(params: params, options: merged))
    }

    /// Keys schedulers keep in groups besides the optimizer's own options.
    static let scheduleKeys: Set<String> = ["initial_lr", "max_lr", "min_lr", "max_momentum", "base_momentum"]

    /// Checks a group's options: every option of `defaults` present (a state dict from a file
    /// may lack some), then each in its range (`validate`).
    public final func checkOptions(_ options: [String: Double]) throws {
        // Sorted only to name the first missing one (a sort per step was a few % of a small model's step).
        if defaults.keys.contains(where: { options[$0] == nil }), let missing = defaults.keys.sorted().first(where: { options[$0] == nil }) {
            throw GentrainError(.invalidArgument, "\(type(of: self)): a parameter group has no '\(missing)'")
        }
        try validate(options)
    }

    /// Checks a group's options, all present (each optimizer states its own ranges, as PyTorch does).
    open func validate(_ options: [String: Double]) throws {
        guard let lr = options["lr"], lr >= 0, lr.isFinite else {
            throw GentrainError(.invalidArgument, "Invalid learning rate: \(options["lr"] ?? .nan)")
        }
    }

    /// The learning rate of the first group; setting it sets every group's.
    public var lr: Double {
        get { paramGroups.first?.lr ?? 0 }
        set { for g in paramGroups { g.lr = newValue } }
    }

    /// Clears the gradients of every parameter: to nil (PyTorch's default) or to zeros.
    public func zeroGrad(setToNone: Bool = true) throws {
        try use.exclusive("the optimizer") {
            for g in paramGroups {
                for p in g.params { try p.zeroGrad(setToNone: setToNone) }
            }
        }
    }

    /// Updates every parameter that has a gradient.
    public func step() throws {
        try use.exclusive("the optimizer") {
            try withNoGrad {
                for group in paramGroups {
                    if group.derived == nil {
                        try checkOptions(group.options)
                        group.derived = derive(group)
                    }
                    for p in group.params {
                        try p.use.exclusive("a parameter") {
                            guard let g = p.grad else { return }
                            guard p.dtype == .float32 || p.dtype == .float64 else {
                                throw GentrainError(.dtype, "optimizer: a parameter changed to \(p.dtype) after the optimizer was built; parameters must be float32 or float64 (build the optimizer after Module.to)")
                            }
                            guard g.shape == p.shape else {
                                throw GentrainError(.shape, "optimizer: gradient \(shapeString(g.shape)) does not match parameter \(shapeString(p.shape))")
                            }
                            let grad = try g.to(p.dtype).contiguous()
                            let s = paramState(p)
                            s.step += 1
                            try update(p, grad, s, group)
                            p.bumpVersion()   // written in place: graphs that saved it refuse to backward
                        }
                    }
                }
            }
        }
    }

    /// The state of `p`, created empty on first use.
    public func paramState(_ p: Tensor) -> ParamState {
        if let s = state[ObjectIdentifier(p)] { return s }
        let s = ParamState()
        state[ObjectIdentifier(p)] = s
        return s
    }

    /// What `update` reads of a group's checked options (an optimizer's hyper-parameters as
    /// numbers), made again only when they change; the base keeps nothing.
    open func derive(_ group: ParamGroup) -> AnyObject { Checked.shared }

    /// `derive`'s result for an optimizer that keeps nothing.
    private final class Checked { static let shared = Checked() }

    /// Updates one parameter in place from its (contiguous, same-dtype) gradient; `state.step`
    /// has already been incremented.
    open func update(_ param: Tensor, _ grad: Tensor, _ state: ParamState, _ group: ParamGroup) throws {
        throw GentrainError(.unsupported, "\(type(of: self)) does not implement update")
    }

    /// Calls `body` with typed pointers: float32 or float64.
    func withElements(_ param: Tensor, _ body: (any FloatElement.Type) throws -> Void) rethrows {
        if param.dtype == .float32 { try body(Float.self) } else { try body(Double.self) }
    }

    // MARK: state dicts

    /// Everything the optimizer holds, with parameters as indices in group order (PyTorch's
    /// `state_dict()`): each group's options and parameter indices, and each parameter's state.
    public func stateDict() -> OptimizerStateDict {
        var d = OptimizerStateDict()
        var index = 0
        for g in paramGroups {
            var indices: [Int] = []
            for p in g.params {
                if let s = state[ObjectIdentifier(p)] {
                    d.state[index] = .init(step: s.step, buffers: s.buffers)
                }
                indices.append(index)
                index += 1
            }
            d.groups.append(.init(options: g.options, params: indices))
        }
        return d
    }

    /// Restores a state dict of an optimizer over parameters of the same shapes and grouping.
    /// Buffers are copied into fresh tensors of each parameter's dtype. On any error nothing changes.
    public func loadStateDict(_ d: OptimizerStateDict) throws {
        let apply = try prepareLoad(d)
        try use.exclusive("the optimizer") { apply() }
    }

    /// Checks a state dict completely (grouping, shapes, steps, every group's options) and
    /// returns the change that applies it, which cannot fail.
    public func prepareLoad(_ d: OptimizerStateDict) throws -> () -> Void {
        guard d.groups.count == paramGroups.count else {
            throw GentrainError(.invalidArgument, "loaded state dict has \(d.groups.count) parameter groups, the optimizer has \(paramGroups.count)")
        }
        for (g, saved) in zip(paramGroups, d.groups) where g.params.count != saved.params.count {
            throw GentrainError(.invalidArgument, "loaded state dict contains a parameter group of \(saved.params.count) parameters that doesn't match the size of the optimizer's group (\(g.params.count))")
        }
        let params = paramGroups.flatMap(\.params)
        var newState: [ObjectIdentifier: ParamState] = [:]
        for (i, saved) in d.state {
            guard i >= 0, i < params.count else { throw GentrainError(.index, "state for parameter \(i) of \(params.count)") }
            let p = params[i]
            _ = try stateInteger(saved.step, "step", min: 0, owner: "\(type(of: self)) parameter \(i)")
            let s = ParamState()
            s.step = saved.step
            for (name, b) in saved.buffers {
                guard b.shape == p.shape else {
                    throw GentrainError(.shape, "state '\(name)' of parameter \(i) has shape \(shapeString(b.shape)), the parameter \(shapeString(p.shape))")
                }
                s.buffers[name] = try withNoGrad { try b.to(p.dtype).contiguousCopyDetached() }
            }
            newState[ObjectIdentifier(p)] = s
        }
        for saved in d.groups { try checkOptions(saved.options) }
        return {
            for (g, saved) in zip(self.paramGroups, d.groups) { g.options = saved.options }
            self.state = newState
        }
    }
}

/// An optimizer's state as plain values (see `Optimizer.stateDict()`).
public struct OptimizerStateDict {
    public struct Group {
        public var options: [String: Double]
        public var params: [Int]
        public init(options: [String: Double], params: [Int]) {
            self.options = options
            self.params = params
        }
    }
    public struct State {
        public var step: Double
        public var buffers: [String: Tensor]
        public init(step: Double, buffers: [String: Tensor]) {
            self.step = step
            self.buffers = buffers
        }
    }
    public var groups: [Group] = []
    public var state: [Int: State] = [:]
    public init() {}
}

extension Tensor {
    /// A contiguous copy that owns its memory and has no history.
    public func contiguousCopyDetached() throws -> Tensor {
        try withNoGrad { try detach().clone().detach() }
    }
}

/// Elements per thread below which an optimizer's update of one tensor is not split.
let optimizerGrain = 1 << 14

