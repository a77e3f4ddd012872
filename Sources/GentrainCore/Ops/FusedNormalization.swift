/// The normalization under batch, layer, group and instance norm as one op: statistics and the
/// normalized values in one pass per group forward, the gradient in one pass per group backward
/// (instead of a mean, a variance, a subtraction and a division, each with its own backward).
extension Tensor {
    /// `(x − mean) / √(var + eps) · weight + bias`, the mean and biased variance taken per group:
    /// x's elements read as `[outer, groups, inner]`, each of the `groups` normalized over its
    /// `outer × inner` elements (batch norm: `[N, C, H·W]`; layer, group and instance norm: `outer`
    /// 1). `weight` and `bias` (`[groups]`, optional) scale and shift each group: batch norm's
    /// per-channel affine. Returns the result (x's shape) and each group's mean and variance
    /// (`[groups]`, outside autograd).
    ///
    /// Gradient, with x̂ the normalized x and g the gradient of x̂ (the output's times the weight):
    /// `(g − mean(g) − x̂·mean(g·x̂)) / √(var + eps)` per group, the weight's `Σ g_out·x̂` and the
    /// bias's `Σ g_out`, all from one pass per group; under `create_graph` the same formulas in
    /// differentiable ops, so every order follows.
    public func normalizedGroups(outer: Int, groups: Int, inner: Int, eps: Double, weight: Tensor? = nil,
                                 bias: Tensor? = nil) throws -> (normalized: Tensor, mean: Tensor, variance: Tensor) {
        guard outer >= 1, groups >= 0, inner >= 1, outer * groups * inner == numel, dtype.isFloatingPoint else {
            throw GentrainError.shape("normalize: a floating point tensor of \(outer) × \(groups) × \(inner) elements expected, got \(dtype) \(shapeString(shape))")
        }
        for t in [weight, bias].compactMap({ $0 }) where t.shape != [groups] || !t.dtype.isFloatingPoint {
            throw GentrainError.shape("normalize: weight and bias must be floating point [\(groups)], got \(t.dtype) \(shapeString(t.shape))")
        }
        let ct = dtype.computeType
        let (x, w, b) = try withNoGrad { (try to(ct).contiguous(), try weight.map { try $0.to(.float64).contiguous() },
                                          try bias.map { try $0.to(.float64).contiguous() }) }
        let out = try Tensor(empty: shape, dtype: ct)
        let mean = try Tensor(empty: [groups], dtype: ct), variance = try Tensor(empty: [groups], dtype: ct)
        func run<T: FloatElement>(_: T.Type) {
            let (px, po, pm, pv) = (x.pointer(T.self), out.pointer(T.self), mean.pointer(T.self), variance.pointer(T.self))
            let (pw, pb) = (w?.pointer(Double.self), b?.pointer(Double.self))
            let count = Double(outer * inner)
            parallelFor(groups, grain: 1) { block in
                for k in block {
                    var s = 0.0
                    for a in 0..<outer { s += runSum(px + (a * groups + k) * inner, inner) }
                    let m = s / count
                    var q = 0.0
                    for a in 0..<outer { q += runSquaredDeviations(px + (a * groups + k) * inner, inner, m) }
                    let v = q / count, inv = 1 / (v + eps).squareRoot()
                    // y = (x − m)·inv·w + β as one multiply-add
                    let scale = inv * (pw?[k] ?? 1), shift = (pb?[k] ?? 0) - m * scale
                    let (sc, sh) = (T(scale), T(shift))
                    for a in 0..<outer {
                        let (src, dst) = (px + (a * groups + k) * inner, po + (a * groups + k) * inner)
                        for j in 0..<inner { dst[j] = src[j] * sc + sh }
                    }
                    (pm[k], pv[k]) = (T(m), T(v))
                }
            }
        }
        if ct == .float32 { run(Float.self) } else { run(Double.self) }
        let (result, means, variances) = ct == dtype ? (out, mean, variance) : try withNoGrad { (try out.to(dtype), try mean.to(dtype), try variance.to(dtype)) }
        let input = self
        let inputs = [input] + [weight, bias].compactMap { $0 }
        let normalized = try record(result, "NormalizeBackward", inputs) { node, g in
            let grads: (Tensor?, Tensor?, Tensor?) = GradMode.isEnabled
                ? try normalizeBackwardOps(input, g, weight, outer, groups, inner, eps)
                : try normalizeBackward(input, g, means, variances, weight, outer, groups, inner, eps)
            let all = [grads.0] + (weight != nil ? [grads.1] : []) + (bias != nil ? [grads.2] : [])
            return Grads(try all.enumerated().map { i, grad in   // each in its input's dtype
                node.needsInputGrad(i) ? try grad?.to(inputs[i].dtype) : nil
            })
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

/// The fused first-order gradients (x, weight, bias) from x, the output's gradient and the saved
/// statistics: per group, Σg and Σg·x, then dx = A·g + B·(x − m) + C in one more pass.
private func normalizeBackward(_ x: Tensor, _ g: Tensor, _ means: Tensor, _ variances: Tensor, _ weight: Tensor?,
                               _ outer: Int, _ groups: Int, _ inner: Int, _ eps: Double) throws -> (Tensor?, Tensor?, Tensor?) {
    let ct = x.dtype.computeType
    let (gc, xc, mc, vc, wc) = try withNoGrad {
        (try g.to(ct).contiguous(), try x.to(ct).contiguous(), try means.to(.float64), try variances.to(.float64),
         try weight.map { try $0.to(.float64).contiguous() })
    }
    let dx = try Tensor(empty: x.shape, dtype: ct)
    let dw = try Tensor(empty: [groups], dtype: .float64), db = try Tensor(empty: [groups], dtype: .float64)
    func run<T: FloatElement>(_: T.Type) {
        let (pg, px, pd) = (gc.pointer(T.self), xc.pointer(T.self), dx.pointer(T.self))
        let (pm, pv, pw, pdw, pdb) = (mc.pointer(Double.self), vc.pointer(Double.self), wc?.pointer(Double.self),
                                      dw.pointer(Double.self), db.pointer(Double.self))
        let count = Double(outer * inner)
        parallelFor(groups, grain: 1) { block in
            for k in block {
                var (sg, sgx) = (0.0, 0.0)
                for a in 0..<outer {
                    let o = (a * groups + k) * inner
                    sg += runSum(pg + o, inner)
                    sgx += runDot(pg + o, px + o, inner)
                }
                let (m, inv, wk) = (pm[k], 1 / (pv[k] + eps).squareRoot(), pw?[k] ?? 1)
                let sgxhat = inv * (sgx - m * sg)             // Σ g·x̂
                (pdw[k], pdb[k]) = (sgxhat, sg)
                // dx = w·inv·(g − Σg/M − x̂·Σg·x̂/M), x̂·Σg·x̂/M = (x − m)·slope
                let slope = inv * sgxhat / count
                let (ca, cb, cc, mt) = (T(wk * inv), T(-wk * inv * slope), T(-wk * inv * sg / count), T(m))
                for a in 0..<outer {
                    let o = (a * groups + k) * inner
                    let (gr, xr, dr) = (pg + o, px + o, pd + o)
                    for j in 0..<inner { dr[j] = ca * gr[j] + cb * (xr[j] - mt) + cc }
                }
            }
        }
    }
    if ct == .float32 { run(Float.self) } else { run(Double.self) }
    return try withNoGrad { (try dx.to(g.dtype), try dw.to(x.dtype), try db.to(x.dtype)) }
}

/// The gradients in differentiable ops (for `create_graph`): x̂ and 1/σ recomputed from x.
private func normalizeBackwardOps(_ x: Tensor, _ g: Tensor, _ weight: Tensor?, _ outer: Int, _ groups: Int, _ inner: Int,
                                  _ eps: Double) throws -> (Tensor?, Tensor?, Tensor?) {
    let view = [outer, groups, inner], dims = [0, 2]
    let xv = try x.reshape(view), gy = try g.reshape(view)
    let gv = try weight.map { try gy.mul($0.reshape([1, groups, 1])) } ?? gy   // the gradient of x̂
    let inv = try xv.variance(dims: dims, correction: 0, keepdim: true).add(eps).rsqrt()
    let xhat = try xv.sub(xv.mean(dims: dims, keepdim: true)).mul(inv)
    let dx = try gv.sub(gv.mean(dims: dims, keepdim: true)).sub(xhat.mul(gv.mul(xhat).mean(dims: dims, keepdim: true))).mul(inv)
    return (try dx.reshape(x.shape), try gy.mul(xhat).sum(dims: dims), try gy.sum(dims: dims))
}
