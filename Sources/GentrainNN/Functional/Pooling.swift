import GentrainCore

/// Max over each window, PyTorch's `F.max_pool2d` (stride defaults to the kernel); the
/// gradient goes to the first maximum of each window (a NaN counts as the maximum), as in PyTorch
/// (`Tensor.maxPool2d`). `ceilMode`: a last, partial window where one starts inside the input.
public func maxPool2d(_ x: Tensor, kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
                      dilation: (Int, Int) = (1, 1), ceilMode: Bool = false) throws -> Tensor {
    try maxPool2dWithIndices(x, kernel: kernel, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode).values
}

/// `maxPool2d` and the index of each maximum in its `H·W` input plane (PyTorch's
/// `return_indices=True`), for `maxUnpool2d`.
public func maxPool2dWithIndices(_ x: Tensor, kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
                                 dilation: (Int, Int) = (1, 1), ceilMode: Bool = false) throws -> (values: Tensor, indices: Tensor) {
    guard padding.0 * 2 <= kernel.0, padding.1 * 2 <= kernel.1 else {
        throw GentrainError(.invalidArgument, "max_pool2d: pad should be at most half of effective kernel size")
    }
    return try x.maxPool2dWithIndices(WindowGeometry(kernel: kernel, stride: stride ?? kernel, padding: padding, dilation: dilation,
                                                     ceilMode: ceilMode))
}

/// `maxPool2d` along the last dim of `[N, C, L]` or `[C, L]` (PyTorch's `F.max_pool1d`).
public func maxPool1d(_ x: Tensor, kernel: Int, stride: Int? = nil, padding: Int = 0, dilation: Int = 1,
                      ceilMode: Bool = false) throws -> Tensor {
    try overRows(x, "max_pool1d") {
        try maxPool2d($0, kernel: (1, kernel), stride: stride.map { (1, $0) }, padding: (0, padding), dilation: (1, dilation),
                      ceilMode: ceilMode)
    }
}

/// `avgPool2d` along the last dim of `[N, C, L]` or `[C, L]` (PyTorch's `F.avg_pool1d`).
public func avgPool1d(_ x: Tensor, kernel: Int, stride: Int? = nil, padding: Int = 0, ceilMode: Bool = false,
                      countIncludePad: Bool = true) throws -> Tensor {
    try overRows(x, "avg_pool1d") {
        try avgPool2d($0, kernel: (1, kernel), stride: stride.map { (1, $0) }, padding: (0, padding), ceilMode: ceilMode,
                      countIncludePad: countIncludePad)
    }
}

/// A 2-D pooling over `[N, C, 1, L]` for a 1-D one over `[N, C, L]` (or unbatched `[C, L]`).
private func overRows(_ x: Tensor, _ name: String, _ pool: (Tensor) throws -> Tensor) throws -> Tensor {
    guard x.ndim == 2 || x.ndim == 3 else { throw GentrainError(.shape, "\(name): expected [N, C, L] or [C, L], got \(shapeString(x.shape))") }
    let batched = x.ndim == 3 ? x : try x.unsqueeze(0)
    let y = try pool(batched.unsqueeze(2)).squeeze(dims: [2])
    return x.ndim == 3 ? y : try y.squeeze(dims: [0])
}

/// Mean over each window, PyTorch's `F.avg_pool2d`: each window's sum divided by its size
/// clipped to the padded input (`ceilMode`'s last window can be smaller), or clipped to the input
/// itself when `countIncludePad` is false, or by `divisorOverride` when given.
public func avgPool2d(_ x: Tensor, kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
                      ceilMode: Bool = false, countIncludePad: Bool = true, divisorOverride: Int? = nil) throws -> Tensor {
    let g = WindowGeometry(kernel: kernel, stride: stride ?? kernel, padding: padding, ceilMode: ceilMode)
    try g.validate("avg_pool2d")   // before any arithmetic
    guard padding.0 * 2 <= kernel.0, padding.1 * 2 <= kernel.1 else {
        throw GentrainError(.invalidArgument, "avg_pool2d: pad should be at most half of kernel size")
    }
    if let d = divisorOverride, d == 0 { throw GentrainError(.invalidArgument, "avg_pool2d: divisor must be not zero") }
    guard x.ndim == 4 else { throw GentrainError(.shape, "avg_pool2d: expected [N, C, H, W], got \(shapeString(x.shape))") }
    let (h, w) = (x.shape[2], x.shape[3]), (oh, ow) = (g.positions(h, 0), g.positions(w, 1))
    // The windows [N, C, kh·kw, OH·OW], summed.
    let sums = try x.unfold(g).reshape([x.shape[0], x.shape[1], kernel.0 * kernel.1, oh * ow]).sum(dims: [2])
    // No windows to divide (an empty input's height can be 2^47: no per-position tables).
    guard sums.numel > 0 else { return try sums.reshape([x.shape[0], x.shape[1], oh, ow]) }
    /// The counted extent of each window along an axis of `size`.
    func extents(_ size: Int, _ count: Int, _ k: Int, _ s: Int, _ p: Int) -> [Int] {
        (0..<count).map { o in
            let start = o * s - p, end = Swift.min(start + k, size + p)
            return countIncludePad ? end - start : Swift.min(end, size) - Swift.max(start, 0)
        }
    }
    let rows = extents(h, oh, kernel.0, g.stride.0, padding.0), cols = extents(w, ow, kernel.1, g.stride.1, padding.1)
    let means: Tensor
    if let d = divisorOverride {
        means = try sums.div(Double(d))
    } else if rows.allSatisfy({ $0 == kernel.0 }) && cols.allSatisfy({ $0 == kernel.1 }) {
        means = try sums.div(Double(kernel.0 * kernel.1))
    } else {
        let divisors = try Tensor(empty: [oh * ow], dtype: .float64), pd = divisors.pointer(Double.self)
        for i in 0..<oh { for j in 0..<ow { pd[i * ow + j] = Double(rows[i] * cols[j]) } }
        means = try sums.div(divisors.to(sums.dtype))
    }
    return try means.reshape([x.shape[0], x.shape[1], oh, ow])
}

/// The inverse of `maxPool2dWithIndices`, PyTorch's `F.max_unpool2d`: zeros of the output size
/// (`outputSize`, or the one the pooling came from, `(H − 1)·stride − 2·padding + kernel`) with
/// each value of x `[N, C, H, W]` placed at its index in the output plane. The gradient reads
/// the output's gradient at the indices. Where indices repeat (overlapping windows), the values
/// add up (PyTorch keeps one of them, unspecified which).
public func maxUnpool2d(_ x: Tensor, indices: Tensor, kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
                        outputSize: (Int, Int)? = nil) throws -> Tensor {
    let s = stride ?? kernel
    try WindowGeometry(kernel: kernel, stride: s, padding: padding).validate("max_unpool2d")
    guard x.ndim == 4, indices.shape == x.shape, indices.dtype == .int64 else {
        throw GentrainError(.shape, "max_unpool2d: expected x [N, C, H, W] and int64 indices of its shape, got \(shapeString(x.shape)) and \(indices.dtype) \(shapeString(indices.shape))")
    }
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    guard h <= Int(Int32.max), w <= Int(Int32.max) else {   // so that the default size's arithmetic cannot overflow
        throw GentrainError(.shape, "max_unpool2d: input \(shapeString(x.shape)) is too large")
    }
    let size = outputSize ?? ((h - 1) * s.0 - 2 * padding.0 + kernel.0, (w - 1) * s.1 - 2 * padding.1 + kernel.1)
    guard size.0 > 0, size.1 > 0 else { throw GentrainError(.shape, "max_unpool2d: the output size \(size) is not positive") }
    let plane = try checkedNumel([size.0, size.1])
    let flat = try indices.reshape([n, c, h * w])
    if flat.numel > 0 {
        let (low, high) = (try flat.amin().item(), try flat.amax().item())
        guard low >= 0 && high < Double(plane) else {
            throw GentrainError(.index, "max_unpool2d: found an invalid max index \(low < 0 ? low : high) (output volumes are of size \(size.0)x\(size.1))")
        }
    }
    return try Tensor.zeros([n, c, plane], dtype: x.dtype).scatterAdd(2, flat, x.reshape([n, c, h * w])).reshape([n, c, size.0, size.1])
}

/// Averages over `outputSize` windows that tile the input, PyTorch's `F.adaptive_avg_pool2d`:
/// window i along an axis of size n spans `⌊i·n/out⌋ ..< ⌈(i+1)·n/out⌉`.
public func adaptiveAvgPool2d(_ x: Tensor, outputSize: (Int, Int)) throws -> Tensor {
    try adaptivePool2d(x, outputSize, "adaptive_avg_pool2d") { try $0.mean(dims: [$1], keepdim: $2) }
}

/// The maximum of each of `outputSize` windows that tile the input, as `adaptiveAvgPool2d`'s
/// (PyTorch's `F.adaptive_max_pool2d`; tied maxima share the gradient).
public func adaptiveMaxPool2d(_ x: Tensor, outputSize: (Int, Int)) throws -> Tensor {
    try adaptivePool2d(x, outputSize, "adaptive_max_pool2d") { try $0.amax(dims: [$1], keepdim: $2) }
}

/// `reduce(t, dim, keepdim)` over the windows along H, then along W (a window's mean and maximum
/// are those of its rows' ones).
private func adaptivePool2d(_ x: Tensor, _ outputSize: (Int, Int), _ name: String,
                            _ reduce: (Tensor, Int, Bool) throws -> Tensor) throws -> Tensor {
    guard x.ndim == 4, outputSize.0 > 0, outputSize.1 > 0 else {
        throw GentrainError(.shape, "\(name): expected [N, C, H, W] and a positive output size, got \(shapeString(x.shape))")
    }
    func along(_ t: Tensor, _ dim: Int, _ out: Int) throws -> Tensor {
        let n = t.shape[dim]
        if n % out == 0 {   // equal windows: one reshape and reduction
            var s = t.shape
            s[dim] = out
            s.insert(n / out, at: dim + 1)
            return try reduce(t.reshape(s), dim + 1, false)
        }
        return try Tensor.cat((0..<out).map { i in
            let start = i * n / out, end = ((i + 1) * n + out - 1) / out
            return try reduce(t.narrow(dim, start: start, length: end - start), dim, true)
        }, dim: dim)
    }
    return try along(along(x, 2, outputSize.0), 3, outputSize.1)
}

/// How `upsample` interpolates.
public enum UpsampleMode: Int32, CaseIterable, Sendable {
    case nearest = 0
    /// Bilinear (`align_corners` false, PyTorch's default, or true).
    case bilinear = 1
}

/// Resizes `[N, C, H, W]` to `size`, or by `scaleFactor` (the output size is ⌊size·factor⌋ and
/// the factor itself maps output to input coordinates, as PyTorch does without
/// `recompute_scale_factor`), PyTorch's `F.interpolate` (nearest, or bilinear). `alignCorners`
/// (bilinear only, as PyTorch): the corner pixels' centres of input and output coincide, and
/// output pixel o reads input position o·(n−1)/(out−1) whatever the factor. Exactly one of
/// `size` and `scaleFactor` is given.
public func upsample(_ x: Tensor, size: (Int, Int)? = nil, scaleFactor: (Double, Double)? = nil,
                     mode: UpsampleMode = .nearest, alignCorners: Bool = false) throws -> Tensor {
    guard x.ndim == 4 else { throw GentrainError(.shape, "upsample: expected [N, C, H, W], got \(shapeString(x.shape))") }
    guard !alignCorners || mode == .bilinear else {
        throw GentrainError(.invalidArgument, "upsample: align_corners option can only be set with the interpolating modes: bilinear")
    }
    guard (size == nil) != (scaleFactor == nil) else {
        throw GentrainError(.invalidArgument, "upsample: give either a size or a scale factor")
    }
    if let f = scaleFactor, !(f.0 > 0 && f.1 > 0 && f.0.isFinite && f.1.isFinite) {
        throw GentrainError(.invalidArgument, "upsample: scale factors must be positive and finite, got (\(f.0), \(f.1))")
    }
    let scaled = scaleFactor.map { ((Double(x.shape[2]) * $0.0).rounded(.down), (Double(x.shape[3]) * $0.1).rounded(.down)) }
    if let s = scaled, !(s.0 <= Double(Int32.max) && s.1 <= Double(Int32.max)) {
        throw GentrainError(.invalidArgument, "upsample: the output size (\(s.0), \(s.1)) is too large")
    }
    let out = size ?? (Int(scaled!.0), Int(scaled!.1))
    guard out.0 > 0, out.1 > 0 else { throw GentrainError(.shape, "upsample: the output \(out) would be empty") }
    // The per-line tables below hold up to 4 numbers per output line: that much memory is claimed
    // first, so that a size too large for memory is an error rather than a crash while they fill.
    _ = try Tensor(empty: [out.0 + out.1, 4], dtype: .float64)
    // The input lines each output line reads, per axis: the nearest one, or the two around its
    // centre weighted by distance (bilinear); output to input coordinates scale by 1/factor when
    // one is given, else by input/output size.
    func taps(_ n: Int, _ out: Int, _ factor: Double?) throws -> PlaneTaps {
        let scale = factor.map { 1 / $0 } ?? Double(n) / Double(out)
        switch mode {
        case .nearest:
            let s = Float(scale)
            return try PlaneTaps(taps: 1, indices: (0..<out).map { Swift.min(Int((Float($0) * s).rounded(.down)), n - 1) },
                                 weights: Array(repeating: 1, count: out), inputSize: n)
        case .bilinear:
            var indices: [Int] = [], weights: [Double] = []
            for o in 0..<out {
                let src = alignCorners ? (out > 1 ? Double(o) * Double(n - 1) / Double(out - 1) : 0)
                    : Swift.max((Double(o) + 0.5) * scale - 0.5, 0)
                let lo = Swift.min(Int(src), n - 1), lambda = src - Double(lo)
                indices += [lo, Swift.min(lo + 1, n - 1)]
                weights += [1 - lambda, lambda]
            }
            return try PlaneTaps(taps: 2, indices: indices, weights: weights, inputSize: n)
        }
    }
    return try x.resamplePlanes(rows: taps(x.shape[2], out.0, scaleFactor?.0), columns: taps(x.shape[3], out.1, scaleFactor?.1))
}
