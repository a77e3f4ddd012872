/// Reduction kernels: sums and extrema over any set of dimensions, and extrema with
/// indices along one dimension.

/// How a reduction combines elements.
enum ReduceOp { case sum, max, min }

/// Reduces the floating-point tensor `x` over `dims` (sorted, distinct), keeping them as size 1.
func reduceRaw(_ x: Tensor, _ dims: [Int], _ op: ReduceOp) throws -> Tensor {
    let ct = x.dtype.computeType
    let src = ct == x.dtype ? x : try withNoGrad { try x.to(ct) }
    var keepShape = x.shape
    for d in dims { keepShape[d] = 1 }
    let out = try Tensor(empty: keepShape, dtype: ct)
    if ct == .float32 { reduceLoop(src, out, op, Float.self) } else { reduceLoop(src, out, op, Double.self) }
    return ct == x.dtype ? out : try withNoGrad { try out.to(x.dtype) }
}

private func reduceLoop<T: FloatElement>(_ x: Tensor, _ out: Tensor, _ op: ReduceOp, _: T.Type) {
    let po = out.pointer(T.self), px = x.pointer(T.self)
    let initial: T = op == .sum ? 0 : (op == .max ? -T.infinity : T.infinity)
    po.update(repeating: initial, count: out.numel)
    forEachRun(x.shape, [x.strides, broadcastStrides(out, to: x.shape)]) { off, n, inner in
        let a = px + off[0], o = po + off[1]
        let sa = inner[0], so = inner[1]
        switch op {
        case .sum:
            if so == 0 {
                o[0] += sumRun(a, sa, n)
            } else if sa == 1 && so == 1 {
                for i in 0..<n { o[i] += a[i] }
            } else {
                for i in 0..<n { o[i * so] += a[i * sa] }
            }
        case .max:
            for i in 0..<n {
                let v = a[i * sa], m = o[i * so]
                if v > m || v.isNaN { o[i * so] = v }
            }
        case .min:
            for i in 0..<n {
                let v = a[i * sa], m = o[i * so]
                if v < m || v.isNaN { o[i * so] = v }
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

/// The maximum (or minimum) along `dim` and its index (the first one on ties), with `dim` kept as size 1.
func argExtremumRaw(_ x: Tensor, _ dim: Int, max: Bool) throws -> (values: Tensor, indices: Tensor) {
    let size = x.shape[dim]
    guard size > 0 else {
        throw GentrainError.index("\(max ? "max" : "min"): cannot reduce over a zero-size dimension \(dim)")
    }
    let ct = x.dtype.computeType
    let src = ct == x.dtype ? x : try withNoGrad { try x.to(ct) }
    var keepShape = x.shape
    keepShape[dim] = 1
    let values = try Tensor(empty: keepShape, dtype: ct)
    let indices = try Tensor(empty: keepShape, dtype: .int64)
    // Walk every output position; the reduced dimension is read with its own stride.
    var walkStrides = src.strides
    walkStrides[dim] = 0
    let step = src.strides[dim]
    func run<T: FloatElement>(_: T.Type) {
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
    if ct == .float32 { run(Float.self) } else { run(Double.self) }
    return (ct == x.dtype ? values : try withNoGrad { try values.to(x.dtype) }, indices)
}
