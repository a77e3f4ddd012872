import GentrainCore

/// Adagrad, PyTorch's `optim.Adagrad`: `clr = lr / (1 + (t−1)·lr_decay)`,
/// `s ← s + g²` (from `initial_accumulator_value`), `θ ← θ − clr · g / (√s + eps)`.
public final class Adagrad: Optimizer {
    public static let defaultOptions: [String: Double] = [
        "lr": 1e-2, "lr_decay": 0, "weight_decay": 0, "initial_accumulator_value": 0, "eps": 1e-10, "maximize": 0,
    ]

    public init(_ params: [Tensor], lr: Double = 1e-2, lrDecay: Double = 0, weightDecay: Double = 0,
                initialAccumulatorValue: Double = 0, eps: Double = 1e-10, maximize: Bool = false) throws {
        try super.init(params, defaults: Adagrad.defaultOptions, options: [
            "lr": lr, "lr_decay": lrDecay, "weight_decay": weightDecay,
            "initial_accumulator_value": initialAccumulatorValue, "eps": eps, "maximize": maximize ? 1 : 0,
        ])
    }

    /// An Adagrad over `params` with options by PyTorch's names (others take the defaults).
    public init(_ params: [Tensor], options: [String: Double]) throws {
        try super.init(params, defaults: Adagrad.defaultOptions, options: options)
    }

    public override func validate(_ o: [String: Double]) throws {
        try super.validate(o)
        guard o["lr_decay"]! >= 0 else { throw GentrainError(.invalidArgument, "Invalid lr_decay value: \(o["lr_decay"]!)") }
        guard o["weight_decay"]! >= 0 else { throw GentrainError(.invalidArgument, "Invalid weight_decay value: \(o["weight_decay"]!)") }
        guard o["initial_accumulator_value"]! >= 0 else {
            throw GentrainError(.invalidArgument, "Invalid initial_accumulator_value value: \(o["initial_accumulator_value"]!)")
        }
        guard o["eps"]! >= 0 else { throw GentrainError(.invalidArgument, "Invalid epsilon value: \(o["eps"]!)") }
    }

    /// A group's options as Adagrad reads them (made once per change, not looked up by name per parameter).
    private final class Hyper {
        let lr: Double, lrDecay: Double, weightDecay: Double, initialAccumulatorValue: Double, eps: Double, maximize: Bool
        init(_ g: ParamGroup) {
            (lr, lrDecay, weightDecay) = (g.lr, g["lr_decay"], g["weight_decay"])
            (initialAccumulatorValue, eps, maximize) = (g["initial_accumulator_value"], g["eps"], g["maximize"] != 0)
        }
    }

    public override func derive(_ group: ParamGroup) -> AnyObject { Hyper(group) }

    public override func update(_ param: Tensor, _ grad: Tensor, _ state: ParamState, _ group: ParamGroup) throws {
        let h = group.derived(Hyper.init)
        let sum = try state.buffer("sum", like: param, initial: h.initialAccumulatorValue)
        let clr = h.lr / (1 + (state.step - 1) * h.lrDecay)
        withElements(param) { T in
            adagradUpdate(T, param, grad, sum, clr: clr, eps: h.eps, weightDecay: h.weightDecay, maximize: h.maximize)
        }
    }
}

private func adagradUpdate<T: FloatElement>(_: T.Type, _ param: Tensor, _ grad: Tensor, _ sumBuf: Tensor, clr: Double,
                                            eps: Double, weightDecay: Double, maximize: Bool) {
    let p = param.pointer(T.self), g = grad.pointer(T.self), s = sumBuf.pointer(T.self)
    let (c, e, wd) = (T(clr), T(eps), T(weightDecay))
    let sign: T = maximize ? -1 : 1
    let n = param.numel
    // One branch-free loop per option combination, so that each vectorizes.
    @inline(__always) func run(_ decay: Bool, _ range: Range<Int>) {
        for i in range {
            var d = sign * g[i]
            if decay { d += wd * p[i] }
            let si = s[i] + d * d
            s[i] = si
            p[i] -= c * d / (si.squareRoot() + e)
        }
    }
    let decay = weightDecay != 0
    parallelFor(n, grain: optimizerGrain) { r in   // elements are independent
        if decay { run(true, r) } else { run(false, r) }
    }
}
