/// Differentiable unary math and activations. Each backward is written with differentiable
/// ops, using the saved output where that is cheaper (exp, sqrt, tanh, sigmoid).
extension Tensor {
    public func exp() throws -> Tensor {
        try recordWithOutput(try unaryRaw(self, .exp, "exp"), "ExpBackward", self) { _, g, y in Grads(try g.mul(y)) }
    }

    public func log() throws -> Tensor {
        let x = self
        return try record(try unaryRaw(x, .log, "log"), "LogBackward", x) { _, g in Grads(try g.div(x)) }
    }

    public func log1p() throws -> Tensor {
        let x = self
        return try record(try unaryRaw(x, .log1p, "log1p"), "Log1pBackward", x) { _, g in Grads(try g.div(x.add(1))) }
    }

    /// The base-2 logarithm (torch.log2); gradient `g / (x ln 2)`.
    public func log2() throws -> Tensor {
        let x = self
        return try record(try unaryRaw(x, .log2, "log2"), "Log2Backward", x) { _, g in Grads(try g.div(x.mul(0.69314718055994530942))) }
    }

    /// The base-10 logarithm (torch.log10); gradient `g / (x ln 10)`.
    public func log10() throws -> Tensor {
        let x = self
        return try record(try unaryRaw(x, .log10, "log10"), "Log10Backward", x) { _, g in Grads(try g.div(x.mul(2.30258509299404568402))) }
    }

    public func expm1() throws -> Tensor {
        try recordWithOutput(try unaryRaw(self, .expm1, "expm1"), "Expm1Backward", self) { _, g, y in Grads(try g.mul(y.add(1))) }
    }

    public func sqrt() throws -> Tensor {
        try recordWithOutput(try unaryRaw(self, .sqrt, "sqrt"), "SqrtBackward", self) { _, g, y in Grads(try g.div(y.mul(2))) }
    }

    /// `1 / sqrt(x)`; gradient `-y³ / 2`.
    public func rsqrt() throws -> Tensor {
        try recordWithOutput(try unaryRaw(self, .rsqrt, "rsqrt"), "RsqrtBackward", self) { _, g, y in
            Grads(try g.mul(y.pow(3)).mul(-0.5))
        }
    }

    public func reciprocal() throws -> Tensor {
        try recordWithOutput(try unaryRaw(self, .reciprocal, "reciprocal"), "ReciprocalBackward", self) { _, g, y in
            Grads(try g.mul(y.mul(y)).neg())
        }
    }

    public func square() throws -> Tensor { try pow(2) }

    /// |x|; gradient `sign(x)` (0 at 0).
    public func abs() throws -> Tensor {
        let x = self
        return try record(try unaryRaw(x, .abs, "abs"), "AbsBackward", x) { _, g in Grads(try g.mul(x.sign())) }
    }

    /// Rounded down, up, to the nearest integer (ties to even) or toward zero, in the input's dtype
    /// (integers unchanged); their gradient is zero, as PyTorch's.
    public func floor() throws -> Tensor { try rounding(.floor, "floor", "FloorBackward") }
    public func ceil() throws -> Tensor { try rounding(.ceil, "ceil", "CeilBackward") }
    public func round() throws -> Tensor { try rounding(.round, "round", "RoundBackward") }
    public func trunc() throws -> Tensor { try rounding(.trunc, "trunc", "TruncBackward") }

    private func rounding(_ op: UnaryOp, _ name: String, _ backward: String) throws -> Tensor {
        let x = self
        return try record(try unaryRaw(x, op, name), backward, x, saves: false) { _, g in Grads(try g.mul(0)) }
    }

    /// -1, 0 or 1; no gradient (its derivative is zero almost everywhere).
    public func sign() throws -> Tensor {
        let x = self
        return try record(try unaryRaw(x, .sign, "sign"), "SignBackward", x) { _, g in Grads(try g.mul(0)) }
    }

    public func sin() throws -> Tensor {
        let x = self
        return try record(try unaryRaw(x, .sin, "sin"), "SinBackward", x) { _, g in Grads(try g.mul(x.cos())) }
    }

    public func cos() throws -> Tensor {
        let x = self
        return try record(try unaryRaw(x, .cos, "cos"), "CosBackward", x) { _, g in Grads(try g.mul(x.sin()).neg()) }
    }

    /// Error function; gradient `2/√π · exp(-x²)`.
    public func erf() throws -> Tensor {
        let x = self
        return try record(try unaryRaw(x, .erf, "erf"), "ErfBackward", x) { _, g in
            Grads(try g.mul(x.square().neg().exp()).mul(1.12837916709551257390))
        }
    }

    /// Gradient `g·(1 − y²)` from the output y (`fusedGradient`).
    public func tanh() throws -> Tensor {
        try recordWithOutput(try unaryRaw(self, .tanh, "tanh"), "TanhBackward", self) { _, g, y in
            Grads(try fusedGradient(g, y, .tanhBackward, "tanh_backward") { try y.square().neg().add(1) })
        }
    }

    /// Gradient `g·y·(1 − y)` from the output y (`fusedGradient`).
    public func sigmoid() throws -> Tensor {
        try recordWithOutput(try unaryRaw(self, .sigmoid, "sigmoid"), "SigmoidBackward", self) { _, g, y in
            Grads(try fusedGradient(g, y, .sigmoidBackward, "sigmoid_backward") { try y.mul(y.neg().add(1)) })
        }
    }

    /// max(x, 0); gradient 1 where x > 0.
    public func relu() throws -> Tensor {
        let x = self
        return try record(try unaryRaw(x, .relu, "relu"), "ReluBackward", x) { _, g in
            Grads(try piecewiseLinearGradient(g, x, slope: 0, .relu))
        }
    }

    /// x where x > 0, else `negativeSlope · x` (PyTorch's default slope 0.01).
    public func leakyRelu(negativeSlope: Double = 0.01) throws -> Tensor {
        let x = self
        return try record(try unaryRaw(x, .leakyRelu(slope: negativeSlope), "leaky_relu"), "LeakyReluBackward", x) { _, g in
            Grads(try piecewiseLinearGradient(g, x, slope: negativeSlope, .leakyRelu))
        }
    }

    /// x · sigmoid(x) (SiLU, "swish"); gradient σ(x)·(1 + x·(1 − σ(x))) (`fusedGradient`).
    public func silu() throws -> Tensor {
        let x = self
        return try record(try unaryRaw(x, .silu, "silu"), "SiluBackward", x) { _, g in
            Grads(try fusedGradient(g, x, .siluBackward, "silu_backward") {
                let s = try x.sigmoid()
                return try s.mul(x.mul(s.neg().add(1)).add(1))
            })
        }
    }

    /// x where x > 0, else `alpha · (exp(x) − 1)` (ELU), composed so that gradients of any order exist.
    public func elu(alpha: Double = 1) throws -> Tensor {
        try Tensor.where(gt(0), self, expm1().mul(alpha))
    }

    /// GELU, exact (`x·Φ(x)`) or with the tanh approximation.
    public func gelu(approximate: GELUApproximation = .none) throws -> Tensor {
        let x = self
        switch approximate {
        case .none:
            return try record(try unaryRaw(x, .gelu, "gelu"), "GeluBackward", x) { _, g in
                // d/dx x·Φ(x) = Φ(x) + x·φ(x)
                Grads(try fusedGradient(g, x, .geluBackward, "gelu_backward") {
                    let cdf = try x.mul(0.70710678118654752440).erf().add(1).mul(0.5)
                    let pdf = try x.square().mul(-0.5).exp().mul(0.39894228040143267794)
                    return try cdf.add(x.mul(pdf))
                })
            }
        case .tanh:
            return try record(try unaryRaw(x, .geluTanh, "gelu"), "GeluBackward", x) { _, g in
                Grads(try fusedGradient(g, x, .geluTanhBackward, "gelu_backward") {
                    // y = x/2 (1 + tanh(u)), u = k (x + c x³)
                    let k = 0.79788456080286535588, c = 0.044715
                    let t = try x.pow(3).mul(c).add(x).mul(k).tanh()
                    let du = try x.square().mul(3 * c).add(1).mul(k)
                    return try t.add(1).mul(0.5).add(x.mul(0.5).mul(t.square().neg().add(1)).mul(du))
                })
            }
        }
    }

    /// `log(1 + exp(β x)) / β`, or x where `β x > threshold` (PyTorch's defaults β 1, threshold 20).
    public func softplus(beta: Double = 1, threshold: Double = 20) throws -> Tensor {
        let x = self
        return try record(try unaryRaw(x, .softplus(beta: beta, threshold: threshold), "softplus"), "SoftplusBackward", x) { _, g in
            let bx = try x.mul(beta)
            let s = try Tensor.where(bx.gt(threshold), Tensor.scalar(1, dtype: g.dtype), bx.sigmoid())
            return Grads(try g.mul(s))
        }
    }

    /// `x / (1 + |x|)`; gradient `1 / (1 + |x|)²`, in differentiable ops (every order exists).
    public func softsign() throws -> Tensor {
        let x = self
        return try record(try unaryRaw(x, .softsign, "softsign"), "SoftsignBackward", x) { _, g in
            Grads(try g.div(x.abs().add(1).square()))
        }
    }

    /// Limits every element to `[min, max]` (either bound optional); gradient 1 inside.
    public func clamp(min lo: Double? = nil, max hi: Double? = nil) throws -> Tensor {
        let l = lo ?? -Double.infinity, h = hi ?? Double.infinity
        // Integers stay integers with integral bounds (or none); another bound promotes them to
        // float32, as PyTorch's result type for a float scalar.
        if !dtype.isFloatingPoint && ![l, h].allSatisfy({ $0.isInfinite || $0 == $0.rounded() }) {
            return try to(.float32).clamp(min: lo, max: hi)
        }
        let x = self
        return try record(try unaryRaw(x, .clamp(min: l, max: h), "clamp"), "ClampBackward", x) { _, g in
            Grads(try g.mul(unaryRaw(x, .insideMask(min: l, max: h), "clamp")))
        }
    }
}

/// The gradient `g · f'` of an op whose derivative has a fused kernel: for first-order gradients
/// one pass of the `fused` kernel over `g` and `v` (the op's input or output, as the kernel
/// takes it); under `create_graph` the same derivative `composed` of differentiable ops, times
/// `g`, so that every higher order exists. The kernel and `composed` state one formula twice;
/// `FusedGradientTests` checks that they agree.
func fusedGradient(_ g: Tensor, _ v: Tensor, _ fused: BinaryOp, _ name: String,
                   composed derivative: () throws -> Tensor) throws -> Tensor {
    GradMode.isEnabled ? try g.mul(derivative()) : try binaryRaw(g, v, fused, name)
}

/// `g · slope(x)`, the first-order gradient of a piecewise-linear op (relu, leaky_relu), as an
/// op of both `g` and `x` (PyTorch's `threshold_backward`): under create_graph `x` stays in the
/// graph with a zero derivative, so `grad(penalty, x)` of a critic made of ReLUs gives zeros
/// rather than calling `x` unused. That zero is a known zero: the engine does not run the
/// forward graph's backward functions on it (a gradient penalty's pass skips the critic's
/// forward products). Without create_graph, one pass over g and x.
/// The names a piecewise linear activation's gradient goes by (made once, not at every backward).
private struct PiecewiseLinearNames {
    let op: String, backward: String, doubleBackward: String
    static let relu = PiecewiseLinearNames(op: "relu", backward: "relu_backward", doubleBackward: "ThresholdBackwardBackward")
    static let leakyRelu = PiecewiseLinearNames(op: "leaky_relu", backward: "leaky_relu_backward",
                                                doubleBackward: "LeakyReluBackwardBackward")
}

private func piecewiseLinearGradient(_ g: Tensor, _ x: Tensor, slope: Double, _ names: PiecewiseLinearNames) throws -> Tensor {
    if !GradMode.isEnabled { return try binaryRaw(g, x, .thresholdBackward(slope: slope), names.backward) }
    let s = try unaryRaw(x, slope == 0 ? .positiveMask : .leakyMask(slope: slope), names.op)
    let out = try withNoGrad { try g.mul(s) }
    return try record(out, names.doubleBackward, g, x) { node, gg in
        Grads(node.needsInputGrad(0) ? try gg.mul(s) : nil, node.needsInputGrad(1) ? try Tensor.knownZero(x.shape, dtype: x.dtype) : nil)
    }
}

/// GELU's formula (PyTorch's `approximate`): exact, or the tanh approximation.
public enum GELUApproximation: Int32, CaseIterable, Sendable {
    case none = 0, tanh = 1
}
