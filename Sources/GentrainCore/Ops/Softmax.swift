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
    let first = block.lowerBound
    withUnsafeTemporaryAllocation(of: T.self, capacity: block.count) { shifts in
        shiftedExps(x, block, n, y + first * n, shifts.baseAddress!)
        for r in block {
            let a = x + r * n, o = y + r * n
            let s = sumRun(o, 1, n)
            if log {
                let lse = shifts[r - first] + T.log(s)
                for j in 0..<n { o[j] = a[j] - lse }
            } else {
                let inv = 1 / s
                for j in 0..<n { o[j] *= inv }
            }
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
            withUnsafeTemporaryAllocation(of: T.self, capacity: Swift.max(block.count * n, 1)) { scratch in
                shiftedExps(px, block, n, scratch.baseAddress!, po + block.lowerBound)   // the shifts straight into `out`
                for r in block {
                    let k = r - block.lowerBound
                    po[r] += T.log(sumRun(scratch.baseAddress! + k * n, 1, n))
                }
            }
        }
    }
    if x.dtype == .float32 { run(Float.self) } else { run(Double.self) }
    return out
}

/// exp(x − lse) for `x` `[M, C]` (contiguous float32 or float64) and its rows' log-sum-exp `lse`
/// `[M]` (`logSumExpRows`), into a fresh tensor, without autograd: the softmax of the rows
/// without a second pass for their maxima and sums (the fused cross-entropy's backward).
package func softmaxFromLogSumExp(_ x: Tensor, _ lse: Tensor) throws -> Tensor {
    guard x.ndim == 2, x.isContiguous, x.dtype == .float32 || x.dtype == .float64, lse.shape == [x.shape[0]],
          lse.dtype == x.dtype, lse.isContiguous else {
        throw GentrainError(.internal, "softmax from logsumexp: expected contiguous [M, C] logits and [M] sums of one float dtype")
    }
    let n = x.shape[1]
    let out = try Tensor(empty: x.shape, dtype: x.dtype)
    func run<T: FloatElement>(_: T.Type) {
        let px = x.pointer(T.self), pl = lse.pointer(T.self), po = out.pointer(T.self)
        parallelFor(x.shape[0], itemSize: n, grain: transcendentalGrain) { block in
            for r in block { for j in 0..<n { po[r * n + j] = px[r * n + j] - pl[r] } }
            unaryKernel(.exp, po + block.lowerBound * n, po + block.lowerBound * n, block.count * n)
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

/// Writes exp(x[r, j] − shift_r) for the rows r of `block` to `e` (row r from `e + (r − first)·n`,
/// `first` the block's first row) and each row's shift (`rowShift`) to `shifts[r − first]`: the
/// exponentials of the whole block in one call of the vectorized kernel (a call per row costs more
/// than a short row's arithmetic).
private func shiftedExps<T: FloatElement>(_ x: UnsafePointer<T>, _ block: Range<Int>, _ n: Int, _ e: UnsafeMutablePointer<T>,
                                          _ shifts: UnsafeMutablePointer<T>) {
    let first = block.lowerBound
    for r in block {
        let a = x + r * n, o = e + (r - first) * n
        let shift = rowShift(a, n)
        shifts[r - first] = shift
        for j in 0..<n { o[j] = a[j] - shift }
    }
    unaryKernel(.exp, e, e, block.count * n)
}

extension Array {
    func swappedAt(_ i: Int, _ j: Int) -> [Element] {
        var c = self
        c.swapAt(i, j)
        return c
    }
}
