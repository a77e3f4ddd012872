/// Running sums along a dimension (PyTorch's `cumsum`).
extension Tensor {
    /// `out[..., i, ...] = Σ_{j ≤ i} x[..., j, ...]` along `dim` (torch.cumsum). Floating dtypes
    /// keep their dtype and accumulate in float64 (as PyTorch's CPU kernel); integer and bool
    /// inputs give int64, whose sums wrap around past its range (two's complement, as PyTorch's).
    /// The gradient is the running sum of the gradient from the other end.
    public func cumsum(dim d: Int) throws -> Tensor {
        let axis = try dim(d, "cumsum")
        let out = try scanRaw(axis, reverse: false)
        guard dtype.isFloatingPoint else { return out }
        return try record(out, "CumsumBackward", self, saves: false) { _, g in Grads(try g.reverseCumsum(axis)) }
    }

    /// `out[..., i, ...] = Σ_{j ≥ i} x[..., j, ...]`: cumsum's gradient, whose own gradient is cumsum.
    func reverseCumsum(_ axis: Int) throws -> Tensor {
        try record(try scanRaw(axis, reverse: true), "ReverseCumsumBackward", self, saves: false) { _, g in Grads(try g.cumsum(dim: axis)) }
    }

    /// The running sums without recording, over rows of `shape[axis]` elements (a 0-d tensor is
    /// one row of one).
    private func scanRaw(_ axis: Int, reverse: Bool) throws -> Tensor {
        let floating = dtype.isFloatingPoint
        let work = try withNoGrad { try to(floating ? .float64 : .int64).contiguous() }
        let out = try Tensor(empty: shape, dtype: work.dtype)
        let n = ndim == 0 ? 1 : shape[axis]
        let inner = ndim == 0 ? 1 : shape[(axis + 1)...].reduce(1, *)
        let outer = n == 0 || inner == 0 ? 0 : numel / (n * inner)
        func run<T: AdditiveArithmetic>(_: T.Type, _ add: (T, T) -> T) {
            let src = work.pointer(T.self), dst = out.pointer(T.self)
            for o in 0..<outer {
                for i in 0..<inner {
                    var acc = T.zero
                    for k in 0..<n {
                        let j = o * n * inner + (reverse ? n - 1 - k : k) * inner + i
                        acc = add(acc, src[j])
                        dst[j] = acc
                    }
                }
            }
        }
        if floating { run(Double.self, +) } else { run(Int64.self, &+) }
        return floating && dtype != .float64 ? try withNoGrad { try out.to(dtype) } : out
    }
}
