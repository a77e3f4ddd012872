import CGentrainKernels

/// Reduction kernels: sums and extrema over any set of dimensions, and extrema with
/// indices along one dimension.

/// How a reduction combines elements.
enum ReduceOp { case sum, max, min }

/// Element types extrema compare in their own type: floats (a NaN wins) and integers (exactly,
/// int64 beyond 2^53 included). Booleans compare as int32.
protocol OrderedElement: Element, Comparable {
    static var lowest: Self { get }
    static var highest: Self { get }
    var isNaN: Bool { get }
}

extension Float: OrderedElement {
    static var lowest: Float { -.infinity }
    static var highest: Float { .infinity }
}

extension Double: OrderedElement {
    static var lowest: Double { -.infinity }
    static var highest: Double { .infinity }
}

extension Int32: OrderedElement {
    static var lowest: Int32 { .min }
    static var highest: Int32 { .max }
    var isNaN: Bool { false }
}

extension Int64: OrderedElement {
    static var lowest: Int64 { .min }
    static var highest: Int64 { .max }
    var isNaN: Bool { false }
}

/// The dtype a reduction runs in: float32 for the half types; for sums int64 for integers and
/// bool, for extrema int32 for bool; else its own.
private func reductionType(_ dtype: DType, _ op: ReduceOp) -> DType {
    if op == .sum && !dtype.isFloatingPoint { return .int64 }
    return dtype == .bool ? .int32 : dtype.computeType
}

/// Reduces `x` over `dims` (sorted, distinct), keeping them as size 1: sums (of integers and
/// bool, in int64, wrapping around past its range as PyTorch's) and extrema (in the result, the
/// input's dtype).
func reduceRaw(_ x: Tensor, _ dims: [Int], _ op: ReduceOp) throws -> Tensor {
    let ct = reductionType(x.dtype, op)
    let src = ct == x.dtype ? x : try withNoGrad { try x.to(ct) }
    var keepShape = x.shape
    for d in dims { keepShape[d] = 1 }
    let out = try Tensor(empty: keepShape, dtype: ct)
    switch (op, ct) {
    case (.sum, .float32): sumLoop(src, out, Float.self)
    case (.sum, .int64): sumLoop(src, out, Int64.self)
    case (.sum, _): sumLoop(src, out, Double.self)
    case (_, .float32): extremumLoop(src, out, max: op == .max, Float.self)
    case (_, .int32): extremumLoop(src, out, max: op == .max, Int32.self)
    case (_, .int64): extremumLoop(src, out, max: op == .max, Int64.self)
    default: extremumLoop(src, out, max: op == .max, Double.self)
    }
    return ct == x.dtype || (op == .sum && ct == .int64) ? out : try withNoGrad { try out.to(x.dtype) }
}

/// Element types a sum adds in: floats, and int64, which wraps around past its range.
protocol SumElement: Element {
    static var zero: Self { get }
    static func plus(_ a: Self, _ b: Self) -> Self
    /// The sum of `n` elements `stride` apart.
    static func run(_ a: UnsafePointer<Self>, _ stride: Int, _ n: Int) -> Self
}

extension SumElement where Self: FloatElement {
    static var zero: Self { 0 }
    @inline(__always) static func plus(_ a: Self, _ b: Self) -> Self { a + b }
    @inline(__always) static func run(_ a: UnsafePointer<Self>, _ stride: Int, _ n: Int) -> Self { sumRun(a, stride, n) }
}

extension Float: SumElement {}
extension Double: SumElement {}

extension Int64: SumElement {
    @inline(__always) static func plus(_ a: Int64, _ b: Int64) -> Int64 { a &+ b }
    @inline(__always) static func run(_ a: UnsafePointer<Int64>, _ stride: Int, _ n: Int) -> Int64 {
        var s: Int64 = 0
        for i in 0..<n { s &+= a[i * stride] }
        return s
    }
}

private func sumLoop<T: SumElement>(_ x: Tensor, _ out: Tensor, _: T.Type) {
    let po = out.pointer(T.self), px = x.pointer(T.self)
    po.update(repeating: T.zero, count: out.numel)
    forEachRun(x.shape, [x.strides, broadcastStrides(out, to: x.shape)]) { off, n, inner in
        let a = px + off[0], o = po + off[1]
        let sa = inner[0], so = inner[1]
        if so == 0 {
            o[0] = T.plus(o[0], T.run(a, sa, n))
        } else if sa == 1 && so == 1 {
            for i in 0..<n { o[i] = T.plus(o[i], a[i]) }
        } else {
            for i in 0..<n { o[i * so] = T.plus(o[i * so], a[i * sa]) }
        }
    }
}

private func extremumLoop<T: OrderedElement>(_ x: Tensor, _ out: Tensor, max: Bool, _: T.Type) {
    let po = out.pointer(T.self), px = x.pointer(T.self)
    po.update(repeating: max ? T.lowest : T.highest, count: out.numel)
    forEachRun(x.shape, [x.strides, broadcastStrides(out, to: x.shape)]) { off, n, inner in
        let a = px + off[0], o = po + off[1]
        let sa = inner[0], so = inner[1]
        if max {
            for i in 0..<n {
                let v = a[i * sa]
                if v > o[i * so] || v.isNaN { o[i * so] = v }
            }
        } else {
            for i in 0..<n {
                let v = a[i * sa]
                if v < o[i * so] || v.isNaN { o[i * so] = v }
            }
        }
    }
}

/// Sum of a run with four partial sums (vectorizable, and more accurate than one chain).
@inline(__always)
func sumRun<T: FloatElement>(_ a: UnsafePointer<T>, _ stride: Int, _ n: Int) -> T {
    var s0: T = 0, s1: T = 0, s2: T = 0, s3: T = 0
    var i = 0
    if stride == 1 {
        while i + 4 <= n {
            s0 += a[i]; s1 += a[i + 1]; s2 += a[i + 2]; s3 += a[i + 3]
            i += 4
        }
    }
    while i < n { s0 += a[i * stride]; i += 1 }
    return (s0 + s1) + (s2 + s3)
}

/// The sums of the columns of `x` `[rows, width]` (row-major) into `out` `[width]`, accumulated in
/// float64 (a long batch loses no more precision than a pairwise sum), rows in order: a bias's
/// gradient. Blocks of columns over the pool, each summed over all rows.
func columnSums<T: FloatElement>(_ x: UnsafePointer<T>, rows: Int, width: Int, into out: UnsafeMutablePointer<T>) {
    parallelFor(width, itemSize: rows, grain: elementwiseGrain) { columns in
        withUnsafeTemporaryAllocation(of: Double.self, capacity: columns.count) { acc in
            let pa = acc.baseAddress!, (j0, count) = (columns.lowerBound, columns.count)
            pa.initialize(repeating: 0, count: count)
            if T.self == Float.self {
                gt_add_rows_f32(UnsafeRawPointer(x + j0).assumingMemoryBound(to: Float.self), rows, count, width, pa, CPU.cLevel)
            } else {
                for r in 0..<rows {
                    let row = x + r * width + j0
                    for j in 0..<count { pa[j] += row[j].doubleValue }
                }
            }
            for j in 0..<count { out[j0 + j] = T(fromDouble: pa[j]) }
        }
    }
}

/// The maximum (or minimum) along `dim` and its index (the first one on ties), with `dim` kept as size 1.
func argExtremumRaw(_ x: Tensor, _ dim: Int, max: Bool) throws -> (values: Tensor, indices: Tensor) {
    let size = x.shape[dim]
    guard size > 0 else {
        throw GentrainError.index("\(max ? "max" : "min"): cannot reduce over a zero-size dimension \(dim)")
    }
    let ct = reductionType(x.dtype, max ? .max : .min)
    let src = ct == x.dtype ? x : try withNoGrad { try x.to(ct) }
    var keepShape = x.shape
    keepShape[dim] = 1
    let values = try Tensor(empty: keepShape, dtype: ct)
    let indices = try Tensor(empty: keepShape, dtype: .int64)
    // Walk every output position; the reduced dimension is read with its own stride.
    var walkStrides = src.strides
    walkStrides[dim] = 0
    let step = src.strides[dim]
    func run<T: OrderedElement>(_: T.Type) {
        let px = src.pointer(T.self), pv = values.pointer(T.self), pi = indices.pointer(Int64.self)
        var k = 0
        forEachRun(keepShape, [Array(walkStrides)]) { off, n, inner in
            for j in 0..<n {
                let a = px + off[0] + j * inner[0]
                var best = a[0], bestIndex = 0
                for r in 1..<Swift.max(size, 1) {
                    let v = a[r * step]
                    if best.isNaN { break }
                    if (max ? v > best : v < best) || v.isNaN { best = v; bestIndex = r }
                }
                pv[k] = best
                pi[k] = Int64(bestIndex)
                k += 1
            }
        }
    }
    switch ct {
    case .float32: run(Float.self)
    case .int32: run(Int32.self)
    case .int64: run(Int64.self)
    default: run(Double.self)
    }
    return (ct == x.dtype ? values : try withNoGrad { try values.to(x.dtype) }, indices)
}
