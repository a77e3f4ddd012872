import CGentrainKernels

/// The loops of the fused normalizations (`Tensor.normalizedGroups` and its backward) over
/// contiguous runs: float32 in C (normalization.c, the widest build the CPU runs), float64 here.
/// Sums are in double precision either way.

/// Σ p[j].
func runSum<T: FloatElement>(_ p: UnsafePointer<T>, _ n: Int) -> Double {
    if T.self == Float.self { return gt_sum_f32(floats(p), n, CPU.cLevel) }
    var s = 0.0
    for j in 0..<n { s += p[j].doubleValue }
    return s
}

/// Σ (p[j] − m)².
func runSquaredDeviations<T: FloatElement>(_ p: UnsafePointer<T>, _ n: Int, _ m: Double) -> Double {
    if T.self == Float.self { return gt_squared_deviations_f32(floats(p), n, m, CPU.cLevel) }
    var s = 0.0
    for j in 0..<n { let d = p[j].doubleValue - m; s += d * d }
    return s
}

/// Σ a[j]·b[j], or Σ a[j]·b[j]·c[j] with `c`.
func runDot<T: FloatElement>(_ a: UnsafePointer<T>, _ b: UnsafePointer<T>, _ c: UnsafePointer<T>?, _ n: Int) -> Double {
    if T.self == Float.self { return gt_dot_f32(floats(a), floats(b), c.map(floats), n, CPU.cLevel) }
    var s = 0.0
    if let c { for j in 0..<n { s += a[j].doubleValue * b[j].doubleValue * c[j].doubleValue } }
    else { for j in 0..<n { s += a[j].doubleValue * b[j].doubleValue } }
    return s
}

/// y[j] = (x[j]·scale + shift)·w[j] + b[j], `w` and `b` optional (1 and 0).
func scaleShift<T: FloatElement>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ n: Int, _ scale: T, _ shift: T,
                                 _ w: UnsafePointer<T>? = nil, _ b: UnsafePointer<T>? = nil) {
    if T.self == Float.self {
        gt_scale_shift_f32(floats(x), floats(y), n, Float(scale), Float(shift), w.map(floats), b.map(floats), CPU.cLevel)
        return
    }
    for j in 0..<n { y[j] = (x[j] * scale + shift) * (w?[j] ?? 1) + (b?[j] ?? 0) }
}

/// dx[j] = a·g[j]·w[j] + b·(x[j] − m) + c, `w` optional (1).
func inputGrad<T: FloatElement>(_ g: UnsafePointer<T>, _ w: UnsafePointer<T>?, _ x: UnsafePointer<T>, _ dx: UnsafeMutablePointer<T>,
                                _ n: Int, _ a: T, _ b: T, _ m: T, _ c: T) {
    if T.self == Float.self {
        gt_norm_input_grad_f32(floats(g), w.map(floats), floats(x), floats(dx), n, Float(a), Float(b), Float(m),
                               Float(c), CPU.cLevel)
        return
    }
    for j in 0..<n { dx[j] = a * g[j] * (w?[j] ?? 1) + b * (x[j] - m) + c }
}

/// dw[j] += g[j]·(x[j] − m)·inv and db[j] += g[j].
func accumulateAffineGrads<T: FloatElement>(_ g: UnsafePointer<T>, _ x: UnsafePointer<T>, _ n: Int, _ m: Double, _ inv: Double,
                                            _ dw: UnsafeMutablePointer<Double>, _ db: UnsafeMutablePointer<Double>) {
    if T.self == Float.self { return gt_affine_grad_accumulate_f32(floats(g), floats(x), n, m, inv, dw, db, CPU.cLevel) }
    for j in 0..<n {
        let gj = g[j].doubleValue
        dw[j] += gj * ((x[j].doubleValue - m) * inv)
        db[j] += gj
    }
}
