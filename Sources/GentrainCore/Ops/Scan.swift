/// Running sums and products along a dimension, and products over one (PyTorch's cumsum,
/// cumprod and prod).
extension Tensor {
    /// `out[..., i, ...] = Σ_{j ≤ i} x[..., j, ...]` along `dim` (torch.cumsum). Floating dtypes
    /// keep their dtype and accumulate in float64 (as PyTorch's CPU kernel); integer and bool
    /// inputs give int64, whose sums wrap around past its range (two's complement, as PyTorch's).
    /// The gradient is the running sum of the gradient from the other end.
    public func cumsum(dim d: Int) throws -> Tensor {
        let axis = try dim(d, "cumsum")
        let out = try scanRaw(axis, reverse: false, .sum)
        guard dtype.isFloatingPoint else { return out }
        return try record(out, "CumsumBackward", self, saves: false) { _, g in Grads(try g.reverseCumsum(axis)) }
    }

    /// `out[..., i, ...] = Σ_{j ≥ i} x[..., j, ...]`: cumsum's gradient, whose own gradient is cumsum.
    func reverseCumsum(_ axis: Int) throws -> Tensor {
        try record(try scanRaw(axis, reverse: true, .sum), "ReverseCumsumBackward", self, saves: false) { _, g in
            Grads(try g.cumsum(dim: axis))
        }
    }

    /// `out[..., i, ...] = Π_{j ≤ i} x[..., j, ...]` along `dim` (torch.cumprod), with cumsum's
    /// dtypes (integers wrap around). The gradient is exact where x has zeros, and differentiable:
    /// at i it is `Π_{j<i} x_j · R_i` with `R_i = g_i + x_{i+1}·R_{i+1}`, a linear scan from the end.
    public func cumprod(dim d: Int) throws -> Tensor {
        let axis = try dim(d, "cumprod")
        if ndim == 0 { return try reshape([1]).cumprod(dim: 0).reshape([]) }
        let out = try scanRaw(axis, reverse: false, .product)
        guard dtype.isFloatingPoint else { return out }
        let x = self
        return try record(out, "CumprodBackward", x) { _, g in
            Grads(try x.exclusiveCumprod(axis).mul(g.linearScan(x.shifted(axis, by: -1, fill: 0), axis, reverse: true)))
        }
    }

    /// The product over `dim`, or over every element when nil (torch.prod): int64 for integer and
    /// bool tensors (wrapping around), floating dtypes kept (accumulated in float64); 1 over no
    /// elements. The gradient `Π_{j≠i} x_j` is the product of exclusive running products from
    /// both ends: exact where x has zeros, and differentiable.
    public func prod(dim d: Int? = nil, keepdim: Bool = false) throws -> Tensor {
        guard let d else { return try reshape([numel]).prod(dim: 0) }
        let axis = try dim(d, "prod")
        if ndim == 0 { return try reshape([1]).prod(dim: 0) }
        let out = try scanRaw(axis, reverse: false, .product, reduce: true)
        let result = keepdim ? out : try withNoGrad { try out.squeeze(dims: [axis]) }
        guard dtype.isFloatingPoint else { return result }
        let x = self
        return try record(result, "ProdBackward", x) { _, g in
            let fromEnd = try x.flip([axis]).exclusiveCumprod(axis).flip([axis])
            return Grads(try (keepdim ? g : g.unsqueeze(axis)).mul(x.exclusiveCumprod(axis)).mul(fromEnd))
        }
    }

    /// `Π_{j < i} x_j` along `axis` (1 at the start).
    private func exclusiveCumprod(_ axis: Int) throws -> Tensor {
        try shifted(axis, by: 1, fill: 1).cumprod(dim: axis)
    }

    /// The elements moved one place along `axis` toward its end (`by` 1: out_i = x_{i−1}) or its
    /// start (`by` −1: out_i = x_{i+1}), `fill` in the place left empty; differentiable.
    private func shifted(_ axis: Int, by: Int, fill: Double) throws -> Tensor {
        let n = shape[axis]
        guard n > 0 else { return self }
        var edge = shape
        edge[axis] = 1
        let filler = try Tensor.full(edge, fill, dtype: dtype)
        return by > 0 ? try Tensor.cat([filler, narrow(axis, start: 0, length: n - 1)], dim: axis)
            : try Tensor.cat([narrow(axis, start: 1, length: n - 1), filler], dim: axis)
    }

    /// `S_i = self_i + a_i·S_{i+1}` (reverse) or `S_i = self_i + a_i·S_{i−1}` along `axis`, for
    /// floating tensors of one shape: cumprod's gradient. Its own gradient is the transposed linear
    /// map, the scan the other way with `a` shifted by one: `T`, and `a` gets `T · S` shifted back.
    private func linearScan(_ a: Tensor, _ axis: Int, reverse: Bool) throws -> Tensor {
        let out = try linearScanRaw(a, axis, reverse: reverse)
        let g = self
        return try record(out, "LinearScanBackward", g, a) { node, h in
            let t = try h.linearScan(a.shifted(axis, by: reverse ? 1 : -1, fill: 0), axis, reverse: !reverse)
            guard node.needsInputGrad(1) else { return Grads(t, nil) }
            let s = try g.linearScan(a, axis, reverse: reverse)
            return Grads(node.needsInputGrad(0) ? t : nil, try t.mul(s.shifted(axis, by: reverse ? -1 : 1, fill: 0)))
        }
    }

    private enum Combine { case sum, product }

    /// The running sums or products without recording (only the last of each row when `reduce`,
    /// the axis kept with size 1), over rows of `shape[axis]` elements (a 0-d tensor is one row of one).
    private func scanRaw(_ axis: Int, reverse: Bool, _ combine: Combine, reduce: Bool = false) throws -> Tensor {
        let floating = dtype.isFloatingPoint
        let work = try withNoGrad { try to(floating ? .float64 : .int64).contiguous() }
        var outShape = shape
        if reduce { outShape[axis] = 1 }
        let out = try Tensor(empty: outShape, dtype: work.dtype)
        let (n, inner, outer) = rows(axis)
        func run<T: Numeric>(_: T.Type, _ op: (T, T) -> T) {
            let src = work.pointer(T.self), dst = out.pointer(T.self)
            let identity: T = combine == .sum ? 0 : 1
            for o in 0..<outer {
                for i in 0..<inner {
                    var acc = identity
                    for k in 0..<n {
                        let j = o * n * inner + (reverse ? n - 1 - k : k) * inner + i
                        acc = op(acc, src[j])
                        if !reduce { dst[j] = acc }
                    }
                    if reduce { dst[o * inner + i] = acc }
                }
            }
        }
        switch (floating, combine) {
        case (true, .sum): run(Double.self, +)
        case (true, .product): run(Double.self, *)
        case (false, .sum): run(Int64.self, &+)
        case (false, .product): run(Int64.self, &*)
        }
        return floating && dtype != .float64 ? try withNoGrad { try out.to(dtype) } : out
    }

    /// `linearScan`'s values without recording, computed in float64.
    private func linearScanRaw(_ a: Tensor, _ axis: Int, reverse: Bool) throws -> Tensor {
        let (g, m) = try withNoGrad { (try to(.float64).contiguous(), try a.to(.float64).contiguous()) }
        let out = try Tensor(empty: shape, dtype: .float64)
        let (n, inner, outer) = rows(axis)
        let (pg, pm, po) = (g.pointer(Double.self), m.pointer(Double.self), out.pointer(Double.self))
        for o in 0..<outer {
            for i in 0..<inner {
                var acc = 0.0
                for k in 0..<n {
                    let j = o * n * inner + (reverse ? n - 1 - k : k) * inner + i
                    acc = pg[j] + pm[j] * acc
                    po[j] = acc
                }
            }
        }
        return dtype == .float64 ? out : try withNoGrad { try out.to(dtype) }
    }

    /// A scan's rows along `axis`: their length, the stride between their elements, and how many
    /// blocks of `inner` rows there are.
    private func rows(_ axis: Int) -> (n: Int, inner: Int, outer: Int) {
        guard ndim > 0 else { return (1, 1, 1) }
        return (shape[axis], shape[(axis + 1)...].reduce(1, *), shape[..<axis].reduce(1, *))
    }
}
