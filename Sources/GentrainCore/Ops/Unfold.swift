/// Sliding windows of images, the primitives convolutions are built from: `unfold` (im2col)
/// gathers every window into a column, `fold` (col2im) sums columns back into an image. Each
/// is the other's gradient, so convolutions, pooling and their double backward come from
/// composing these with matmul.
public struct WindowGeometry: Equatable, Sendable {
    public var kernel: (Int, Int)
    public var stride: (Int, Int)
    public var padding: (Int, Int)
    public var dilation: (Int, Int)

    public init(kernel: (Int, Int), stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1)) {
        (self.kernel, self.stride, self.padding, self.dilation) = (kernel, stride, padding, dilation)
    }

    public static func == (a: WindowGeometry, b: WindowGeometry) -> Bool {
        a.kernel == b.kernel && a.stride == b.stride && a.padding == b.padding && a.dilation == b.dilation
    }

    /// The number of window positions along an axis of `size` (PyTorch's output-size formula).
    public func positions(_ size: Int, _ axis: Int) -> Int {
        let (k, s, p, d) = axis == 0 ? (kernel.0, stride.0, padding.0, dilation.0) : (kernel.1, stride.1, padding.1, dilation.1)
        let span = d * (k - 1) + 1
        return size + 2 * p < span ? 0 : (size + 2 * p - span) / s + 1
    }

    func validate(_ op: String) throws {
        guard kernel.0 > 0, kernel.1 > 0, stride.0 > 0, stride.1 > 0, dilation.0 > 0, dilation.1 > 0, padding.0 >= 0, padding.1 >= 0 else {
            throw GentrainError.argument("\(op): kernel, stride and dilation must be positive and padding non-negative")
        }
    }
}

extension Tensor {
    /// `[N, C, H, W]` → `[N, C·kh·kw, L]`: every window (row-major over the kernel) as a column,
    /// L windows in row-major order; positions in the padding read `padValue`. PyTorch's `F.unfold`.
    public func unfold(_ g: WindowGeometry, padValue: Double = 0) throws -> Tensor {
        try windowColumns(g, padValue: padValue, batchInColumns: false)
    }

    /// `[N, C·kh·kw, L]` → `[N, C, H, W]` of `outputShape`, adding each column's values back at
    /// its window's positions (overlaps sum; padding is dropped). PyTorch's `F.fold`.
    public func fold(into outputShape: [Int], _ g: WindowGeometry) throws -> Tensor {
        try foldColumns(into: outputShape, g, batchInColumns: false)
    }

    /// `unfold` with the batch inside the columns: `[N, C, H, W]` → `[C·kh·kw, N·L]`, so that a
    /// convolution of the whole batch is one matrix product.
    public func unfoldBatchColumns(_ g: WindowGeometry) throws -> Tensor {
        try windowColumns(g, padValue: 0, batchInColumns: true)
    }

    /// The inverse layout of `unfoldBatchColumns`: `[C·kh·kw, N·L]` → `[N, C, H, W]`, summing overlaps.
    public func foldBatchColumns(into outputShape: [Int], _ g: WindowGeometry) throws -> Tensor {
        try foldColumns(into: outputShape, g, batchInColumns: true)
    }

    private func windowColumns(_ g: WindowGeometry, padValue: Double, batchInColumns: Bool) throws -> Tensor {
        try g.validate("unfold")
        guard ndim == 4, dtype.isFloatingPoint else {
            throw GentrainError.shape("unfold: expected a floating point [N, C, H, W] input, got \(dtype) \(shapeString(shape))")
        }
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let (oh, ow) = (g.positions(h, 0), g.positions(w, 1))
        guard oh > 0, ow > 0 else { throw GentrainError.shape("unfold: the kernel does not fit input \(shapeString(shape)) with this padding") }
        let ct = dtype.computeType
        let x = try withNoGrad { try to(ct).contiguous() }
        let rows = c * g.kernel.0 * g.kernel.1, l = oh * ow
        let out = try Tensor(empty: batchInColumns ? [rows, n * l] : [n, rows, l], dtype: ct)
        let layout = batchInColumns ? ColumnLayout.batchInColumns(batch: n, positions: l) : .batchFirst(rows: rows, positions: l)
        if ct == .float32 { windows(x, out, g, layout, Float(padValue), Float.self) } else { windows(x, out, g, layout, padValue, Double.self) }
        let result = ct == dtype ? out : try withNoGrad { try out.to(dtype) }
        let inShape = shape
        return record(result, "UnfoldBackward", self) { _, grad in [try grad.foldColumns(into: inShape, g, batchInColumns: batchInColumns)] }
    }

    private func foldColumns(into outputShape: [Int], _ g: WindowGeometry, batchInColumns: Bool) throws -> Tensor {
        try g.validate("fold")
        guard outputShape.count == 4, outputShape.allSatisfy({ $0 >= 0 }), dtype.isFloatingPoint else {
            throw GentrainError.shape("fold: expected a floating point input and an [N, C, H, W] output, got \(dtype) and \(shapeString(outputShape))")
        }
        let (n, c, h, w) = (outputShape[0], outputShape[1], outputShape[2], outputShape[3])
        let (oh, ow) = (g.positions(h, 0), g.positions(w, 1))
        let rows = c * g.kernel.0 * g.kernel.1, l = oh * ow
        let expected = batchInColumns ? [rows, n * l] : [n, rows, l]
        guard shape == expected else {
            throw GentrainError.shape("fold: input \(shapeString(shape)) does not match \(shapeString(expected)) for output \(shapeString(outputShape))")
        }
        let ct = dtype.computeType
        let cols = try withNoGrad { try to(ct).contiguous() }
        let out = try Tensor.zeros(outputShape, dtype: ct)
        let layout = batchInColumns ? ColumnLayout.batchInColumns(batch: n, positions: l) : .batchFirst(rows: rows, positions: l)
        if ct == .float32 { sumWindows(cols, out, g, layout, Float.self) } else { sumWindows(cols, out, g, layout, Double.self) }
        let result = ct == dtype ? out : try withNoGrad { try out.to(dtype) }
        return record(result, "FoldBackward", self) { _, grad in [try grad.windowColumns(g, padValue: 0, batchInColumns: batchInColumns)] }
    }
}

/// The output columns `xx` in `lo..<hi` whose input column `xx·s − p + j·d` lies inside `0..<w`.
@inline(__always)
private func insideRange(_ ow: Int, _ w: Int, stride s: Int, offset: Int) -> (lo: Int, hi: Int) {
    // offset = j·d − p; need 0 ≤ xx·s + offset < w.
    let lo = offset >= 0 ? 0 : (-offset + s - 1) / s
    let hi = w - offset <= 0 ? 0 : Swift.min(ow, (w - offset + s - 1) / s)
    return (Swift.min(lo, hi), hi)
}

/// Where the columns of `unfold` go: element (n, row, l) at `n·batchStride + row·rowStride + l`.
/// `[N, C·kh·kw, L]` (PyTorch's layout) or `[C·kh·kw, N·L]` (the batch inside the columns, so a
/// convolution is one GEMM for the whole batch).
struct ColumnLayout {
    let batchStride: Int, rowStride: Int

    static func batchFirst(rows: Int, positions: Int) -> ColumnLayout { ColumnLayout(batchStride: rows * positions, rowStride: positions) }
    static func batchInColumns(batch: Int, positions: Int) -> ColumnLayout { ColumnLayout(batchStride: positions, rowStride: batch * positions) }
}

/// Visits every (image plane, kernel offset) of a window layout: `body(plane, start of its
/// columns, the input row of output row 0, the inside range of output columns, the input
/// column of output column 0)`; output row y reads input row `iy0 + y·stride` (in the padding
/// when outside `0..<h`). `unfold` and `fold` are the two directions of one walk.
@inline(__always)
private func forEachWindowOffset(_ n: Int, _ c: Int, _ h: Int, _ w: Int, _ g: WindowGeometry, _ layout: ColumnLayout,
                                 _ body: (_ plane: Int, _ start: Int, _ iy0: Int, _ lo: Int, _ hi: Int, _ x0: Int) -> Void) {
    let (oh, ow) = (g.positions(h, 0), g.positions(w, 1))
    let (kh, kw) = g.kernel
    // Image planes are independent (each one's rows are read or written by one thread).
    parallelFor(n * c, grain: Swift.max(1, 32768 / Swift.max(1, kh * kw * oh * ow))) { planes in
        for plane in planes {
            let (b, ch) = plane.quotientAndRemainder(dividingBy: c)
            for i in 0..<kh {
                for j in 0..<kw {
                    let x0 = j * g.dilation.1 - g.padding.1
                    let (lo, hi) = insideRange(ow, w, stride: g.stride.1, offset: x0)
                    let start = b * layout.batchStride + ((ch * kh + i) * kw + j) * layout.rowStride
                    body(plane, start, i * g.dilation.0 - g.padding.0, lo, hi, x0)
                }
            }
        }
    }
}

/// The kernel of `unfold`: out[n, (c·kh + i)·kw + j, y·ow + x] = in[n, c, y·sh − ph + i·dh, x·sw − pw + j·dw].
private func windows<T: FloatElement>(_ x: Tensor, _ out: Tensor, _ g: WindowGeometry, _ layout: ColumnLayout, _ pad: T, _: T.Type) {
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (oh, ow) = (g.positions(h, 0), g.positions(w, 1)), (sy, s) = g.stride
    let px = x.pointer(T.self), po = out.pointer(T.self)
    forEachWindowOffset(n, c, h, w, g, layout) { plane, start, iy0, lo, hi, x0 in
        for y in 0..<oh {
            let dst = po + start + y * ow, iy = iy0 + y * sy
            guard iy >= 0 && iy < h else {
                for xx in 0..<ow { dst[xx] = pad }
                continue
            }
            let src = px + plane * h * w + iy * w + x0
            for xx in 0..<lo { dst[xx] = pad }
            if s == 1 {
                for xx in lo..<hi { dst[xx] = src[xx] }
            } else {
                for xx in lo..<hi { dst[xx] = src[xx * s] }
            }
            for xx in hi..<ow { dst[xx] = pad }
        }
    }
}

/// The kernel of `fold`: the adjoint of `windows` (the same walk, adding instead of reading).
private func sumWindows<T: FloatElement>(_ cols: Tensor, _ out: Tensor, _ g: WindowGeometry, _ layout: ColumnLayout, _: T.Type) {
    let (n, c, h, w) = (out.shape[0], out.shape[1], out.shape[2], out.shape[3])
    let (oh, ow) = (g.positions(h, 0), g.positions(w, 1)), (sy, s) = g.stride
    let pc = cols.pointer(T.self), po = out.pointer(T.self)
    forEachWindowOffset(n, c, h, w, g, layout) { plane, start, iy0, lo, hi, x0 in
        for y in 0..<oh {
            let iy = iy0 + y * sy
            guard iy >= 0 && iy < h else { continue }
            let src = pc + start + y * ow, dst = po + plane * h * w + iy * w + x0
            if s == 1 {
                for xx in lo..<hi { dst[xx] += src[xx] }
            } else {
                for xx in lo..<hi { dst[xx * s] += src[xx] }
            }
        }
    }
}

extension Tensor {
    /// Zero padding: `pads` lists (before, after) amounts from the last dimension backwards,
    /// as PyTorch's `F.pad(x, (left, right, top, bottom, …))` with mode "constant", value 0.
    public func pad(_ pads: [Int]) throws -> Tensor {
        guard pads.count % 2 == 0, pads.count / 2 <= ndim, pads.allSatisfy({ $0 >= 0 }) else {
            throw GentrainError.argument("pad: expected an even number of non-negative pads for at most \(ndim) dimensions, got \(pads)")
        }
        var r = self
        for k in 0..<(pads.count / 2) {
            let d = ndim - 1 - k, (before, after) = (pads[2 * k], pads[2 * k + 1])
            if before == 0 && after == 0 { continue }
            var s = r.shape
            s[d] += before + after
            r = try r.sliceScatter(into: s, dim: d, start: before, step: 1)
        }
        return r
    }
}
