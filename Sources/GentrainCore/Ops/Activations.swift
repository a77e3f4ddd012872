/// The rest of PyTorch's activation functions (F.hardtanh, relu6, hardsigmoid, hardswish, mish,
/// selu, celu, prelu, glu, logsigmoid, softmin, threshold, tanhshrink, softshrink, hardshrink),
/// composed of differentiable ops so that gradients of any order exist.
extension Tensor {
    /// x limited to [minVal, maxVal] (F.hardtanh, PyTorch's defaults −1 and 1).
    public func hardtanh(minVal: Double = -1, maxVal: Double = 1) throws -> Tensor {
        guard minVal <= maxVal else { throw GentrainError.argument("hardtanh: min_val cannot be greater than max_val") }
        return try clamp(min: minVal, max: maxVal)
    }

    /// min(max(x, 0), 6) (F.relu6).
    public func relu6() throws -> Tensor { try hardtanh(minVal: 0, maxVal: 6) }

    /// relu6(x + 3) / 6 (F.hardsigmoid).
    public func hardsigmoid() throws -> Tensor { try add(3).relu6().div(6) }

    /// x · relu6(x + 3) / 6 (F.hardswish).
    public func hardswish() throws -> Tensor { try mul(hardsigmoid()) }

    /// x · tanh(softplus(x)) (F.mish).
    public func mish() throws -> Tensor { try mul(softplus().tanh()) }

    /// scale · elu(x, α) with SELU's self-normalizing constants (F.selu).
    public func selu() throws -> Tensor {
        try elu(alpha: 1.6732632423543772848170429916717).mul(1.0507009873554804934193349852946)
    }

    /// x where x > 0, else α · (exp(x / α) − 1) (F.celu); α ≠ 0.
    public func celu(alpha: Double = 1) throws -> Tensor {
        guard alpha != 0 else { throw GentrainError.argument("celu: ZeroDivisionError (alpha is 0)") }
        return try div(alpha).elu().mul(alpha)
    }

    /// x where x ≥ 0, else weight · x (F.prelu): `weight` holds one slope, or one per channel (dim 1
    /// of an input of at least 2 dims).
    public func prelu(_ weight: Tensor) throws -> Tensor {
        guard weight.ndim <= 1 else { throw GentrainError.shape("prelu: weight must be 0-D or 1-D, got \(weight.ndim)-D") }
        let channels = ndim >= 2 ? shape[1] : 1
        guard weight.numel == 1 || weight.numel == channels else {
            throw GentrainError.shape("prelu: mismatch in parameter count: the weight has \(weight.numel) elements, the input \(channels) channels")
        }
        var slopeShape = [Int](repeating: 1, count: Swift.max(ndim, 1))
        if weight.numel > 1 { slopeShape[1] = channels }
        let slope = try weight.reshape(ndim == 0 ? [] : slopeShape)
        return try relu().sub(neg().relu().mul(slope))
    }

    /// a · sigmoid(b) for the two halves a, b of x along `dim` (F.glu); that size must be even.
    public func glu(dim d: Int = -1) throws -> Tensor {
        let axis = try sizedDim(d, "glu")
        guard shape[axis] % 2 == 0 else {
            throw GentrainError.shape("glu: halving dimension must be even, but dimension \(axis) is size \(shape[axis])")
        }
        let half = shape[axis] / 2
        return try narrow(axis, start: 0, length: half).mul(narrow(axis, start: half, length: half).sigmoid())
    }

    /// log(sigmoid(x)), computed stably as −softplus(−x) (F.logsigmoid).
    public func logsigmoid() throws -> Tensor { try neg().softplus().neg() }

    /// softmax(−x) along `dim` (F.softmin).
    public func softmin(dim d: Int) throws -> Tensor { try neg().softmax(dim: d) }

    /// x where x > threshold, else `value` (F.threshold).
    public func threshold(_ threshold: Double, value: Double) throws -> Tensor {
        try Tensor.where(withNoGrad { try gt(Tensor.scalar(threshold, dtype: dtype)) }, self, Tensor.scalar(value, dtype: dtype))
    }

    /// x − tanh(x) (F.tanhshrink).
    public func tanhshrink() throws -> Tensor { try sub(tanh()) }

    /// x − λ above λ, x + λ below −λ, else 0 (F.softshrink); λ ≥ 0.
    public func softshrink(lambd: Double = 0.5) throws -> Tensor {
        guard lambd >= 0 else { throw GentrainError.argument("softshrink: lambda must be greater or equal to 0, but found to be \(lambd)") }
        return try sub(clamp(min: -lambd, max: lambd))
    }

    /// x where |x| > λ, else 0 (F.hardshrink).
    public func hardshrink(lambd: Double = 0.5) throws -> Tensor {
        try Tensor.where(withNoGrad { try abs().gt(Tensor.scalar(lambd, dtype: dtype)) }, self, Tensor.scalar(0, dtype: dtype))
    }
}
