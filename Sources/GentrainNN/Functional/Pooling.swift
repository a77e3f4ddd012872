import GentrainCore

/// Max over each window, PyTorch's `F.max_pool2d` (stride defaults to the kernel); the
/// gradient goes to the first maximum of each window (a NaN counts as the maximum), as in PyTorch
/// (`Tensor.maxPool2d`).
public func maxPool2d(_ x: Tensor, kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
                      dilation: (Int, Int) = (1, 1)) throws -> Tensor {
    guard padding.0 * 2 <= kernel.0, padding.1 * 2 <= kernel.1 else {
        throw GentrainError(.invalidArgument, "max_pool2d: pad should be at most half of effective kernel size")
    }
    return try x.maxPool2d(WindowGeometry(kernel: kernel, stride: stride ?? kernel, padding: padding, dilation: dilation))
}

/// Mean over each window, PyTorch's `F.avg_pool2d`; with `countIncludePad` false the padding
/// is left out of each window's count.
public func avgPool2d(_ x: Tensor, kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
                      countIncludePad: Bool = true) throws -> Tensor {
    let s = stride ?? kernel
    try WindowGeometry(kernel: kernel, stride: s, padding: padding).validate("avg_pool2d")   // before any arithmetic
    guard padding.0 * 2 <= kernel.0, padding.1 * 2 <= kernel.1 else {
        throw GentrainError(.invalidArgument, "avg_pool2d: pad should be at most half of kernel size")
    }
    let (g, windows) = try windowsOf(x, kernel, s, padding, (1, 1), padValue: 0)
    let (oh, ow) = (g.positions(x.shape[2], 0), g.positions(x.shape[3], 1))
    var sums = try windows.sum(dims: [2])
    if countIncludePad || (padding.0 == 0 && padding.1 == 0) {
        sums = try sums.div(Double(kernel.0 * kernel.1))
    } else {
        let ones = try Tensor.ones([1, 1, x.shape[2], x.shape[3]], dtype: x.dtype)
        let counts = try withNoGrad { try windowsOf(ones, kernel, s, padding, (1, 1), padValue: 0).1.sum(dims: [2]) }
        sums = try sums.div(counts)
    }
    return try sums.reshape([x.shape[0], x.shape[1], oh, ow])
}

/// `[N, C, H, W]` as windows `[N, C, kh·kw, L]`.
private func windowsOf(_ x: Tensor, _ kernel: (Int, Int), _ stride: (Int, Int), _ padding: (Int, Int), _ dilation: (Int, Int),
                       padValue: Double) throws -> (WindowGeometry, Tensor) {
    guard x.ndim == 4 else { throw GentrainError(.shape, "pooling: expected [N, C, H, W], got \(shapeString(x.shape))") }
    let g = WindowGeometry(kernel: kernel, stride: stride, padding: padding, dilation: dilation)
    let cols = try x.unfold(g, padValue: padValue)
    return (g, try cols.reshape([x.shape[0], x.shape[1], kernel.0 * kernel.1, -1]))
}

/// Averages over `outputSize` windows that tile the input, PyTorch's `F.adaptive_avg_pool2d`:
/// window i along an axis of size n spans `⌊i·n/out⌋ ..< ⌈(i+1)·n/out⌉`.
public func adaptiveAvgPool2d(_ x: Tensor, outputSize: (Int, Int)) throws -> Tensor {
    guard x.ndim == 4, outputSize.0 > 0, outputSize.1 > 0 else {
        throw GentrainError(.shape, "adaptive_avg_pool2d: expected [N, C, H, W] and a positive output size, got \(shapeString(x.shape))")
    }
    func along(_ t: Tensor, _ dim: Int, _ out: Int) throws -> Tensor {
        let n = t.shape[dim]
        if n % out == 0 {   // equal windows: one reshape and mean
            var s = t.shape
            s[dim] = out
            s.insert(n / out, at: dim + 1)
            return try t.reshape(s).mean(dims: [dim + 1])
        }
        return try Tensor.cat((0..<out).map { i in
            let start = i * n / out, end = ((i + 1) * n + out - 1) / out
            return try t.narrow(dim, start: start, length: end - start).mean(dims: [dim], keepdim: true)
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
