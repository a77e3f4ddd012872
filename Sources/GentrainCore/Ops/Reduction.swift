/// Differentiable reductions over all dimensions (`dims` nil or empty) or the given ones,
/// with `keepdim` as in PyTorch.
extension Tensor {
    /// Sorted, distinct, non-negative reduction dims (all dims for nil or empty).
    func reductionDims(_ dims: [Int]?, _ op: String) throws -> [Int] {
        guard let dims, !dims.isEmpty else { return Array(0..<ndim) }
        let d = try dims.map { try dim($0, op) }
        guard Set(d).count == d.count else { throw GentrainError.argument("\(op): dim appears multiple times in the list of dims") }
        return ndim == 0 ? [] : d.sorted()
    }

    /// The shape after reducing `dims`, with or without them.
    func reducedShape(_ dims: [Int], keepdim: Bool) -> [Int] {
        keepdim ? shape.enumerated().map { dims.contains($0.offset) ? 1 : $0.element }
                : shape.enumerated().filter { !dims.contains($0.offset) }.map(\.element)
    }

    /// The sum over `dims`: in the input's dtype for floating-point tensors, in int64 for integers
    /// and bool (as PyTorch's).
    public func sum(dims: [Int]? = nil, keepdim: Bool = false) throws -> Tensor {
        let d = try reductionDims(dims, "sum")
        let keep = try reduceRaw(self, d, .sum)
        let out = keepdim ? keep : keep.view(shape: reducedShape(d, keepdim: false),
                                              strides: contiguousStrides(reducedShape(d, keepdim: false)), offset: 0)
        let inShape = shape, keepShape = keep.shape
        return try record(out, "SumBackward", self, saves: false) { _, g in Grads(try g.reshape(keepShape).expand(inShape)) }
    }

    public func mean(dims: [Int]? = nil, keepdim: Bool = false) throws -> Tensor {
        guard dtype.isFloatingPoint else {
            throw GentrainError.dtype("mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: \(dtype)")
        }
        let d = try reductionDims(dims, "mean")
        let count = d.reduce(1) { $0 * shape[$1] }
        return try sum(dims: d, keepdim: keepdim).div(Double(count))
    }

    /// Variance with Bessel's `correction` (1, PyTorch's default: unbiased).
    public func variance(dims: [Int]? = nil, correction: Int = 1, keepdim: Bool = false) throws -> Tensor {
        let d = try reductionDims(dims, "var")
        let count = d.reduce(1) { $0 * shape[$1] }
        let centered = try sub(mean(dims: d, keepdim: true))
        // In Double: any correction a caller passes, Int.min included, is a number here.
        return try centered.square().sum(dims: d, keepdim: keepdim).div(Swift.max(Double(count) - Double(correction), 0))
    }

    /// The largest element over `dims`; tied maxima share the gradient equally.
    public func amax(dims: [Int]? = nil, keepdim: Bool = false) throws -> Tensor {
        try extremum(dims, keepdim, .max, "amax")
    }

    /// The smallest element over `dims`; tied minima share the gradient equally.
    public func amin(dims: [Int]? = nil, keepdim: Bool = false) throws -> Tensor {
        try extremum(dims, keepdim, .min, "amin")
    }

    private func extremum(_ dims: [Int]?, _ keepdim: Bool, _ op: ReduceOp, _ name: String) throws -> Tensor {
        let d = try reductionDims(dims, name)
        for i in d where shape[i] == 0 {
            throw GentrainError.index("\(name): cannot reduce over a zero-size dimension \(i)")
        }
        let keep = try reduceRaw(self, d, op)
        let outShape = reducedShape(d, keepdim: keepdim)
        let out = keep.view(shape: outShape, strides: contiguousStrides(outShape), offset: 0)
        let x = self, keepShape = keep.shape
        return try recordWithOutput(out, name == "amax" ? "AmaxBackward" : "AminBackward", x) { _, g, y in
            let mask = try x.eq(y.detach().reshape(keepShape)).to(g.dtype)
            let share = try mask.div(mask.sum(dims: d, keepdim: true))
            return Grads(try g.reshape(keepShape).mul(share))
        }
    }

    /// The maximum along `dim` and the index of the first maximum (PyTorch's `max(dim)`).
    public func max(dim d: Int, keepdim: Bool = false) throws -> (values: Tensor, indices: Tensor) {
        try extremumWithIndices(d, keepdim, max: true)
    }

    /// The minimum along `dim` and the index of the first minimum.
    public func min(dim d: Int, keepdim: Bool = false) throws -> (values: Tensor, indices: Tensor) {
        try extremumWithIndices(d, keepdim, max: false)
    }

    /// The index of the first minimum along `dim` (torch.argmin).
    public func argmin(dim d: Int, keepdim: Bool = false) throws -> Tensor {
        try withNoGrad { try min(dim: d, keepdim: keepdim).indices }
    }

    /// The index of the maximum along `dim`.
    public func argmax(dim d: Int, keepdim: Bool = false) throws -> Tensor {
        try withNoGrad { try max(dim: d, keepdim: keepdim).indices }
    }

    private func extremumWithIndices(_ d: Int, _ keepdim: Bool, max: Bool) throws -> (values: Tensor, indices: Tensor) {
        let x = ndim == 0 ? try reshape([1]) : self
        let i = try x.dim(d, max ? "max" : "min")
        let (values, indices) = try argExtremumRaw(x, i, max: max)
        let outShape = ndim == 0 ? [] : x.reducedShape([i], keepdim: keepdim)
        let v = values.view(shape: outShape, strides: contiguousStrides(outShape), offset: 0)
        let idx = indices.view(shape: outShape, strides: contiguousStrides(outShape), offset: 0)
        let inShape = x.shape, keepShape = values.shape
        try record(v, max ? "MaxBackward" : "MinBackward", [x]) { _, g in
            Grads(try Tensor.zeros(inShape, dtype: g.dtype).scatterAdd(i, indices, g.reshape(keepShape)))
        }
        return (ndim == 0 ? try v.reshape([]) : v, idx)
    }

    /// `log(Σ exp(x))` over `dims`, computed stably (shifted by the maximum).
    public func logsumexp(dims: [Int]? = nil, keepdim: Bool = false) throws -> Tensor {
        let d = try reductionDims(dims, "logsumexp")
        let m = try withNoGrad { () -> Tensor in
            let m = try amax(dims: d, keepdim: true)
            return try Tensor.where(m.abs().eq(Double.infinity), Tensor.scalar(0, dtype: m.dtype), m)
        }
        let out = try sub(m).exp().sum(dims: d, keepdim: true).log().add(m)
        return keepdim ? out : try out.reshape(reducedShape(d, keepdim: false))
    }

    /// The p-norm over `dim`, as PyTorch's `x.norm(2, dim=1)`: `x.norm(2, dim: 1)`.
    public func norm(_ p: Double, dim: Int, keepdim: Bool = false) throws -> Tensor {
        try norm(p: p, dims: [dim], keepdim: keepdim)
    }

    /// The p-norm over `dims` (p = 2 by default; 1, inf and other p > 0 too). The 2-norm's
    /// gradient is `x / ‖x‖`, taken as 0 where the norm is 0.
    public func norm(p: Double = 2, dims: [Int]? = nil, keepdim: Bool = false) throws -> Tensor {
        let d = try reductionDims(dims, "norm")
        switch p {
        case 1: return try abs().sum(dims: d, keepdim: keepdim)
        case .infinity: return try abs().amax(dims: d, keepdim: keepdim)
        case 2:
            let x = self
            let keep = try withNoGrad { try x.square().sum(dims: d, keepdim: true).sqrt() }
            let outShape = reducedShape(d, keepdim: keepdim)
            let out = keep.view(shape: outShape, strides: contiguousStrides(outShape), offset: 0)
            let keepShape = keep.shape
            return try recordWithOutput(out, "NormBackward", x) { _, g, y in
                let yk = try y.reshape(keepShape)
                let scale = try Tensor.where(yk.eq(0), Tensor.scalar(0, dtype: g.dtype), g.reshape(keepShape).div(yk))
                return Grads(try x.mul(scale))
            }
        default:
            guard p > 0 else { throw GentrainError.argument("norm: p must be positive, got \(p)") }
            return try abs().pow(p).sum(dims: d, keepdim: keepdim).pow(1 / p)
        }
    }

    /// Sums this gradient over the dimensions that broadcasting added or expanded, giving `target`.
    public func sumToShape(_ target: [Int]) throws -> Tensor {
        if shape == target { return self }
        let lead = ndim - target.count
        guard lead >= 0 else { throw GentrainError.shape("sum_to_size: \(shapeString(shape)) cannot reduce to \(shapeString(target))") }
        var dims = Array(0..<lead)
        for (i, t) in target.enumerated() {
            let s = shape[lead + i]
            if t == s { continue }
            guard t == 1 else { throw GentrainError.shape("sum_to_size: \(shapeString(shape)) cannot reduce to \(shapeString(target))") }
            dims.append(lead + i)
        }
        let r = try sum(dims: dims, keepdim: true)
        return lead > 0 ? try r.reshape(target) : r
    }
}
