#if canImport(Glibc)
import Glibc
#endif
import GentrainCore

/// Parameter initializers, PyTorch's `nn.init`: each fills a tensor in place from the (seeded)
/// generator and returns it.
extension Init {
    /// `(fan_in, fan_out)` of a weight `[out, in, *kernel]`, as PyTorch computes them.
    public static func fans(_ t: Tensor) throws -> (Int, Int) {
        guard t.ndim >= 2 else { throw GentrainError(.shape, "fan in and fan out can not be computed for tensor with fewer than 2 dimensions") }
        let receptive = t.shape.dropFirst(2).reduce(1, *)
        return (t.shape[1] * receptive, t.shape[0] * receptive)
    }

    private static func fill(_ t: Tensor, _ values: Tensor) throws -> Tensor {
        try withNoGrad { try t.copy_(values) }
        return t
    }

    public static func uniform_(_ t: Tensor, _ a: Double = 0, _ b: Double = 1, generator: Generator? = nil) throws -> Tensor {
        try fill(t, uniform(t.shape, a, b, dtype: t.dtype, generator: generator))
    }

    public static func normal_(_ t: Tensor, mean: Double = 0, std: Double = 1, generator: Generator? = nil) throws -> Tensor {
        try fill(t, Tensor.randn(t.shape, dtype: t.dtype == .float64 ? .float64 : .float32, generator: generator).mul(std).add(mean))
    }

    public static func constant_(_ t: Tensor, _ value: Double) throws -> Tensor { try fill(t, Tensor.scalar(value, dtype: t.dtype)) }
    public static func zeros_(_ t: Tensor) throws -> Tensor { try constant_(t, 0) }
    public static func ones_(_ t: Tensor) throws -> Tensor { try constant_(t, 1) }

    /// Glorot: uniform in `±gain·√(6 / (fan_in + fan_out))`.
    public static func xavierUniform_(_ t: Tensor, gain: Double = 1, generator: Generator? = nil) throws -> Tensor {
        let (fi, fo) = try fans(t)
        let bound = gain * (6 / Double(fi + fo)).squareRoot()
        return try uniform_(t, -bound, bound, generator: generator)
    }

    /// Glorot: normal with std `gain·√(2 / (fan_in + fan_out))`.
    public static func xavierNormal_(_ t: Tensor, gain: Double = 1, generator: Generator? = nil) throws -> Tensor {
        let (fi, fo) = try fans(t)
        return try normal_(t, std: gain * (2 / Double(fi + fo)).squareRoot(), generator: generator)
    }

    /// The gain PyTorch's `calculate_gain` gives for "relu", "leaky_relu" (slope a),
    /// "tanh", "selu", "linear"/"sigmoid"/"conv…".
    public static func gain(_ nonlinearity: String, _ a: Double = 0.01) throws -> Double {
        switch nonlinearity {
        case "relu": return 2.0.squareRoot()
        case "leaky_relu": return (2 / (1 + a * a)).squareRoot()
        case "tanh": return 5.0 / 3
        case "selu": return 0.75
        case "linear", "sigmoid", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d": return 1
        default: throw GentrainError(.invalidArgument, "unsupported nonlinearity \(nonlinearity)")
        }
    }

    /// He: uniform in `±gain·√(3 / fan)` with fan = fan_in (or fan_out).
    public static func kaimingUniform_(_ t: Tensor, a: Double = 0, fanOut: Bool = false, nonlinearity: String = "leaky_relu",
                                       generator: Generator? = nil) throws -> Tensor {
        let (fi, fo) = try fans(t)
        let bound = try gain(nonlinearity, a) * (3 / Double(fanOut ? fo : fi)).squareRoot()
        return try uniform_(t, -bound, bound, generator: generator)
    }

    /// He: normal with std `gain / √fan`.
    public static func kaimingNormal_(_ t: Tensor, a: Double = 0, fanOut: Bool = false, nonlinearity: String = "leaky_relu",
                                      generator: Generator? = nil) throws -> Tensor {
        let (fi, fo) = try fans(t)
        return try normal_(t, std: try gain(nonlinearity, a) / Double(fanOut ? fo : fi).squareRoot(), generator: generator)
    }
}
