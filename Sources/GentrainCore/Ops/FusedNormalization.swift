/// The normalization under batch, layer, group and instance norm as one op: statistics and the
/// normalized values in one pass per group forward, the gradient in one pass per group backward
/// (instead of a mean, a variance, a subtraction and a division, each with its own backward).
extension Tensor {
    /// `(x − mean) / √(var + eps) · weight + bias`, the mean and biased variance taken per group:
    /// x's elements read as `[outer, groups, inner]`, each of the `groups` normalized over its
    /// `outer × inner` elements (batch norm: `[N, C, H·W]`; layer, group and instance norm: `outer`
    /// 1). `weight` and `bias` (optional) are indexed along `affine`: per group (`[groups]`, batch
    /// norm's per-channel affine) or, with `outer` 1, per position within a group (`inner`
    /// elements of any shape, layer norm's elementwise affine) or per channel of group and
    /// instance norm (`[C]`). Returns the result (x's shape) and each group's mean and variance
    /// (`[groups]`, outside autograd).
    ///
    /// Gradient, with x̂ the normalized x and g the gradient of x̂ (the output's times the weight):
    /// `(g − mean(g) − x̂·mean(g·x̂)) / √(var + eps)` per group, the weight's `Σ g_out·x̂` and the
    /// bias's `Σ g_out` (over the elements that share the weight's entry); under `create_graph`
    /// the same formulas in differentiable ops, so every order follows.
    public func normalizedGroups(outer: Int, groups: Int, inner: Int, eps: Double, weight: Tensor? = nil,
                                 bias: Tensor? = nil, affine: NormalizationAffine = .perGroup)
        throws -> (normalized: Tensor, mean: Tensor, variance: Tensor) {
        guard outer >= 1, groups >= 0, inner >= 1, outer * groups * inner == numel, dtype.isFloatingPoint,
              affine == .perGroup || outer == 1, affine.fits(groups: groups, inner: inner) else {
            throw GentrainError.shape("normalize: a floating point tensor of \(outer) × \(groups) × \(inner) elements expected, got \(dtype) \(shapeString(shape))")
        }
        let affineCount = affine.count(groups: groups, inner: inner)
        for t in [weight, bias].compactMap({ $0 }) where t.numel != affineCount || !t.dtype.isFloatingPoint
            || (affine == .perGroup && t.ndim != 1) {
            throw GentrainError.shape("normalize: weight and bias must be floating point with \(affineCount) elements, got \(t.dtype) \(shapeString(t.shape))")
        }
        let ct = dtype.computeType
        let (x, w, b) = try withNoGrad { (try to(ct).contiguous(), try weight.map { try $0.to(ct).contiguous() },
                                          try bias.map { try $0.to(ct).contiguous() }) }
        let out = try Tensor(empty: shape, dtype: ct)
        let mean = try Tensor(empty: [groups], dtype: ct), variance = try Tensor(empty: [groups], dtype: ct)
        func run<T: FloatElement>(_: T.Type) {
            let (px, po, pm, pv) = (x.pointer(T.self), out.pointer(T.self), mean.pointer(T.self), variance.pointer(T.self))
            let (pw, pb) = (w?.pointer(T.self), b?.pointer(T.self))
            let count = Double(outer * inner)
            parallelFor(groups, grain: 1) { block in
                for k in block {
                    var s = 0.0
                    for a in 0..<outer { s += runSum(px + (a * groups + k) * inner, inner) }
                    let m = s / count
                    var q = 0.0
                    for a in 0..<outer { q += runSquaredDeviations(px + (a * groups + k) * inner, inner, m) }
                    let v = q / count, inv = 1 / (v + eps).squareRoot()
                    (pm[k], pv[k]) = (T(m), T(v))
                    if affine == .perPosition {   // y = (x·inv − m·inv)·w[j] + b[j]
                        scaleShift(px + k * inner, po + k * inner, inner, T(inv), T(-m * inv), pw, pb)
                        continue
                    }
                    if case let .perChannel(_, spatial) = affine {   // a multiply-add per channel of the group
                        let channels = inner / spatial, first = affine.firstChannel(k, inner: inner)
                        for c in 0..<channels {
                            let scale = inv * (pw.map { $0[first + c].doubleValue } ?? 1)
                            let (sc, sh) = (T(scale), T((pb.map { $0[first + c].doubleValue } ?? 0) - m * scale))
                            scaleShift(px + k * inner + c * spatial, po + k * inner + c * spatial, spatial, sc, sh)
                        }
                        continue
                    }
                    // y = (x − m)·inv·w + β as one multiply-add
                    let scale = inv * (pw.map { $0[k].doubleValue } ?? 1), shift = (pb.map { $0[k].doubleValue } ?? 0) - m * scale
                    let (sc, sh) = (T(scale), T(shift))
                    for a in 0..<outer { scaleShift(px + (a * groups + k) * inner, po + (a * groups + k) * inner, inner, sc, sh) }
                }
            }
        }
        if ct == .float32 { run(Float.self) } else { run(Double.self) }
        let (result, means, variances) = ct == dtype ? (out, mean, variance) : try withNoGrad { (try out.to(dtype), try mean.to(dtype), try variance.to(dtype)) }
        let input = self
        let inputs = [input] + [weight, bias].compactMap { $0 }
        let normalized = try record(result, "NormalizeBackward", inputs) { node, g in
            let grads: (Tensor?, Tensor?, Tensor?) = GradMode.isEnabled
                ? try normalizeBackwardOps(input, g, weight, outer, groups, inner, eps, affine)
                : try normalizeBackward(input, g, means, variances, weight, outer, groups, inner, eps, affine)
            let all = [grads.0] + (weight != nil ? [grads.1] : []) + (bias != nil ? [grads.2] : [])
            return Grads(try all.enumerated().map { i, grad in   // each in its input's dtype and shape
                node.needsInputGrad(i) ? try grad?.to(inputs[i].dtype).reshape(inputs[i].shape) : nil
            })
        }
        return (normalized, means, variances)
    }
}

/// What a normalization's weight and bias are indexed by (see `Tensor.normalizedGroups`).
public enum NormalizationAffine: Sendable, Equatable {
    /// One entry per group: batch norm's per-channel affine.
    case perGroup
    /// One entry per position within a group: layer norm's elementwise affine.
    case perPosition
    /// Group and instance norm's per-channel affine: the groups are `[N, groupsPerSample]`, each
    /// holding channels of `spatial` elements; one entry per channel, `[C]`.
    case perChannel(groupsPerSample: Int, spatial: Int)

    /// The number of entries of a weight or bias.
    func count(groups: Int, inner: Int) -> Int {
        switch self {
        case .perGroup: groups
        case .perPosition: inner
        case let .perChannel(g, spatial): g * (inner / spatial)
        }
    }

    /// Whether the layout divides the groups and their elements as it says (no channels: no groups).
    func fits(groups: Int, inner: Int) -> Bool {
        guard case let .perChannel(g, spatial) = self else { return true }
        return spatial >= 1 && inner % spatial == 0 && (g >= 1 ? groups % g == 0 : groups == 0)
    }

    /// The entry of group k's first channel (per-channel affine).
    func firstChannel(_ k: Int, inner: Int) -> Int {
        guard case let .perChannel(g, spatial) = self else { return 0 }
        return k % g * (inner / spatial)
    }
}

/// The fused first-order gradients (x, weight, bias) from x, the output's gradient and the saved
/// statistics: per group, Σg and Σg·x, then dx = A·g + B·(x − m) + C in one more pass (g the
/// gradient of x̂: with a per-position weight, g_out·w, folded into the sums and that pass); a per-position
/// weight's and bias's sums run over the groups, by columns.
private func normalizeBackward(_ x: Tensor, _ g: Tensor, _ means: Tensor, _ variances: Tensor, _ weight: Tensor?,
                               _ outer: Int, _ groups: Int, _ inner: Int, _ eps: Double,
                               _ affine: NormalizationAffine) throws -> (Tensor?, Tensor?, Tensor?) {
    let ct = x.dtype.computeType
    let (gc, xc, mc, vc, wc) = try withNoGrad {
        (try g.to(ct).contiguous(), try x.to(ct).contiguous(), try means.to(.float64), try variances.to(.float64),
         try weight.map { try $0.to(ct).contiguous() })
    }
    let dx = try Tensor(empty: x.shape, dtype: ct)
    let affineCount = affine.count(groups: groups, inner: inner)
    let dw = try Tensor(empty: [affineCount], dtype: .float64), db = try Tensor(empty: [affineCount], dtype: .float64)
    // Per channel: each group's share of dw and db, [groups, channels] each, summed over the samples after.
    let channels: Int? = if case let .perChannel(_, spatial) = affine { inner / spatial } else { nil }
    let shares = try channels.map { try Tensor(empty: [2, groups, $0], dtype: .float64) }
    func run<T: FloatElement>(_: T.Type) {
        let (pg, px, pd) = (gc.pointer(T.self), xc.pointer(T.self), dx.pointer(T.self))
        let (pm, pv, pw, pdw, pdb) = (mc.pointer(Double.self), vc.pointer(Double.self), wc?.pointer(T.self),
                                      dw.pointer(Double.self), db.pointer(Double.self))
        let count = Double(outer * inner)
        let rowWeight = affine == .perPosition ? pw : nil
        parallelFor(groups, grain: 1) { block in
            for k in block {
                if case let .perChannel(_, spatial) = affine, let channels, let shares {   // w varies by channel within the group
                    let (m, inv) = (pm[k], 1 / (pv[k] + eps).squareRoot())
                    let (first, o, share) = (affine.firstChannel(k, inner: inner), k * inner, shares.pointer(Double.self) + k * channels)
                    var (sgh, sghx) = (0.0, 0.0)   // Σ g·w and Σ g·w·x over the group
                    for c in 0..<channels {
                        let at = o + c * spatial
                        let (sg, sgx, wc) = (runSum(pg + at, spatial), runDot(pg + at, px + at, nil, spatial), pw.map { $0[first + c].doubleValue } ?? 1)
                        (sgh, sghx) = (sgh + wc * sg, sghx + wc * sgx)
                        (share[c], share[groups * channels + c]) = (inv * (sgx - m * sg), sg)   // Σ g·x̂ and Σ g of the channel
                    }
                    // dx = inv·(w_c·g − Σgh/M − x̂·Σgh·x̂/M) with gh = w_c·g: per channel A_c·g + B·(x − m) + C
                    let slope = inv * inv * (sghx - m * sgh) / count
                    let (cb, cc, mt) = (T(-inv * slope), T(-inv * sgh / count), T(m))
                    for c in 0..<channels {
                        let (at, ca) = (o + c * spatial, T(inv * (pw.map { $0[first + c].doubleValue } ?? 1)))
                        inputGrad(pg + at, nil, px + at, pd + at, spatial, ca, cb, mt, cc)
                    }
                    continue
                }
                var (sg, sgx) = (0.0, 0.0)   // Σ of the gradient of x̂ (g·w with a row weight) and of it times x
                for a in 0..<outer {
                    let o = (a * groups + k) * inner
                    if let w = rowWeight {
                        sg += runDot(pg + o, w, nil, inner)
                        sgx += runDot(pg + o, w, px + o, inner)
                    } else {
                        sg += runSum(pg + o, inner)
                        sgx += runDot(pg + o, px + o, nil, inner)
                    }
                }
                let (m, inv) = (pm[k], 1 / (pv[k] + eps).squareRoot())
                let wk = affine == .perGroup ? pw.map { $0[k].doubleValue } ?? 1 : 1
                let sgxhat = inv * (sgx - m * sg)             // Σ g·x̂
                if affine == .perGroup { (pdw[k], pdb[k]) = (sgxhat, sg) }
                // dx = w·inv·(g − Σg/M − x̂·Σg·x̂/M), x̂·Σg·x̂/M = (x − m)·slope
                let slope = inv * sgxhat / count
                let (ca, cb, cc, mt) = (T(wk * inv), T(-wk * inv * slope), T(-wk * inv * sg / count), T(m))
                for a in 0..<outer {
                    let o = (a * groups + k) * inner
                    inputGrad(pg + o, rowWeight, px + o, pd + o, inner, ca, cb, mt, cc)
                }
            }
        }
        if let channels, let shares {   // the groups' shares summed per channel over the samples
            let share = shares.pointer(Double.self)
            for e in 0..<affineCount { (pdw[e], pdb[e]) = (0, 0) }
            for k in 0..<groups {
                let first = affine.firstChannel(k, inner: inner)
                for c in 0..<channels {
                    pdw[first + c] += share[k * channels + c]
                    pdb[first + c] += share[groups * channels + k * channels + c]
                }
            }
        }
        if affine == .perPosition {   // Σ over the groups of g·x̂ and g, a block of columns at a time
            parallelFor(inner, grain: 64) { columns in
                for j in columns { (pdw[j], pdb[j]) = (0, 0) }
                for k in 0..<groups {
                    let at = k * inner + columns.lowerBound
                    accumulateAffineGrads(pg + at, px + at, columns.count, pm[k], 1 / (pv[k] + eps).squareRoot(),
                                          pdw + columns.lowerBound, pdb + columns.lowerBound)
                }
            }
        }
    }
    if ct == .float32 { run(Float.self) } else { run(Double.self) }
    return try withNoGrad { (try dx.to(g.dtype), try dw.to(x.dtype), try db.to(x.dtype)) }
}

/// The gradients in differentiable ops (for `create_graph`): x̂ and 1/σ recomputed from x.
private func normalizeBackwardOps(_ x: Tensor, _ g: Tensor, _ weight: Tensor?, _ outer: Int, _ groups: Int, _ inner: Int,
                                  _ eps: Double, _ affine: NormalizationAffine) throws -> (Tensor?, Tensor?, Tensor?) {
    // The statistics run over `dims` of `view`; the weight and bias broadcast as `affineView`, and
    // their gradients sum over the axes their entries are shared along.
    let (view, dims, affineView, affineSums): ([Int], [Int], [Int], [Int]) = switch affine {
    case .perGroup: ([outer, groups, inner], [0, 2], [1, groups, 1], [0, 2])
    case .perPosition: ([outer, groups, inner], [0, 2], [1, 1, inner], [0, 1])
    case let .perChannel(g, spatial): ([groups / g, g, inner / spatial, spatial], [2, 3], [1, g, inner / spatial, 1], [0, 3])
    }
    let xv = try x.reshape(view), gy = try g.reshape(view)
    let gv = try weight.map { try gy.mul($0.reshape(affineView)) } ?? gy   // the gradient of x̂
    let inv = try xv.variance(dims: dims, correction: 0, keepdim: true).add(eps).rsqrt()
    let xhat = try xv.sub(xv.mean(dims: dims, keepdim: true)).mul(inv)
    let dx = try gv.sub(gv.mean(dims: dims, keepdim: true)).sub(xhat.mul(gv.mul(xhat).mean(dims: dims, keepdim: true))).mul(inv)
    return (try dx.reshape(x.shape), try gy.mul(xhat).sum(dims: affineSums), try gy.sum(dims: affineSums))
}
