#if canImport(Glibc)
import Glibc
#endif
import CGentrainKernels

/// Elementwise kernels over float32/float64 buffers. Each op is a `switch` outside a plain
/// loop, so the loops vectorize and nothing is dispatched per element.

/// Unary elementwise operations (parameters where PyTorch's functions take them).
package enum UnaryOp: Sendable {
    case neg, exp, log, sqrt, rsqrt, abs, sin, cos, tanh, sigmoid, relu, sign, erf, log1p, expm1
    case log2, log10, reciprocal, square
    /// A function of libm's (or erfinv), computed in float64 for every dtype.
    case math(MathFunction)
    /// Rounding to an integral value: down, up, to the nearest (ties to even, as PyTorch's round), toward zero.
    case floor, ceil, round, trunc
    /// Exact GELU, `x·Φ(x)`.
    case gelu
    /// SiLU, `x·σ(x)`.
    case silu
    /// Softsign, `x / (1 + |x|)`.
    case softsign
    /// GELU's tanh approximation.
    case geluTanh
    case leakyRelu(slope: Double)
    case softplus(beta: Double, threshold: Double)
    case clamp(min: Double, max: Double)
    case powScalar(Double)
    case addScalar(Double)
    case mulScalar(Double)
    /// 1 where `x > 0`, else 0 (the derivative mask of relu).
    case positiveMask
    /// 1 where `x > 0`, else `slope` (the derivative of leaky_relu).
    case leakyMask(slope: Double)
    /// 1 where `min <= x <= max`, else 0 (clamp's derivative mask).
    case insideMask(min: Double, max: Double)
}

/// Binary elementwise operations on operands of one dtype.
package enum BinaryOp: Sendable, Equatable {
    case add, sub, mul, div, pow, maximum, minimum
    /// Division rounded down, and the remainder with the divisor's sign (Python's // and %, PyTorch's
    /// floor_divide and remainder).
    case floorDivide, remainder
    /// atan2(a, b): the angle of the point (b, a), in (−π, π].
    case atan2
    /// C's fmod (the remainder with the dividend's sign), hypot, log(e^a + e^b) computed stably, and
    /// a·log(b) with 0 where a is 0 (and b is not NaN).
    case fmod, hypot, logaddexp, xlogy
    /// g·(1 − y²) and g·y·(1 − y): the first-order backward of tanh and sigmoid from their output;
    /// g·(Φ(x) + x·φ(x)) and g·σ(x)·(1 + x·(1 − σ(x))): GELU's and SiLU's from their input.
    case tanhBackward, sigmoidBackward, geluBackward, siluBackward
    /// GELU's tanh approximation's, from its input.
    case geluTanhBackward
    /// g where x > 0, else g·slope (0 for relu, whatever g is): relu's and leaky_relu's first-order
    /// backward from their input (PyTorch's threshold_backward and leaky_relu_backward).
    case thresholdBackward(slope: Double)
}

/// Comparisons, giving bool.
package enum CompareOp: Sendable {
    case eq, ne, lt, le, gt, ge
}

/// GELU's tanh approximation, ½x·(1 + tanh u) with u = √(2/π)·(x + c·x³), is x·σ(2u): 2√(2/π) and c
/// (the float32 C loops, `gt_gelu_tanhf` and its slope, spell out the same constants).
private let geluTanh2K = 1.5957691216057308, geluTanhC = 0.044715

/// σ(2u) of GELU's tanh approximation, for the element types the C loops do not cover.
@inline(__always)
private func geluTanhGate<T: FloatElement>(_ x: T) -> T { T.sigmoid(T(geluTanh2K) * (x + T(geluTanhC) * x * x * x)) }

/// A buffer of a generic element type as the float32 buffer it is (for the C loops, where `T` is `Float`).
@inline(__always)
func floats<T>(_ p: UnsafePointer<T>) -> UnsafePointer<Float> { UnsafeRawPointer(p).assumingMemoryBound(to: Float.self) }

@inline(__always)
func floats<T>(_ p: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<Float> {
    UnsafeMutableRawPointer(p).assumingMemoryBound(to: Float.self)
}

/// GELU's or SiLU's float32 gradient loop in C (activations.c), in the widest build the CPU runs.
private func slopeLoop(_ op: BinaryOp) -> ((UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void)? {
    switch op {
    case .geluBackward: { gt_gelu_backward_f32($0, $1, $2, $3, CPU.cLevel) }
    case .geluTanhBackward: { gt_gelu_tanh_backward_f32($0, $1, $2, $3, CPU.cLevel) }
    case .siluBackward: { gt_silu_backward_f32($0, $1, $2, $3, CPU.cLevel) }
    default: nil
    }
}

/// A float32 op's loop in C (activations.c), in the widest build the CPU runs, where there is one.
@inline(__always)
private func activationLoop(_ op: UnaryOp) -> ((UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void)? {
    switch op {
    case .exp: { gt_exp_f32($0, $1, $2, CPU.cLevel) }
    case .tanh: { gt_tanh_f32($0, $1, $2, CPU.cLevel) }
    case .sigmoid: { gt_sigmoid_f32($0, $1, $2, CPU.cLevel) }
    case .erf: { gt_erf_f32($0, $1, $2, CPU.cLevel) }
    case .gelu: { gt_gelu_f32($0, $1, $2, CPU.cLevel) }
    case .geluTanh: { gt_gelu_tanh_f32($0, $1, $2, CPU.cLevel) }
    case .silu: { gt_silu_f32($0, $1, $2, CPU.cLevel) }
    default: nil
    }
}

func unaryKernel<T: FloatElement>(_ op: UnaryOp, _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ n: Int) {
    if T.self == Float.self, let loop = activationLoop(op) {
        loop(floats(x), floats(y), n)
        return
    }
    switch op {
    case .neg: map1(x, y, n) { -$0 }
    case .exp: map1(x, y, n) { T.exp($0) }
    case .log: map1(x, y, n) { T.log($0) }
    case .sqrt: map1(x, y, n) { $0.squareRoot() }
    case .rsqrt: map1(x, y, n) { 1 / $0.squareRoot() }
    case .abs: map1(x, y, n) { Swift.abs($0) }
    case .sin: map1(x, y, n) { T.sin($0) }
    case .cos: map1(x, y, n) { T.cos($0) }
    case .tanh: map1(x, y, n) { T.tanh($0) }
    case .sigmoid: map1(x, y, n) { T.sigmoid($0) }
    case .relu: map1(x, y, n) { $0 > 0 ? $0 : ($0.isNaN ? $0 : 0) }
    case .sign: map1(x, y, n) { $0 > 0 ? 1 : ($0 < 0 ? -1 : ($0.isNaN ? $0 : 0)) }
    case .erf: map1(x, y, n) { T.erf($0) }
    case .log1p: map1(x, y, n) { T.log1p($0) }
    case .math(let f): map1(x, y, n) { T(fromDouble: f($0.doubleValue)) }
    case .log2: map1(x, y, n) { T.log2($0) }
    case .log10: map1(x, y, n) { T.log10($0) }
    case .expm1: map1(x, y, n) { T.expm1($0) }
    case .reciprocal: map1(x, y, n) { 1 / $0 }
    case .square: map1(x, y, n) { $0 * $0 }
    case .floor: map1(x, y, n) { $0.rounded(.down) }
    case .ceil: map1(x, y, n) { $0.rounded(.up) }
    case .round: map1(x, y, n) { $0.rounded(.toNearestOrEven) }
    case .trunc: map1(x, y, n) { $0.rounded(.towardZero) }
    case .gelu: map1(x, y, n) { $0 * T.normalCDF($0) }
    case .silu: map1(x, y, n) { $0 * T.sigmoid($0) }
    case .softsign: map1(x, y, n) { $0 / (1 + Swift.abs($0)) }
    case .geluTanh:   // ½x·(1 + tanh u) as x·σ(2u), precise where tanh u → −1
        map1(x, y, n) { $0 * geluTanhGate($0) }
    case .leakyRelu(let slope):
        let s = T(slope)
        map1(x, y, n) { $0 > 0 ? $0 : $0 * s }
    case .softplus(let beta, let threshold):
        let b = T(beta), t = T(threshold)
        map1(x, y, n) { $0 * b > t ? $0 : T.log1p(T.exp($0 * b)) / b }
    case .clamp(let lo, let hi):   // a NaN bound gives NaN, as PyTorch's
        let l = T(lo), h = T(hi)
        if lo.isNaN || hi.isNaN { map1(x, y, n) { _ in T.nan } } else { map1(x, y, n) { $0.isNaN ? $0 : Swift.min(Swift.max($0, l), h) } }
    case .powScalar(let e):
        let p = T(e)
        if e == 2 { map1(x, y, n) { $0 * $0 } }
        else if e == 1 { map1(x, y, n) { $0 } }
        else if e == 0.5 { map1(x, y, n) { $0.squareRoot() } }
        else { map1(x, y, n) { T.pow($0, p) } }
    case .addScalar(let c):
        let v = T(c)
        map1(x, y, n) { $0 + v }
    case .mulScalar(let c):
        let v = T(c)
        map1(x, y, n) { $0 * v }
    case .positiveMask: map1(x, y, n) { $0 > 0 ? 1 : 0 }
    case .leakyMask(let slope):
        let sl = T(slope)
        map1(x, y, n) { $0 > 0 ? 1 : sl }
    case .insideMask(let lo, let hi):
        let l = T(lo), h = T(hi)
        map1(x, y, n) { $0 >= l && $0 <= h ? 1 : 0 }
    }
}

/// One run of a binary op: `out[i] = f(a[i*sa], b[i*sb])`, with the common stride
/// patterns as separate loops so the compiler vectorizes them.
@inline(__always)
func map2<T>(_ a: UnsafePointer<T>, _ sa: Int, _ b: UnsafePointer<T>, _ sb: Int, _ out: UnsafeMutablePointer<T>,
             _ n: Int, _ f: (T, T) -> T) {
    if sa == 1 && sb == 1 {
        if UnsafePointer(out) == a {   // in place: its own loop, or the overlap check makes it scalar
            for i in 0..<n { out[i] = f(out[i], b[i]) }
        } else {
            for i in 0..<n { out[i] = f(a[i], b[i]) }
        }
    } else if sa == 1 && sb == 0 {
        let bv = b[0]
        for i in 0..<n { out[i] = f(a[i], bv) }
    } else if sa == 0 && sb == 1 {
        let av = a[0]
        for i in 0..<n { out[i] = f(av, b[i]) }
    } else {
        for i in 0..<n { out[i] = f(a[i * sa], b[i * sb]) }
    }
}

/// a // b for floats, as PyTorch computes it: from fmod, so that a == b·(a // b) + a % b holds as
/// nearly as rounding allows; a / b (±inf or NaN) for b = 0.
@inline(__always)
func floorDivide<T: FloatElement>(_ a: T, _ b: T) -> T {
    if b == 0 { return a / b }
    let mod = a.truncatingRemainder(dividingBy: b)
    var div = (a - mod) / b
    if mod != 0 && (b < 0) != (mod < 0) { div -= 1 }
    guard div != 0 else { return (a / b).sign == .minus ? -0.0 : 0 }
    var floored = div.rounded(.down)
    if div - floored > 0.5 { floored += 1 }
    return floored
}

/// a % b for floats with the sign of b (Python's, PyTorch's remainder).
@inline(__always)
func floatRemainder<T: FloatElement>(_ a: T, _ b: T) -> T {
    let mod = a.truncatingRemainder(dividingBy: b)
    return mod != 0 && (b < 0) != (mod < 0) ? mod + b : mod
}

func binaryKernel<T: FloatElement>(_ op: BinaryOp, _ a: UnsafePointer<T>, _ sa: Int, _ b: UnsafePointer<T>, _ sb: Int,
                                   _ out: UnsafeMutablePointer<T>, _ n: Int) {
    switch op {
    case .add: map2(a, sa, b, sb, out, n) { $0 + $1 }
    case .sub: map2(a, sa, b, sb, out, n) { $0 - $1 }
    case .mul: map2(a, sa, b, sb, out, n) { $0 * $1 }
    case .div: map2(a, sa, b, sb, out, n) { $0 / $1 }
    case .pow: map2(a, sa, b, sb, out, n) { T.pow($0, $1) }
    case .floorDivide: map2(a, sa, b, sb, out, n) { floorDivide($0, $1) }
    case .remainder: map2(a, sa, b, sb, out, n) { floatRemainder($0, $1) }
    case .atan2: map2(a, sa, b, sb, out, n) { T.atan2($0, $1) }
    case .fmod: map2(a, sa, b, sb, out, n) { $0.truncatingRemainder(dividingBy: $1) }
    case .hypot: map2(a, sa, b, sb, out, n) { T(fromDouble: Glibc.hypot($0.doubleValue, $1.doubleValue)) }
    case .logaddexp:
        map2(a, sa, b, sb, out, n) { a, b in a.isInfinite && a == b ? a : Swift.max(a, b) + T.log1p(T.exp(-Swift.abs(a - b))) }
    case .xlogy: map2(a, sa, b, sb, out, n) { a, b in a == 0 && !b.isNaN ? 0 : a * T.log(b) }
    case .maximum: map2(a, sa, b, sb, out, n) { $0.isNaN || $1.isNaN ? T.nan : Swift.max($0, $1) }
    case .minimum: map2(a, sa, b, sb, out, n) { $0.isNaN || $1.isNaN ? T.nan : Swift.min($0, $1) }
    case .tanhBackward: map2(a, sa, b, sb, out, n) { $0 * (1 - $1 * $1) }
    case .sigmoidBackward: map2(a, sa, b, sb, out, n) { $0 * ($1 * (1 - $1)) }
    case .thresholdBackward(let slope):
        let s = T(slope)
        if slope == 0 { map2(a, sa, b, sb, out, n) { $1 > 0 ? $0 : 0 } } else { map2(a, sa, b, sb, out, n) { $1 > 0 ? $0 : $0 * s } }
    case .geluBackward, .geluTanhBackward, .siluBackward:   // loops of their own: closures this large are not inlined into map2
        if T.self == Float.self, sa == 1, sb == 1, UnsafePointer(out) != a, UnsafePointer(out) != b, let loop = slopeLoop(op) {
            loop(floats(a), floats(b), floats(out), n)
        } else if op == .geluBackward {
            for i in 0..<n {
                let x = b[i * sb]
                out[i] = a[i * sa] * (T.normalCDF(x) + x * T(0.39894228040143267794) * T.exp(-0.5 * x * x))
            }
        } else if op == .geluTanhBackward {   // σ(2u) + x·σ(2u)·(1 − σ(2u))·2u'
            for i in 0..<n {
                let x = b[i * sb], s = geluTanhGate(x)
                out[i] = a[i * sa] * (s + x * s * (1 - s) * T(geluTanh2K) * (1 + T(3 * geluTanhC) * x * x))
            }
        } else {
            for i in 0..<n {
                let (x, s) = (b[i * sb], T.sigmoid(b[i * sb]))
                out[i] = a[i * sa] * s * (1 + x * (1 - s))
            }
        }
    }
}

func compareKernel<T: Comparable>(_ op: CompareOp, _ a: UnsafePointer<T>, _ sa: Int, _ b: UnsafePointer<T>, _ sb: Int,
                                  _ out: UnsafeMutablePointer<Bool>, _ n: Int) {
    @inline(__always) func run(_ f: (T, T) -> Bool) {
        for i in 0..<n { out[i] = f(a[i * sa], b[i * sb]) }
    }
    switch op {
    case .eq: run { $0 == $1 }
    case .ne: run { $0 != $1 }
    case .lt: run { $0 < $1 }
    case .le: run { $0 <= $1 }
    case .gt: run { $0 > $1 }
    case .ge: run { $0 >= $1 }
    }
}
