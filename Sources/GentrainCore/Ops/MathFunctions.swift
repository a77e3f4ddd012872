/// PyTorch's less common elementwise math: hyperbolic and inverse trigonometric functions, exp2,
/// erfc, erfinv, lgamma, digamma, polygamma, and the binary fmod, hypot, logaddexp, xlogy, each with its gradient (of any
/// order); frac, sgn, deg2rad, rad2deg, sinc and heaviside from other ops. Integer inputs compute
/// in float32, as PyTorch's.
extension Tensor {
    /// The hyperbolic sine (torch.sinh); gradient `g·cosh(x)`.
    public func sinh() throws -> Tensor { try math(.sinh, "SinhBackward") { x, _, g in try g.mul(x.cosh()) } }
    /// The hyperbolic cosine (torch.cosh); gradient `g·sinh(x)`.
    public func cosh() throws -> Tensor { try math(.cosh, "CoshBackward") { x, _, g in try g.mul(x.sinh()) } }
    /// Gradient `g·(1 + y²)`.
    public func tan() throws -> Tensor { try math(.tan, "TanBackward") { _, y, g in try g.mul(y.square().add(1)) } }
    /// Gradient `g / √(1 − x²)`.
    public func asin() throws -> Tensor { try math(.asin, "AsinBackward") { x, _, g in try g.mul(x.square().neg().add(1).rsqrt()) } }
    /// Gradient `−g / √(1 − x²)`.
    public func acos() throws -> Tensor { try math(.acos, "AcosBackward") { x, _, g in try g.mul(x.square().neg().add(1).rsqrt()).neg() } }
    /// Gradient `g / (1 + x²)`.
    public func atan() throws -> Tensor { try math(.atan, "AtanBackward") { x, _, g in try g.div(x.square().add(1)) } }
    /// Gradient `g / √(x² + 1)`.
    public func asinh() throws -> Tensor { try math(.asinh, "AsinhBackward") { x, _, g in try g.mul(x.square().add(1).rsqrt()) } }
    /// Gradient `g / √((x − 1)(x + 1))`.
    public func acosh() throws -> Tensor { try math(.acosh, "AcoshBackward") { x, _, g in try g.mul(x.add(-1).mul(x.add(1)).rsqrt()) } }
    /// Gradient `g / (1 − x²)`.
    public func atanh() throws -> Tensor { try math(.atanh, "AtanhBackward") { x, _, g in try g.div(x.square().neg().add(1)) } }
    /// 2^x; gradient `g·y·ln 2`.
    public func exp2() throws -> Tensor { try math(.exp2, "Exp2Backward") { _, y, g in try g.mul(y).mul(0.69314718055994530942) } }
    /// 1 − erf(x), accurate where erf(x) is near 1; gradient `−2/√π·e^(−x²)·g`.
    public func erfc() throws -> Tensor {
        try math(.erfc, "ErfcBackward") { x, _, g in try g.mul(x.square().neg().exp()).mul(-1.12837916709551257390) }
    }
    /// The inverse of erf on [−1, 1]; gradient `√π/2·e^(y²)·g`.
    public func erfinv() throws -> Tensor {
        try math(.erfinv, "ErfinvBackward") { _, y, g in try g.mul(y.square().exp()).mul(0.88622692545275801365) }
    }

    /// log|Γ(x)| (torch.lgamma); gradient `g·ψ(x)`.
    public func lgamma() throws -> Tensor { try math(.lgamma, "LgammaBackward") { x, _, g in try g.mul(x.digamma()) } }
    /// ψ(x) = Γ'(x)/Γ(x) (torch.digamma); gradient `g·ψ⁽¹⁾(x)`.
    public func digamma() throws -> Tensor { try math(.digamma, "DigammaBackward") { x, _, g in try g.mul(x.polygamma(1)) } }

    /// ψ⁽ⁿ⁾(x), the n-th derivative of digamma, n ≥ 0 (torch.polygamma); gradient `g·ψ⁽ⁿ⁺¹⁾(x)`.
    public func polygamma(_ n: Int) throws -> Tensor {
        guard n >= 0, n <= 100 else { throw GentrainError.argument("polygamma: n must be in 0...100, got \(n)") }
        if n == 0 { return try digamma() }
        return try math(.polygamma(n), "PolygammaBackward") { x, _, g in try g.mul(x.polygamma(n + 1)) }
    }

    /// `f` of every element, recorded with `backward(x, y, g)` (x the input, y the output, both
    /// differentiable in turn).
    private func math(_ f: MathFunction, _ name: String,
                      _ backward: @escaping (Tensor, Tensor, Tensor) throws -> Tensor) throws -> Tensor {
        let x = self
        let out = try unaryRaw(x, .math(f), String(name.dropLast("Backward".count)).lowercased())
        return try recordWithOutput(out, name, x) { _, g, y in Grads(try backward(x, y, g)) }
    }

    /// `fmod(self, other)`, the remainder with the dividend's sign (torch.fmod): integers exactly
    /// (a zero divisor is an error); gradients g and `−g·trunc(self / other)`.
    public func fmod(_ other: Tensor) throws -> Tensor {
        let out = try binaryRaw(self, other, .fmod, "fmod")
        let (a, b) = (self, other)
        return try record(out, "FmodBackward", a, b) { node, g in
            Grads(node.needsInputGrad(0) ? g : nil,
                  node.needsInputGrad(1) ? try g.neg().mul(withNoGrad { try a.div(b).trunc() }) : nil)
        }
    }

    /// √(self² + other²) without overflow (torch.hypot); gradients `g·self / y`, `g·other / y`.
    public func hypot(_ other: Tensor) throws -> Tensor {
        let out = try binaryRaw(self, other, .hypot, "hypot")
        let (a, b) = (self, other)
        return try record(out, "HypotBackward", a, b) { node, g in
            let y = try a.hypot(b)
            return Grads(node.needsInputGrad(0) ? try g.mul(a).div(y) : nil, node.needsInputGrad(1) ? try g.mul(b).div(y) : nil)
        }
    }

    /// log(e^self + e^other), computed stably (torch.logaddexp); gradients `g·σ(self − other)` and
    /// `g·σ(other − self)`.
    public func logaddexp(_ other: Tensor) throws -> Tensor {
        let out = try binaryRaw(self, other, .logaddexp, "logaddexp")
        let (a, b) = (self, other)
        return try record(out, "LogaddexpBackward", a, b) { node, g in
            Grads(node.needsInputGrad(0) ? try g.mul(a.sub(b).sigmoid()) : nil,
                  node.needsInputGrad(1) ? try g.mul(b.sub(a).sigmoid()) : nil)
        }
    }

    /// self·log(other), 0 where self is 0 and other is not NaN (torch.xlogy); gradients
    /// `g·log(other)` where self ≠ 0 (else 0) and `g·self / other`.
    public func xlogy(_ other: Tensor) throws -> Tensor {
        let out = try binaryRaw(self, other, .xlogy, "xlogy")
        let (a, b) = (self, other)
        return try record(out, "XlogyBackward", a, b) { node, g in
            Grads(node.needsInputGrad(0) ? try g.mul(withNoGrad { try a.ne(0) }.to(g.dtype).xlogy(b)) : nil,
                  node.needsInputGrad(1) ? try g.mul(a).div(b) : nil)
        }
    }

    /// x − trunc(x), with x's sign (torch.frac); gradient g.
    public func frac() throws -> Tensor {
        guard dtype.isFloatingPoint else { throw GentrainError.dtype("frac: expected a floating point tensor, got \(dtype)") }
        return try sub(trunc())
    }

    /// The sign of a real tensor (torch.sgn, sign for complex numbers elsewhere).
    public func sgn() throws -> Tensor { try sign() }

    /// Degrees in radians (torch.deg2rad).
    public func deg2rad() throws -> Tensor { try floating().mul(0.017453292519943295769) }
    /// Radians in degrees (torch.rad2deg).
    public func rad2deg() throws -> Tensor { try floating().mul(57.295779513082320877) }

    /// sin(πx) / (πx), 1 at 0 (torch.sinc); its gradient is 0 at 0, and so is its second-order term
    /// there (PyTorch's double backward gives NaN at 0).
    public func sinc() throws -> Tensor {
        let x = try floating(), zero = try withNoGrad { try x.eq(0) }
        let px = try Tensor.where(zero, Tensor.scalar(1, dtype: x.dtype), x).mul(Double.pi)
        return try Tensor.where(zero, Tensor.scalar(1, dtype: x.dtype), px.sin().div(px))
    }

    /// 0 where x < 0, `values` where x is 0, 1 where x > 0, broadcasting, in the promoted dtype
    /// (torch.heaviside); no gradient, as PyTorch's.
    public func heaviside(_ values: Tensor) throws -> Tensor {
        guard values.dtype == dtype else {
            throw GentrainError.dtype("heaviside: input and values must have the same dtype, got \(dtype) and \(values.dtype)")
        }
        return try withNoGrad { try Tensor.where(eq(0), values, gt(0).to(dtype)) }
    }

    /// This tensor, or its float32 conversion when it holds integers or bools (PyTorch's promotion for
    /// floating-point functions).
    private func floating() throws -> Tensor { dtype.isFloatingPoint ? self : try to(.float32) }
}
