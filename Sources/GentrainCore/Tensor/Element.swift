#if canImport(Glibc)
import Glibc
#endif
import CGentrainKernels

/// A storable element type: every dtype has one, and converts through Double.
public protocol Element {
    static var dtype: DType { get }
    init(fromDouble v: Double)
    var doubleValue: Double { get }
}

/// The element types arithmetic runs in (float32, float64), with the math the kernels need.
public protocol FloatElement: Element, BinaryFloatingPoint {
    static func exp(_ x: Self) -> Self
    static func log(_ x: Self) -> Self
    static func log1p(_ x: Self) -> Self
    static func log2(_ x: Self) -> Self
    static func log10(_ x: Self) -> Self
    static func atan2(_ y: Self, _ x: Self) -> Self
    static func expm1(_ x: Self) -> Self
    static func tanh(_ x: Self) -> Self
    static func sigmoid(_ x: Self) -> Self
    static func sin(_ x: Self) -> Self
    static func cos(_ x: Self) -> Self
    static func erf(_ x: Self) -> Self
    /// Φ(x), the standard normal CDF.
    static func normalCDF(_ x: Self) -> Self
    static func pow(_ x: Self, _ y: Self) -> Self
}

extension Float: FloatElement {
    public static var dtype: DType { .float32 }
    @inline(__always) public init(fromDouble v: Double) { self = Float(v) }
    @inline(__always) public var doubleValue: Double { Double(self) }
    @inline(__always) public static func exp(_ x: Float) -> Float { gt_expf(x) }
    @inline(__always) public static func log(_ x: Float) -> Float { logf(x) }
    @inline(__always) public static func log1p(_ x: Float) -> Float { log1pf(x) }
    @inline(__always) public static func log2(_ x: Float) -> Float { log2f(x) }
    @inline(__always) public static func log10(_ x: Float) -> Float { log10f(x) }
    @inline(__always) public static func atan2(_ y: Float, _ x: Float) -> Float { atan2f(y, x) }
    @inline(__always) public static func expm1(_ x: Float) -> Float { expm1f(x) }
    @inline(__always) public static func tanh(_ x: Float) -> Float { gt_tanhf(x) }
    @inline(__always) public static func sigmoid(_ x: Float) -> Float { gt_sigmoidf(x) }
    @inline(__always) public static func sin(_ x: Float) -> Float { sinf(x) }
    @inline(__always) public static func cos(_ x: Float) -> Float { cosf(x) }
    @inline(__always) public static func erf(_ x: Float) -> Float { gt_erff(x) }
    @inline(__always) public static func normalCDF(_ x: Float) -> Float { gt_normal_cdff(x) }
    @inline(__always) public static func pow(_ x: Float, _ y: Float) -> Float { powf(x, y) }
}

extension Double: FloatElement {
    public static var dtype: DType { .float64 }
    @inline(__always) public init(fromDouble v: Double) { self = v }
    @inline(__always) public var doubleValue: Double { self }
    @inline(__always) public static func exp(_ x: Double) -> Double { Glibc.exp(x) }
    @inline(__always) public static func log(_ x: Double) -> Double { Glibc.log(x) }
    @inline(__always) public static func log1p(_ x: Double) -> Double { Glibc.log1p(x) }
    @inline(__always) public static func log2(_ x: Double) -> Double { Glibc.log2(x) }
    @inline(__always) public static func log10(_ x: Double) -> Double { Glibc.log10(x) }
    @inline(__always) public static func atan2(_ y: Double, _ x: Double) -> Double { Glibc.atan2(y, x) }
    @inline(__always) public static func expm1(_ x: Double) -> Double { Glibc.expm1(x) }
    @inline(__always) public static func tanh(_ x: Double) -> Double { Glibc.tanh(x) }
    @inline(__always) public static func sigmoid(_ x: Double) -> Double {
        let e = Glibc.exp(-Swift.abs(x)), s = 1 / (1 + e)
        return x < 0 ? e * s : s
    }
    @inline(__always) public static func sin(_ x: Double) -> Double { Glibc.sin(x) }
    @inline(__always) public static func cos(_ x: Double) -> Double { Glibc.cos(x) }
    @inline(__always) public static func erf(_ x: Double) -> Double { Glibc.erf(x) }
    @inline(__always) public static func normalCDF(_ x: Double) -> Double { 0.5 * Glibc.erfc(-x * 0.70710678118654752440) }
    @inline(__always) public static func pow(_ x: Double, _ y: Double) -> Double { Glibc.pow(x, y) }
}

extension Int32: Element {
    public static var dtype: DType { .int32 }
    @inline(__always) public init(fromDouble v: Double) { self = v.isFinite ? Int32(clamping: Int64(v.clampedToInt64)) : 0 }
    @inline(__always) public var doubleValue: Double { Double(self) }
}

extension Int64: Element {
    public static var dtype: DType { .int64 }
    @inline(__always) public init(fromDouble v: Double) { self = v.isFinite ? Int64(v.clampedToInt64) : 0 }
    @inline(__always) public var doubleValue: Double { Double(self) }
}

extension Bool: Element {
    public static var dtype: DType { .bool }
    @inline(__always) public init(fromDouble v: Double) { self = v != 0 }
    @inline(__always) public var doubleValue: Double { self ? 1 : 0 }
}

extension Float16: Element {
    public static var dtype: DType { .float16 }
    @inline(__always) public init(fromDouble v: Double) { self = Float16(Float(v)) }
    @inline(__always) public var doubleValue: Double { Double(Float(self)) }
}

/// bfloat16: the upper half of a float32, rounded to nearest even.
public struct BFloat16: Element, Equatable {
    public var bitPattern: UInt16
    public init(bitPattern: UInt16) { self.bitPattern = bitPattern }
    @inline(__always) public init(_ f: Float) {
        // Branch-free (a select for NaN), so conversion loops vectorize.
        let bits = f.bitPattern
        let rounded = UInt16(truncatingIfNeeded: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16)
        bitPattern = f.isNaN ? 0x7FC0 : rounded
    }
    @inline(__always) public var floatValue: Float { Float(bitPattern: UInt32(bitPattern) << 16) }
    public static var dtype: DType { .bfloat16 }
    @inline(__always) public init(fromDouble v: Double) { self.init(Float(v)) }
    @inline(__always) public var doubleValue: Double { Double(floatValue) }
}

extension Double {
    /// This value truncated toward zero and clamped to Int64's range (no trap on overflow).
    @inline(__always) var clampedToInt64: Int64 {
        if self >= 9.2233720368547758e18 { return .max }
        if self <= -9.2233720368547758e18 { return .min }
        return Int64(self)
    }
}
