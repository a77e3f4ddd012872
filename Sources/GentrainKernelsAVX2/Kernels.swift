import GentrainMath

/// float32 loops over buffers compiled for AVX2 + FMA (this module only): the engine calls them
/// when the CPU has both (`CPU.hasAVX2`), about twice the speed of the baseline build's.
/// `y` may be `x`.
public enum AVX2Kernels {
    public static func exp(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) { map1(x, y, n, VectorMath.exp) }

    public static func tanh(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) { map1(x, y, n, VectorMath.tanh) }

    public static func sigmoid(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) { map1(x, y, n, VectorMath.sigmoid) }
}
