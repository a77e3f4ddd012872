import GentrainCore

/// A set of parameters with its own hyper-parameters (PyTorch's param_groups entry).
public final class ParamGroup {
    public var params: [Tensor]
    public var lr: Double
    public init(params: [Tensor], lr: Double) {
        self.params = params
        self.lr = lr
    }
}

/// The base of the optimizers: parameter groups, per-parameter state, `zeroGrad`, and a
/// `step` that updates each parameter in one fused pass over its data, gradient and state.
open class Optimizer {
    public private(set) var paramGroups: [ParamGroup] = []

    public init(_ params: [Tensor], lr: Double) throws {
        guard lr >= 0, lr.isFinite else { throw GentrainError(.invalidArgument, "invalid learning rate: \(lr)") }
        try addParamGroup(ParamGroup(params: params, lr: lr))
    }

    /// Adds a group; a parameter may belong to one group only.
    public func addParamGroup(_ group: ParamGroup) throws {
        for p in group.params {
            guard p.isLeaf, p.requiresGrad else {
                throw GentrainError(.invalidArgument, "optimizer: can't optimize a non-leaf tensor or one that does not require grad")
            }
            guard p.dtype == .float32 || p.dtype == .float64, p.isContiguous else {
                throw GentrainError(.dtype, "optimizer: parameters must be contiguous float32 or float64, got \(p.dtype)")
            }
            for g in paramGroups where g.params.contains(where: { $0 === p }) {
                throw GentrainError(.invalidArgument, "optimizer: some parameters appear in more than one parameter group")
            }
        }
        paramGroups.append(group)
    }

    /// The learning rate of every group.
    public var lr: Double {
        get { paramGroups.first?.lr ?? 0 }
        set { for g in paramGroups { g.lr = newValue } }
    }

    /// Clears the gradients of every parameter: to nil (PyTorch's default) or to zeros.
    public func zeroGrad(setToNone: Bool = true) throws {
        for g in paramGroups {
            for p in g.params {
                if setToNone { p.grad = nil } else { try p.grad?.zero_() }
            }
        }
    }

    /// Updates every parameter that has a gradient.
    public func step() throws {
        try withNoGrad {
            for group in paramGroups {
                for p in group.params {
                    guard let g = p.grad else { continue }
                    guard g.shape == p.shape else {
                        throw GentrainError(.shape, "optimizer: gradient \(shapeString(g.shape)) does not match parameter \(shapeString(p.shape))")
                    }
                    let grad = try g.to(p.dtype).contiguous()
                    try update(p, grad, group)
                }
            }
        }
    }

    /// Updates one parameter in place from its (contiguous, same-dtype) gradient.
    open func update(_ param: Tensor, _ grad: Tensor, _ group: ParamGroup) throws {
        throw GentrainError(.unsupported, "\(type(of: self)) does not implement update")
    }
}

/// Per-parameter optimizer state tensors, created zeroed on first use.
final class StateBuffers {
    private var buffers: [ObjectIdentifier: [Tensor]] = [:]
    var steps: [ObjectIdentifier: Int] = [:]

    func get(_ p: Tensor, count: Int) throws -> [Tensor] {
        if let b = buffers[ObjectIdentifier(p)] { return b }
        let b = try (0..<count).map { _ in try Tensor.zeros(p.shape, dtype: p.dtype) }
        buffers[ObjectIdentifier(p)] = b
        return b
    }
}
