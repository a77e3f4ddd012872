import GentrainMath

/// float32 loops over buffers compiled for a wider instruction set than the engine's baseline.
/// This one source is built twice: `GentrainKernelsAVX2` (AVX2 + FMA) and
/// `GentrainKernelsAVX512` (AVX-512 F/CD/BW/DQ/VL with 512-bit vectors, a symbolic link to this
/// file); the engine calls the widest build the CPU runs (`CPU.kernels`). `y` may be `x`.
/// Both builds have FMA, so the math's polynomial steps are fused.
public enum WideKernels {
    private typealias VectorMath = VectorMathOf<Fused>

    public static func exp(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) { map1(x, y, n, VectorMath.exp) }

    public static func tanh(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) { map1(x, y, n, VectorMath.tanh) }

    public static func sigmoid(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) { map1(x, y, n, VectorMath.sigmoid) }

    public static func erf(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) { map1(x, y, n, VectorMath.erf) }

    public static func gelu(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) { map1(x, y, n, VectorMath.gelu) }

    public static func silu(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) { map1(x, y, n, VectorMath.silu) }

    /// GELU's gradient g·(Φ(x) + x·φ(x)) (`out` a third buffer).
    public static func geluBackward(_ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { out[i] = g[i] * VectorMath.geluSlope(x[i]) }
    }

    /// SiLU's gradient g·σ(x)·(1 + x·(1 − σ(x))) (`out` a third buffer).
    public static func siluBackward(_ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int) {
        for i in 0..<n { out[i] = g[i] * VectorMath.siluSlope(x[i]) }
    }
}
