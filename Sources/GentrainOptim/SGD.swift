import GentrainCore

/// Stochastic gradient descent, PyTorch's `optim.SGD`:
/// `g ← ±grad + wd·θ`; with momentum `b ← μ·b + (1−τ)·g` (`b = g` on the first step) and
/// `g ← g + μ·b` (nesterov) or `g ← b`; then `θ ← θ − lr·g`.
public final class SGD: Optimizer {
    public static let defaultOptions: [String: Double] = [
        "lr": 1e-3, "momentum": 0, "dampening": 0, "weight_decay": 0, "nesterov": 0, "maximize": 0,
    ]

    public init(_ params: [Tensor], lr: Double = 1e-3, momentum: Double = 0, dampening: Double = 0,
                weightDecay: Double = 0, nesterov: Bool = false, maximize: Bool = false) throws {
        try super.init(params, defaults: SGD.defaultOptions, options: [
            "lr": lr, "momentum": momentum, "dampening": dampening, "weight_decay": weightDecay,
            "nesterov": nesterov ? 1 : 0, "maximize": maximize ? 1 : 0,
        ])
    }

    /// An SGD over `params` with options by PyTorch's names (others take the defaults).
    public init(_ params: [Tensor], options: [String: Double]) throws {
        try super.init(params, defaults: SGD.defaultOptions, options: options)
    }

    public override func validate(_ o: [String: Double]) throws {
        try super.validate(o)
        guard o["momentum"]! >= 0 else { throw GentrainError(.invalidArgument, "Invalid momentum value: \(o["momentum"]!)") }
        guard o["weight_decay"]! >= 0 else { throw GentrainError(.invalidArgument, "Invalid weight_decay value: \(o["weight_decay"]!)") }
        if o["nesterov"]! != 0 && (o["momentum"]! <= 0 || o["dampening"]! != 0) {
            throw GentrainError(.invalidArgument, "Nesterov momentum requires a momentum and zero dampening")
        }
    }

    /// A group's options as SGD reads them (made once per change, not looked up by name per parameter).
    private final class Hyper {
        let lr: Double, momentum: Double, dampening: Double, weightDecay: Double, nesterov: Bool, maximize: Bool
        init(_ g: ParamGroup) {
            (lr, momentum, dampening, weightDecay) = (g.lr, g["momentum"], g["dampening"], g["weight_decay"])
            (nesterov, maximize) = (g["nesterov"] != 0, g["maximize"] != 0)
        }
    }

    public override func derive(_ group: ParamGroup) -> AnyObject { Hyper(group) }

    public override func update(_ param: Tensor, _ grad: Tensor, _ state: ParamState, _ group: ParamGroup) throws {
        let h = group.derived(Hyper.init)
        let first = state.existingBuffer("momentum_buffer") == nil
        let buf = h.momentum != 0 ? try state.buffer("momentum_buffer", like: param) : nil
        withElements(param) { T in
            sgdUpdate(T, param, grad, buf, first: first, lr: h.lr, momentum: h.momentum, dampening: h.dampening,
                      weightDecay: h.weightDecay, nesterov: h.nesterov, maximize: h.maximize)
        }
    }
}

private func sgdUpdate<T: FloatElement>(_: T.Type, _ param: Tensor, _ grad: Tensor, _ buf: Tensor?, first: Bool,
                                        lr: Double, momentum: Double, dampening: Double, weightDecay: Double,
                                        nesterov: Bool, maximize: Bool) {
    let p = param.pointer(T.self), g = grad.pointer(T.self)
    let (mu, damp, wd, lrT) = (T(momentum), T(1 - dampening), T(weightDecay), T(lr))
    let sign: T = maximize ? -1 : 1
    let n = param.numel
    // One branch-free loop per option combination, so that each vectorizes.
    @inline(__always) func run(_ decay: Bool, _ b: UnsafeMutablePointer<T>?, _ first: Bool, _ nesterov: Bool, _ range: Range<Int>) {
        for i in range {
            var d = sign * g[i]
            if decay { d += wd * p[i] }
            if let b {
                b[i] = first ? d : mu * b[i] + damp * d
                d = nesterov ? d + mu * b[i] : b[i]
            }
            p[i] -= lrT * d
        }
    }
    let decay = weightDecay != 0, momentum = buf?.pointer(T.self)
    parallelFor(n, grain: optimizerGrain) { r in   // elements are independent
        switch (decay, momentum, first, nesterov) {
        case (false, nil, _, _): run(false, nil, false, false, r)
        case (true, nil, _, _): run(true, nil, false, false, r)
        case (false, let b?, false, false): run(false, b, false, false, r)
        case (true, let b?, false, false): run(true, b, false, false, r)
        case (false, let b?, false, true): run(false, b, false, true, r)
        case (true, let b?, false, true): run(true, b, false, true, r)
        case (let d, let b?, true, let nv): run(d, b, true, nv, r)
        }
    }
}
