import GentrainCore

/// Stochastic gradient descent with momentum, PyTorch's `optim.SGD` and its update:
/// `g ← ±grad + wd·θ`; `b ← μ·b + (1−τ)·g` (b = g on the first step);
/// `g ← g + μ·b` (nesterov) or `g ← b`; `θ ← θ − lr·g`.
public final class SGD: Optimizer {
    public let momentum: Double, dampening: Double, weightDecay: Double, nesterov: Bool, maximize: Bool
    private let state = StateBuffers()

    public init(_ params: [Tensor], lr: Double = 1e-3, momentum: Double = 0, dampening: Double = 0,
                weightDecay: Double = 0, nesterov: Bool = false, maximize: Bool = false) throws {
        guard momentum >= 0 else { throw GentrainError(.invalidArgument, "SGD: invalid momentum value: \(momentum)") }
        guard weightDecay >= 0 else { throw GentrainError(.invalidArgument, "SGD: invalid weight_decay value: \(weightDecay)") }
        guard !nesterov || (momentum > 0 && dampening == 0) else {
            throw GentrainError(.invalidArgument, "SGD: nesterov momentum requires a momentum and zero dampening")
        }
        (self.momentum, self.dampening, self.weightDecay, self.nesterov, self.maximize) =
            (momentum, dampening, weightDecay, nesterov, maximize)
        try super.init(params, lr: lr)
    }

    public override func update(_ param: Tensor, _ grad: Tensor, _ group: ParamGroup) throws {
        let id = ObjectIdentifier(param)
        let first = state.steps[id] == nil
        state.steps[id, default: 0] += 1
        let buf = momentum != 0 ? try state.get(param, count: 1)[0] : nil
        if param.dtype == .float32 { run(param, grad, buf, first, group.lr, Float.self) }
        else { run(param, grad, buf, first, group.lr, Double.self) }
    }

    private func run<T: FloatElement>(_ param: Tensor, _ grad: Tensor, _ buf: Tensor?, _ first: Bool, _ lr: Double, _: T.Type) {
        let p = param.pointer(T.self), g = grad.pointer(T.self)
        let b = buf?.pointer(T.self)
        let (mu, damp, wd, lrT) = (T(momentum), T(1 - dampening), T(weightDecay), T(lr))
        let sign: T = maximize ? -1 : 1
        for i in 0..<param.numel {
            var d = sign * g[i]
            if weightDecay != 0 { d += wd * p[i] }
            if let b {
                b[i] = first ? d : mu * b[i] + damp * d
                d = nesterov ? d + mu * b[i] : b[i]
            }
            p[i] -= lrT * d
        }
    }
}
