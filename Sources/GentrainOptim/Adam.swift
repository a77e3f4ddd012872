#if canImport(Glibc)
import Glibc
#endif
import CGentrainKernels
import GentrainCore

/// Adam, PyTorch's `optim.Adam`: `g ← ±grad (+ wd·θ)`, `m ← lerp(m, g, 1−β1)`,
/// `v ← β2·v + (1−β2)·g²`, `θ ← θ − lr/(1−β1ᵗ) · m / (√v̂ / √(1−β2ᵗ) + eps)` with `v̂ = v`
/// or its running maximum (amsgrad). With `decoupled_weight_decay` the decay is
/// `θ ← θ·(1 − lr·wd)` before the update instead (AdamW).
public class Adam: Optimizer {
    public static let defaultOptions: [String: Double] = [
        "lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0, "amsgrad": 0, "maximize": 0,
        "decoupled_weight_decay": 0,
    ]

    public init(_ params: [Tensor], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                weightDecay: Double = 0, amsgrad: Bool = false, maximize: Bool = false) throws {
        try super.init(params, defaults: Adam.defaultOptions, options: [
            "lr": lr, "beta1": betas.0, "beta2": betas.1, "eps": eps, "weight_decay": weightDecay,
            "amsgrad": amsgrad ? 1 : 0, "maximize": maximize ? 1 : 0,
        ])
    }

    /// An Adam over `params` with options by PyTorch's names (others take the defaults).
    public init(_ params: [Tensor], options: [String: Double]) throws {
        try super.init(params, defaults: Adam.defaultOptions, options: options)
    }

    override init(_ params: [Tensor], defaults: [String: Double], options: [String: Double]) throws {
        try super.init(params, defaults: defaults, options: options)
    }

    public override func validate(_ o: [String: Double]) throws {
        try super.validate(o)
        guard o["eps"]! >= 0 else { throw GentrainError(.invalidArgument, "Invalid epsilon value: \(o["eps"]!)") }
        guard o["beta1"]! >= 0 && o["beta1"]! < 1 else { throw GentrainError(.invalidArgument, "Invalid beta parameter at index 0: \(o["beta1"]!)") }
        guard o["beta2"]! >= 0 && o["beta2"]! < 1 else { throw GentrainError(.invalidArgument, "Invalid beta parameter at index 1: \(o["beta2"]!)") }
        guard o["weight_decay"]! >= 0 else { throw GentrainError(.invalidArgument, "Invalid weight_decay value: \(o["weight_decay"]!)") }
    }

    /// A group's options as Adam reads them.
    private final class Hyper {
        let lr: Double, beta1: Double, beta2: Double, eps: Double, weightDecay: Double
        let amsgrad: Bool, decoupled: Bool, maximize: Bool
        init(_ g: ParamGroup) {
            (lr, beta1, beta2, eps, weightDecay) = (g.lr, g["beta1"], g["beta2"], g["eps"], g["weight_decay"])
            (amsgrad, decoupled, maximize) = (g["amsgrad"] != 0, g["decoupled_weight_decay"] != 0, g["maximize"] != 0)
        }
    }

    public override func derive(_ group: ParamGroup) -> AnyObject { Hyper(group) }

    public override func update(_ param: Tensor, _ grad: Tensor, _ state: ParamState, _ group: ParamGroup) throws {
        let h = group.derived(Hyper.init)
        let m = try state.buffer("exp_avg", like: param), v = try state.buffer("exp_avg_sq", like: param)
        let vmax = h.amsgrad ? try state.buffer("max_exp_avg_sq", like: param) : nil
        let bc1 = 1 - Glibc.pow(h.beta1, state.step)
        let bc2Sqrt = (1 - Glibc.pow(h.beta2, state.step)).squareRoot()
        withElements(param) { T in
            adamUpdate(T, param, grad, m, v, vmax, lr: h.lr, beta1: h.beta1, beta2: h.beta2, eps: h.eps, weightDecay: h.weightDecay,
                       decoupled: h.decoupled, maximize: h.maximize, bc1: bc1, bc2Sqrt: bc2Sqrt)
        }
    }
}

/// AdamW, PyTorch's `optim.AdamW`: Adam with decoupled weight decay (default 1e-2).
public final class AdamW: Adam {
    public static let defaultOptionsW: [String: Double] = Adam.defaultOptions.merging(
        ["weight_decay": 1e-2, "decoupled_weight_decay": 1]) { _, new in new }

    public override init(_ params: [Tensor], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                         weightDecay: Double = 1e-2, amsgrad: Bool = false, maximize: Bool = false) throws {
        try super.init(params, defaults: AdamW.defaultOptionsW, options: [
            "lr": lr, "beta1": betas.0, "beta2": betas.1, "eps": eps, "weight_decay": weightDecay,
            "amsgrad": amsgrad ? 1 : 0, "maximize": maximize ? 1 : 0,
        ])
    }

    /// An AdamW over `params` with options by PyTorch's names (others take the defaults).
    public override init(_ params: [Tensor], options: [String: Double]) throws {
        try super.init(params, defaults: AdamW.defaultOptionsW, options: options)
    }
}

/// One Adam step over a float32 or float64 parameter, in blocks over the pool (C loops per CPU level).
private func adamUpdate<T: FloatElement>(_: T.Type, _ param: Tensor, _ grad: Tensor, _ mBuf: Tensor, _ vBuf: Tensor,
                                         _ vmaxBuf: Tensor?, lr: Double, beta1: Double, beta2: Double, eps: Double,
                                         weightDecay: Double, decoupled: Bool, maximize: Bool, bc1: Double, bc2Sqrt: Double) {
    let p = param.pointer(T.self), g = grad.pointer(T.self)
    let m = mBuf.pointer(T.self), v = vBuf.pointer(T.self), vmax = vmaxBuf?.pointer(T.self)
    var h = gt_adam_hyper(step_size: lr / bc1, bc2_sqrt: bc2Sqrt, eps: eps, weight: 1 - beta1, beta2: beta2,
                          one_minus_beta2: 1 - beta2, weight_decay: weightDecay,
                          decay: weightDecay != 0 && decoupled ? 1 - lr * weightDecay : 1, sign: maximize ? -1 : 1,
                          coupled: weightDecay != 0 && !decoupled ? 1 : 0, lerp_low: 1 - beta1 < 0.5 ? 1 : 0)
    parallelFor(param.numel, grain: optimizerGrain) { r in   // elements are independent
        let (o, n) = (r.lowerBound, r.count)
        if T.self == Float.self {
            let f = { (x: UnsafeMutablePointer<T>) in UnsafeMutableRawPointer(x + o).assumingMemoryBound(to: Float.self) }
            gt_adam_f32(f(p), f(g), f(m), f(v), vmax.map(f), n, &h, CPU.cLevel)
        } else {
            let f = { (x: UnsafeMutablePointer<T>) in UnsafeMutableRawPointer(x + o).assumingMemoryBound(to: Double.self) }
            gt_adam_f64(f(p), f(g), f(m), f(v), vmax.map(f), n, &h, CPU.cLevel)
        }
    }
}
