/// softmax and log_softmax along one dimension, computed stably (shifted by the row maximum).
extension Tensor {
    /// `exp(x) / Σ exp(x)` along `dim`; gradient `y · (g − Σ g·y)`.
    public func softmax(dim d: Int) throws -> Tensor {
        let i = try dim(d, "softmax")
        let out = try softmaxRaw(i, log: false)
        return try recordWithOutput(out, "SoftmaxBackward", self) { _, g, y in
            let gy = try g.mul(y)
            return Grads(try gy.sub(y.mul(gy.sum(dims: [i], keepdim: true))))
        }
    }

    /// `x − log Σ exp(x)` along `dim`; gradient `g − exp(y) · Σ g`.
    public func logSoftmax(dim d: Int) throws -> Tensor {
        let i = try dim(d, "log_softmax")
        let out = try softmaxRaw(i, log: true)
        return try recordWithOutput(out, "LogSoftmaxBackward", self) { _, g, y in
            Grads(try g.sub(y.exp().mul(g.sum(dims: [i], keepdim: true))))
        }
    }

    /// The forward of softmax or log_softmax along dimension `i`, on rows made contiguous.
    private func softmaxRaw(_ i: Int, log: Bool) throws -> Tensor {
        guard dtype.isFloatingPoint else {
            throw GentrainError.dtype("\(log ? "log_softmax" : "softmax"): expected a floating point tensor, got \(dtype)")
        }
        if ndim == 0 { return try unaryRaw(self, .mulScalar(0), "softmax").add(log ? 0 : 1) }
        let last = ndim - 1
        // Rows along the last dimension: move `i` there (a view), compute, move it back.
        let moved = i == last ? self : try withNoGrad { try transpose(i, last) }
        let ct = dtype.computeType
        let src = try withNoGrad { try moved.to(ct).contiguous() }
        let out = try Tensor(empty: src.shape, dtype: ct)
        let n = src.shape[last]
        let rows = n == 0 ? 0 : src.numel / n
        if ct == .float32 {
            softmaxRows(src.pointer(Float.self), out.pointer(Float.self), rows, n, log)
        } else {
            softmaxRows(src.pointer(Double.self), out.pointer(Double.self), rows, n, log)
        }
        let typed = ct == dtype ? out : try withNoGrad { try out.to(dtype) }
        return i == last ? typed : typed.view(shape: shape, strides: typed.strides.swappedAt(i, last), offset: 0)
    }
}

/// Softmax (or log-softmax) of each row of `x` `[rows, n]` into `y`, blocks of rows over the pool.
private func softmaxRows<T: FloatElement>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ rows: Int, _ n: Int, _ log: Bool) {
    // Exponentials cost like a transcendental unary op's elements.
    parallelFor(rows, itemSize: n, grain: transcendentalGrain) { block in softmaxBlock(x, y, block, n, log) }
}

private func softmaxBlock<T: FloatElement>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ block: Range<Int>, _ n: Int, _ log: Bool) {
    for r in block {
        let a = x + r * n, o = y + r * n
        let m = rowShift(a, n)
        let s = expShiftedSum(a, m, o, n)
        if log {
            let lse = m + T.log(s)
            for j in 0..<n { o[j] = a[j] - lse }
        } else {
            let inv = 1 / s
            for j in 0..<n { o[j] *= inv }
        }
    }
}

/// log Σ exp over each row of `x` `[M, C]` (float32 or float64), without autograd: the fused
/// cross-entropy's forward (one pass per row, no `[M, C]` buffer).
package func logSumExpRows(_ x: Tensor) throws -> Tensor {
    guard x.ndim == 2, x.dtype == .float32 || x.dtype == .float64 else {
        throw GentrainError.shape("logsumexp rows: expected a float32 or float64 [M, C] tensor, got \(x.dtype) \(shapeString(x.shape))")
    }
    let src = try withNoGrad { try x.contiguous() }
    let (rows, n) = (x.shape[0], x.shape[1])
    let out = try Tensor(empty: [rows], dtype: x.dtype)
    func run<T: FloatElement>(_: T.Type) {
        let px = src.pointer(T.self), po = out.pointer(T.self)
        parallelFor(rows, itemSize: n, grain: transcendentalGrain) { block in
            withUnsafeTemporaryAllocation(of: T.self, capacity: Swift.max(n, 1)) { scratch in
                for r in block {
                    let shift = rowShift(px + r * n, n)
                    po[r] = shift + T.log(expShiftedSum(px + r * n, shift, scratch.baseAddress!, n))
                }
            }
        }
    }
    if x.dtype == .float32 { run(Float.self) } else { run(Double.self) }
    return out
}

/// The shift that keeps a row's exponentials in range: its maximum (NaN if it has one), 0 when
/// that is infinite.
private func rowShift<T: FloatElement>(_ a: UnsafePointer<T>, _ n: Int) -> T {
    var m = -T.infinity
    for j in 0..<n where a[j] > m || a[j].isNaN { m = a[j] }
    return m.isInfinite ? 0 : m
}

/// Writes exp(a[j] − shift) to `e` and returns their sum: the exponentials through the
/// vectorized kernel, the sum in partial sums (a loop adding exponentials one by one cannot
/// vectorize).
private func expShiftedSum<T: FloatElement>(_ a: UnsafePointer<T>, _ shift: T, _ e: UnsafeMutablePointer<T>, _ n: Int) -> T {
    for j in 0..<n { e[j] = a[j] - shift }
    unaryKernel(.exp, e, e, n)
    return sumRun(e, 1, n)
}

extension Array {
    func swappedAt(_ i: Int, _ j: Int) -> [Element] {
        var c = self
        c.swapAt(i, j)
        return c
    }
}
