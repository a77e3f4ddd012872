import GentrainCore

/// RMSprop, PyTorch's `optim.RMSprop`: `v ← α·v + (1−α)·g²`; centered: `ḡ ← lerp(ḡ, g, 1−α)`,
/// `avg = √(v − ḡ²) + eps`, else `avg = √v + eps` (eps outside the root); with momentum
/// `b ← μ·b + g/avg`, `θ ← θ − lr·b`, else `θ ← θ − lr·g/avg`.
public final class RMSprop: Optimizer {
    public static let defaultOptions: [String: Double] = [
        "lr": 1e-2, "alpha": 0.99, "eps": 1e-8, "weight_decay": 0, "momentum": 0, "centered": 0, "maximize": 0,
    ]

    public init(_ params: [Tensor], lr: Double = 1e-2, alpha: Double = 0.99, eps: Double = 1e-8, weightDecay: Double = 0,
                momentum: Double = 0, centered: Bool = false, maximize: Bool = false) throws {
        try super.init(params, defaults: RMSprop.defaultOptions, options: [
            "lr": lr, "alpha": alpha, "eps": eps, "weight_decay": weightDecay, "momentum": momentum,
            "centered": centered ? 1 : 0, "maximize": maximize ? 1 : 0,
        ])
    }

    /// An RMSprop over `params` with options by PyTorch's names (others take the defaults).
    public init(_ params: [Tensor], options: [String: Double]) throws {
        try super.init(params, defaults: RMSprop.defaultOptions, options: options)
    }

    public override func validate(_ o: [String: Double]) throws {
        try super.validate(o)
        guard o["eps"]! >= 0 else { throw GentrainError(.invalidArgument, "Invalid epsilon value: \(o["eps"]!)") }
        guard o["momentum"]! >= 0 else { throw GentrainError(.invalidArgument, "Invalid momentum value: \(o["momentum"]!)") }
        guard o["weight_decay"]! >= 0 else { throw GentrainError(.invalidArgument, "Invalid weight_decay value: \(o["weight_decay"]!)") }
        guard o["alpha"]! >= 0 else { throw GentrainError(.invalidArgument, "Invalid alpha value: \(o["alpha"]!)") }
    }

    /// A group's options as RMSprop reads them (made once per change, not looked up by name per parameter).
    private final class Hyper {
        let lr: Double, alpha: Double, eps: Double, weightDecay: Double, momentum: Double, centered: Bool, maximize: Bool
        init(_ g: ParamGroup) {
            (lr, alpha, eps, weightDecay, momentum) = (g.lr, g["alpha"], g["eps"], g["weight_decay"], g["momentum"])
            (centered, maximize) = (g["centered"] != 0, g["maximize"] != 0)
        }
    }

    public override func derive(_ group: ParamGroup) -> AnyObject { Hyper(group) }

    public override func update(_ param: Tensor, _ grad: Tensor, _ state: ParamState, _ group: ParamGroup) throws {
        let h = group.derived(Hyper.init)
        let sq = try state.buffer("square_avg", like: param)
        let buf = h.momentum > 0 ? try state.buffer("momentum_buffer", like: param) : nil
        let gavg = h.centered ? try state.buffer("grad_avg", like: param) : nil
        withElements(param) { T in
            rmspropUpdate(T, param, grad, sq, buf, gavg, lr: h.lr, alpha: h.alpha, eps: h.eps, weightDecay: h.weightDecay,
                          momentum: h.momentum, maximize: h.maximize)
        }
    }
}

private func rmspropUpdate<T: FloatElement>(_: T.Type, _ param: Tensor, _ grad: Tensor, _ sqBuf: Tensor, _ momBuf: Tensor?,
                                            _ avgBuf: Tensor?, lr: Double, alpha: Double, eps: Double, weightDecay: Double,
                                            momentum: Double, maximize: Bool) {
    let p = param.pointer(T.self), g = grad.pointer(T.self), sq = sqBuf.pointer(T.self)
    let (a, c, e, wd, mu, lrT) = (T(alpha), T(1 - alpha), T(eps), T(weightDecay), T(momentum), T(lr))
    let sign: T = maximize ? -1 : 1
    let n = param.numel
    // One branch-free loop per option combination, so that each vectorizes.
    @inline(__always) func run(_ decay: Bool, _ b: UnsafeMutablePointer<T>?, _ ga: UnsafeMutablePointer<T>?, _ lerpLow: Bool,
                               _ range: Range<Int>) {
        for i in range {
            var d = sign * g[i]
            if decay { d += wd * p[i] }
            let s = sq[i] * a + c * d * d
            sq[i] = s
            var avg: T
            if let ga {
                let gi = lerpLow ? ga[i] + c * (d - ga[i]) : d - (d - ga[i]) * (1 - c)
                ga[i] = gi
                avg = (s - gi * gi).squareRoot()
            } else {
                avg = s.squareRoot()
            }
            avg += e
            if let b {
                b[i] = b[i] * mu + d / avg
                p[i] -= lrT * b[i]
            } else {
                p[i] -= lrT * d / avg
            }
        }
    }
    let decay = weightDecay != 0, momentum = momBuf?.pointer(T.self), average = avgBuf?.pointer(T.self), lerpLow = 1 - alpha < 0.5
    parallelFor(n, grain: optimizerGrain) { r in   // elements are independent
        switch (decay, momentum, average, lerpLow) {
        case (false, nil, nil, _): run(false, nil, nil, true, r)
        case (true, nil, nil, _): run(true, nil, nil, true, r)
        case (false, let b?, nil, _): run(false, b, nil, true, r)
        case (true, let b?, nil, _): run(true, b, nil, true, r)
        case (let d, let b, let ga, let low): run(d, b, ga, low, r)
        }
    }
}
