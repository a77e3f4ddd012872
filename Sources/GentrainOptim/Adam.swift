#if canImport(Glibc)
import Glibc
#endif
import GentrainCore

/// Adam, PyTorch's `optim.Adam` (L2 weight decay added to the gradient) and its update:
/// `m ← m + (1−β1)(g − m)`, `v ← β2·v + (1−β2)·g²`,
/// `θ ← θ − lr/(1−β1ᵗ) · m / (√v̂ / √(1−β2ᵗ) + eps)` with `v̂ = v`, or its running maximum (amsgrad).
public final class Adam: Optimizer {
    public let beta1: Double, beta2: Double, eps: Double, weightDecay: Double, amsgrad: Bool, maximize: Bool
    private let state = StateBuffers()

    public init(_ params: [Tensor], lr: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
                weightDecay: Double = 0, amsgrad: Bool = false, maximize: Bool = false) throws {
        guard eps >= 0 else { throw GentrainError(.invalidArgument, "Adam: invalid epsilon value: \(eps)") }
        guard betas.0 >= 0 && betas.0 < 1 else { throw GentrainError(.invalidArgument, "Adam: invalid beta parameter at index 0: \(betas.0)") }
        guard betas.1 >= 0 && betas.1 < 1 else { throw GentrainError(.invalidArgument, "Adam: invalid beta parameter at index 1: \(betas.1)") }
        guard weightDecay >= 0 else { throw GentrainError(.invalidArgument, "Adam: invalid weight_decay value: \(weightDecay)") }
        (beta1, beta2, self.eps, self.weightDecay, self.amsgrad, self.maximize) = (betas.0, betas.1, eps, weightDecay, amsgrad, maximize)
        try super.init(params, lr: lr)
    }

    public override func update(_ param: Tensor, _ grad: Tensor, _ group: ParamGroup) throws {
        let id = ObjectIdentifier(param)
        let step = state.steps[id, default: 0] + 1
        state.steps[id] = step
        let buffers = try state.get(param, count: amsgrad ? 3 : 2)
        if param.dtype == .float32 { run(param, grad, buffers, step, group.lr, Float.self) }
        else { run(param, grad, buffers, step, group.lr, Double.self) }
    }

    private func run<T: FloatElement>(_ param: Tensor, _ grad: Tensor, _ buffers: [Tensor], _ step: Int, _ lr: Double, _: T.Type) {
        let p = param.pointer(T.self), g = grad.pointer(T.self)
        let m = buffers[0].pointer(T.self), v = buffers[1].pointer(T.self)
        let vmax = amsgrad ? buffers[2].pointer(T.self) : nil
        let bc1 = 1 - Glibc.pow(beta1, Double(step))
        let bc2Sqrt = (1 - Glibc.pow(beta2, Double(step))).squareRoot()
        let stepSize = T(lr / bc1), bc2SqrtT = T(bc2Sqrt)
        let (w1, b2, c2, e, wd) = (T(1 - beta1), T(beta2), T(1 - beta2), T(eps), T(weightDecay))
        let sign: T = maximize ? -1 : 1
        for i in 0..<param.numel {
            var d = sign * g[i]
            if weightDecay != 0 { d += wd * p[i] }
            m[i] += w1 * (d - m[i])
            v[i] = v[i] * b2 + c2 * d * d
            var vi = v[i]
            if let vmax {
                vmax[i] = Swift.max(vmax[i], vi)
                vi = vmax[i]
            }
            p[i] -= stepSize * m[i] / (vi.squareRoot() / bc2SqrtT + e)
        }
    }
}
