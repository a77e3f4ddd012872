/// The normalization under batch, layer, group and instance norm as one op: statistics and the
/// normalized values in one pass per group forward, the gradient in one pass per group backward
/// (instead of a mean, a variance, a subtraction and a division, each with its own backward).
extension Tensor {
    /// `(x − mean) / √(var + eps)`, the mean and biased variance taken per group: x's elements
    /// read as `[outer, groups, inner]`, each of the `groups` normalized over its `outer × inner`
    /// elements (batch norm: `[N, C, H·W]`; layer, group and instance norm: `outer` 1). Returns
    /// the normalized tensor (x's shape) and each group's mean and variance (`[groups]`, outside
    /// autograd).
    ///
    /// Gradient: `(g − mean(g) − x̂·mean(g·x̂)) / √(var + eps)` per group, one fused pass; under
    /// `create_graph` the same formula in differentiable ops, so every order follows.
    public func normalizedGroups(outer: Int, groups: Int, inner: Int, eps: Double) throws -> (normalized: Tensor, mean: Tensor, variance: Tensor) {
        guard outer >= 1, groups >= 0, inner >= 1, outer * groups * inner == numel, dtype.isFloatingPoint else {
            throw GentrainError.shape("normalize: a floating point tensor of \(outer) × \(groups) × \(inner) elements expected, got \(dtype) \(shapeString(shape))")
        }
        let ct = dtype.computeType
        let x = try withNoGrad { try to(ct).contiguous() }
        let out = try Tensor(empty: shape, dtype: ct)
        let mean = try Tensor(empty: [groups], dtype: ct), variance = try Tensor(empty: [groups], dtype: ct)
        func run<T: FloatElement>(_: T.Type) {
            let (px, po, pm, pv) = (x.pointer(T.self), out.pointer(T.self), mean.pointer(T.self), variance.pointer(T.self))
            let count = Double(outer * inner)
            parallelFor(groups, grain: 1) { block in
                for b in block {
                    var s = 0.0
                    for a in 0..<outer { s += runSum(px + (a * groups + b) * inner, inner) }
                    let m = s / count
                    var q = 0.0
                    for a in 0..<outer { q += runSquaredDeviations(px + (a * groups + b) * inner, inner, m) }
                    let v = q / count, inv = T(1 / (v + eps).squareRoot()), shift = T(m)
                    for a in 0..<outer {
                        let (src, dst) = (px + (a * groups + b) * inner, po + (a * groups + b) * inner)
                        for j in 0..<inner { dst[j] = (src[j] - shift) * inv }
                    }
                    (pm[b], pv[b]) = (T(m), T(v))
                }
            }
        }
        if ct == .float32 { run(Float.self) } else { run(Double.self) }
        let (result, means, variances) = ct == dtype ? (out, mean, variance) : try withNoGrad { (try out.to(dtype), try mean.to(dtype), try variance.to(dtype)) }
        let input = self
        let normalized = recordWithOutput(result, "NormalizeBackward", input) { _, g, y in
            if GradMode.isEnabled { return [try normalizeBackwardOps(input, g, outer, groups, inner, eps)] }
            return [try normalizeBackward(g, y, variances, outer, groups, inner, eps)]
        }
        return (normalized, means, variances)
    }
}

/// Σ of a contiguous run in double precision (partial sums: vectorizable).
private func runSum<T: FloatElement>(_ p: UnsafePointer<T>, _ n: Int) -> Double {
    var (s0, s1, s2, s3) = (0.0, 0.0, 0.0, 0.0)
    var j = 0
    while j + 4 <= n {
        s0 += p[j].doubleValue; s1 += p[j + 1].doubleValue; s2 += p[j + 2].doubleValue; s3 += p[j + 3].doubleValue
        j += 4
    }
    while j < n { s0 += p[j].doubleValue; j += 1 }
    return (s0 + s1) + (s2 + s3)
}

/// Σ (p[j] − m)² of a contiguous run in double precision.
private func runSquaredDeviations<T: FloatElement>(_ p: UnsafePointer<T>, _ n: Int, _ m: Double) -> Double {
    var (s0, s1) = (0.0, 0.0)
    var j = 0
    while j + 2 <= n {
        let (d0, d1) = (p[j].doubleValue - m, p[j + 1].doubleValue - m)
        s0 += d0 * d0; s1 += d1 * d1
        j += 2
    }
    if j < n { let d = p[j].doubleValue - m; s0 += d * d }
    return s0 + s1
}

/// The fused first-order gradient from the output x̂ and the variances.
private func normalizeBackward(_ g: Tensor, _ y: Tensor, _ variances: Tensor, _ outer: Int, _ groups: Int, _ inner: Int,
                               _ eps: Double) throws -> Tensor {
    let ct = y.dtype.computeType
    let (gc, yc, vc) = try withNoGrad { (try g.to(ct).contiguous(), try y.to(ct).contiguous(), try variances.to(.float64)) }
    let dx = try Tensor(empty: y.shape, dtype: ct)
    func run<T: FloatElement>(_: T.Type) {
        let (pg, py, pd, pv) = (gc.pointer(T.self), yc.pointer(T.self), dx.pointer(T.self), vc.pointer(Double.self))
        let count = Double(outer * inner)
        parallelFor(groups, grain: 1) { block in
            for b in block {
                var (sg, sgy) = (0.0, 0.0)
                for a in 0..<outer {
                    let o = (a * groups + b) * inner
                    sg += runSum(pg + o, inner)
                    sgy += runDot(pg + o, py + o, inner)
                }
                let inv = 1 / (pv[b] + eps).squareRoot()
                let (scale, shift, slope) = (T(inv), T(sg / count), T(sgy / count))
                for a in 0..<outer {
                    let o = (a * groups + b) * inner
                    let (gr, yr, dr) = (pg + o, py + o, pd + o)
                    for j in 0..<inner { dr[j] = (gr[j] - shift - yr[j] * slope) * scale }
                }
            }
        }
    }
    if ct == .float32 { run(Float.self) } else { run(Double.self) }
    return ct == g.dtype ? dx : try withNoGrad { try dx.to(g.dtype) }
}

/// Σ a[j]·b[j] of two contiguous runs in double precision.
private func runDot<T: FloatElement>(_ a: UnsafePointer<T>, _ b: UnsafePointer<T>, _ n: Int) -> Double {
    var (s0, s1) = (0.0, 0.0)
    var j = 0
    while j + 2 <= n {
        s0 += a[j].doubleValue * b[j].doubleValue; s1 += a[j + 1].doubleValue * b[j + 1].doubleValue
        j += 2
    }
    if j < n { s0 += a[j].doubleValue * b[j].doubleValue }
    return s0 + s1
}

/// The gradient in differentiable ops (for `create_graph`): x̂ and 1/σ recomputed from x.
private func normalizeBackwardOps(_ x: Tensor, _ g: Tensor, _ outer: Int, _ groups: Int, _ inner: Int, _ eps: Double) throws -> Tensor {
    let view = [outer, groups, inner], dims = [0, 2]
    let xv = try x.reshape(view), gv = try g.reshape(view)
    let inv = try xv.variance(dims: dims, correction: 0, keepdim: true).add(eps).rsqrt()
    let xhat = try xv.sub(xv.mean(dims: dims, keepdim: true)).mul(inv)
    let dx = try gv.sub(gv.mean(dims: dims, keepdim: true)).sub(xhat.mul(gv.mul(xhat).mean(dims: dims, keepdim: true))).mul(inv)
    return try dx.reshape(x.shape)
}
