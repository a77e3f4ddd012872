/// Finding and replacing NaN and infinities: PyTorch's `isnan`, `isinf`, `isfinite` (bool
/// tensors, no gradient) and `nan_to_num` (gradient 1 where the value is kept, 0 where replaced).
extension Tensor {
    /// True where the element is NaN.
    public func isnan() throws -> Tensor { try ne(self) }

    /// True where the element is +inf or -inf.
    public func isinf() throws -> Tensor {
        guard dtype.isFloatingPoint else { return try Tensor.zeros(shape, dtype: .bool) }
        return try withNoGrad { try abs().eq(Double.infinity) }
    }

    /// True where the element is neither NaN nor infinite (`x - x` is 0 exactly there).
    public func isfinite() throws -> Tensor {
        guard dtype.isFloatingPoint else { return try Tensor.ones(shape, dtype: .bool) }
        return try withNoGrad { try sub(self).eq(0) }
    }

    /// NaN replaced by `nan`, +inf by `posinf` and -inf by `neginf`; the infinities default to
    /// the dtype's largest finite values, as in PyTorch. Integer tensors come back unchanged.
    public func nanToNum(nan: Double = 0, posinf: Double? = nil, neginf: Double? = nil) throws -> Tensor {
        guard dtype.isFloatingPoint else { return self }
        let largest = dtype.largestFinite
        let (isNaN, isPos, isNeg) = try withNoGrad { (try isnan(), try eq(Double.infinity), try eq(-Double.infinity)) }
        return try Tensor.where(isNaN, Tensor.scalar(nan, dtype: dtype),
                                Tensor.where(isPos, Tensor.scalar(posinf ?? largest, dtype: dtype),
                                             Tensor.where(isNeg, Tensor.scalar(neginf ?? -largest, dtype: dtype), self)))
    }
}

extension DType {
    /// The largest finite value of a floating-point dtype (PyTorch's `finfo(dtype).max`).
    public var largestFinite: Double {
        switch self {
        case .float64: return Double.greatestFiniteMagnitude
        case .float16: return 65504
        case .bfloat16: return 3.3895313892515355e38
        default: return Double(Float.greatestFiniteMagnitude)
        }
    }
}
