/// Sliding windows of images, the primitives convolutions are built from: `unfold` (im2col)
/// gathers every window into a column, `fold` (col2im) sums columns back into an image. Each
/// is the other's gradient, so convolutions, pooling and their double backward come from
/// composing these with matmul.
public struct WindowGeometry: Equatable, Sendable {
    public var kernel: (Int, Int)
    public var stride: (Int, Int)
    public var padding: (Int, Int)
    public var dilation: (Int, Int)
    /// Pooling's `ceil_mode`: one more window where the last would be partial, as long as it
    /// starts inside the input or its left padding.
    public var ceilMode: Bool

    public init(kernel: (Int, Int), stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1),
                ceilMode: Bool = false) {
        (self.kernel, self.stride, self.padding, self.dilation, self.ceilMode) = (kernel, stride, padding, dilation, ceilMode)
    }

    public static func == (a: WindowGeometry, b: WindowGeometry) -> Bool {
        a.kernel == b.kernel && a.stride == b.stride && a.padding == b.padding && a.dilation == b.dilation && a.ceilMode == b.ceilMode
    }

    /// The number of window positions along an axis of `size` (PyTorch's output-size formula).
    public func positions(_ size: Int, _ axis: Int) -> Int {
        let (k, s, p, d) = axis == 0 ? (kernel.0, stride.0, padding.0, dilation.0) : (kernel.1, stride.1, padding.1, dilation.1)
        let span = d * (k - 1) + 1
        guard size + 2 * p >= span else { return 0 }
        let n = (size + 2 * p - span + (ceilMode ? s - 1 : 0)) / s + 1
        return ceilMode && (n - 1) * s >= size + p ? n - 1 : n
    }

    /// Checks the signs, and bounds every value by 2^31 so that the size arithmetic
    /// (`dilation·(kernel−1)`, `size + 2·padding`) cannot overflow.
    public func validate(_ op: String) throws {
        guard kernel.0 > 0, kernel.1 > 0, stride.0 > 0, stride.1 > 0, dilation.0 > 0, dilation.1 > 0, padding.0 >= 0, padding.1 >= 0 else {
            throw GentrainError.argument("\(op): kernel, stride and dilation must be positive and padding non-negative")
        }
        let values = [kernel.0, kernel.1, stride.0, stride.1, padding.0, padding.1, dilation.0, dilation.1]
        guard values.allSatisfy({ $0 <= Int(Int32.max) }) else {
            throw GentrainError.argument("\(op): kernel, stride, padding and dilation must be below 2^31, got \(values)")
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
    package func unfoldBatchColumns(_ g: WindowGeometry) throws -> Tensor {
        try windowColumns(g, padValue: 0, batchInColumns: true)
    }

    /// The inverse layout of `unfoldBatchColumns`: `[C·kh·kw, N·L]` → `[N, C, H, W]`, summing overlaps.
    package func foldBatchColumns(into outputShape: [Int], _ g: WindowGeometry) throws -> Tensor {
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
        // Values are only copied: bfloat16 moves as it is, float16 through float32.
        let ct = dtype == .bfloat16 ? dtype : dtype.computeType
        let x = try withNoGrad { try to(ct).contiguous() }
        let rows = try checkedNumel([c, g.kernel.0, g.kernel.1]), l = try checkedNumel([oh, ow])   // no overflow: empty inputs can be tall
        let out = try Tensor(empty: batchInColumns ? [rows, n * l] : [n, rows, l], dtype: ct)
        let layout = batchInColumns ? ColumnLayout.batchInColumns(batch: n, positions: l) : .batchFirst(rows: rows, positions: l)
        switch ct {
        case .bfloat16: windows(x, out, g, layout, BFloat16(Float(padValue)).bitPattern, UInt16.self)
        case .float32: windows(x, out, g, layout, Float(padValue), Float.self)
        default: windows(x, out, g, layout, padValue, Double.self)
        }
        let result = ct == dtype ? out : try withNoGrad { try out.to(dtype) }
        let inShape = shape
        return try record(result, "UnfoldBackward", self, saves: false) { _, grad in Grads(try grad.foldColumns(into: inShape, g, batchInColumns: batchInColumns)) }
    }

    private func foldColumns(into outputShape: [Int], _ g: WindowGeometry, batchInColumns: Bool) throws -> Tensor {
        try g.validate("fold")
        guard outputShape.count == 4, outputShape.allSatisfy({ $0 >= 0 }), dtype.isFloatingPoint else {
            throw GentrainError.shape("fold: expected a floating point input and an [N, C, H, W] output, got \(dtype) and \(shapeString(outputShape))")
        }
        let (n, c, h, w) = (outputShape[0], outputShape[1], outputShape[2], outputShape[3])
        let (oh, ow) = (g.positions(h, 0), g.positions(w, 1))
        let rows = try checkedNumel([c, g.kernel.0, g.kernel.1]), l = try checkedNumel([oh, ow])   // no overflow: empty inputs can be tall
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
        return try record(result, "FoldBackward", self, saves: false) { _, grad in Grads(try grad.windowColumns(g, padValue: 0, batchInColumns: batchInColumns)) }
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

/// Visits every (image plane, kernel row i) of a window layout: `body(plane, start of the
/// columns of kernel offset (i, 0), iy0)`; kernel offset (i, j)'s columns start `j·rowStride`
/// later, and output row y reads input row `iy0 + y·stride` (in the padding when outside
/// `0..<h`). `unfold` and `fold` are the two directions of one walk.
@inline(__always)
private func forEachKernelRow(_ n: Int, _ c: Int, _ h: Int, _ w: Int, _ g: WindowGeometry, _ layout: ColumnLayout,
                              _ body: (_ plane: Int, _ start: Int, _ iy0: Int) -> Void) {
    let (oh, ow) = (g.positions(h, 0), g.positions(w, 1))
    let (kh, kw) = g.kernel
    // Image planes are independent (each one's rows are read or written by one thread). The
    // callers checked kh·kw and oh·ow (each below 2^48); their product may still overflow.
    let (perPlane, overflow) = (kh * kw).multipliedReportingOverflow(by: oh * ow)
    parallelFor(n * c, grain: overflow ? 1 : Swift.max(1, 32768 / Swift.max(1, perPlane))) { planes in
        for plane in planes {
            let (b, ch) = plane.quotientAndRemainder(dividingBy: c)
            for i in 0..<kh {
                body(plane, b * layout.batchStride + ch * kh * kw * layout.rowStride + i * kw * layout.rowStride,
                     i * g.dilation.0 - g.padding.0)
            }
        }
    }
}

/// The kernel columns of one kernel row, in runs: two neighbouring columns together when the
/// stride is 2 and the dilation 1 (their windows interleave, so one pass reads or writes both
/// as consecutive elements), else one at a time. `body(j, paired, x0, lo, hi)`: output columns
/// `lo..<hi` are inside the image for every column of the run; x0 is column j's input column
/// for output column 0.
@inline(__always)
private func forEachColumnRun(_ g: WindowGeometry, _ w: Int, _ ow: Int, _ body: (_ j: Int, _ paired: Bool, _ x0: Int, _ lo: Int, _ hi: Int) -> Void) {
    let (kw, s, d) = (g.kernel.1, g.stride.1, g.dilation.1)
    var j = 0
    while j < kw {
        let x0 = j * d - g.padding.1
        let paired = s == 2 && d == 1 && j + 1 < kw
        var (lo, hi) = insideRange(ow, w, stride: s, offset: x0)
        if paired {
            let next = insideRange(ow, w, stride: s, offset: x0 + 1)
            (lo, hi) = (Swift.max(lo, next.lo), Swift.min(hi, next.hi))
            if lo > hi { lo = hi }
        }
        body(j, paired, x0, lo, hi)
        j += paired ? 2 : 1
    }
}

/// The kernel of `unfold`: out[n, (c·kh + i)·kw + j, y·ow + x] = in[n, c, y·sh − ph + i·dh, x·sw − pw + j·dw].
/// `T`: the element as stored (bfloat16 as its bits).
private func windows<T>(_ x: Tensor, _ out: Tensor, _ g: WindowGeometry, _ layout: ColumnLayout, _ pad: T, _: T.Type) {
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (oh, ow) = (g.positions(h, 0), g.positions(w, 1)), (sy, s) = g.stride, rs = layout.rowStride
    let px = x.pointer(T.self), po = out.pointer(T.self)
    forEachKernelRow(n, c, h, w, g, layout) { plane, start, iy0 in
        forEachColumnRun(g, w, ow) { j, paired, x0, lo, hi in
            let rows = paired ? 2 : 1
            for y in 0..<oh {
                let dst = po + start + j * rs + y * ow, iy = iy0 + y * sy
                guard iy >= 0 && iy < h else {
                    for r in 0..<rows { for xx in 0..<ow { dst[r * rs + xx] = pad } }
                    continue
                }
                let src = px + plane * h * w + iy * w
                // The edges, checked one by one; then the inside without checks.
                for r in 0..<rows {
                    func edge(_ xx: Int) {
                        let ix = xx * s + x0 + r
                        dst[r * rs + xx] = ix >= 0 && ix < w ? src[ix] : pad
                    }
                    for xx in 0..<lo { edge(xx) }
                    for xx in hi..<ow { edge(xx) }
                }
                let inside = src + x0
                if paired {
                    let second = dst + rs
                    for xx in lo..<hi { (dst[xx], second[xx]) = (inside[2 * xx], inside[2 * xx + 1]) }
                } else if s == 1 {
                    for xx in lo..<hi { dst[xx] = inside[xx] }
                } else {
                    for xx in lo..<hi { dst[xx] = inside[xx * s] }
                }
            }
        }
    }
}

/// The kernel of `fold`: the adjoint of `windows` (the same walk, adding instead of reading).
private func sumWindows<T: FloatElement>(_ cols: Tensor, _ out: Tensor, _ g: WindowGeometry, _ layout: ColumnLayout, _: T.Type) {
    let (n, c, h, w) = (out.shape[0], out.shape[1], out.shape[2], out.shape[3])
    let (oh, ow) = (g.positions(h, 0), g.positions(w, 1)), (sy, s) = g.stride, rs = layout.rowStride
    let pc = cols.pointer(T.self), po = out.pointer(T.self)
    forEachKernelRow(n, c, h, w, g, layout) { plane, start, iy0 in
        forEachColumnRun(g, w, ow) { j, paired, x0, lo, hi in
            let rows = paired ? 2 : 1
            for y in 0..<oh {
                let iy = iy0 + y * sy
                guard iy >= 0 && iy < h else { continue }
                let src = pc + start + j * rs + y * ow, dst = po + plane * h * w + iy * w
                for r in 0..<rows {
                    func edge(_ xx: Int) {
                        let ix = xx * s + x0 + r
                        if ix >= 0 && ix < w { dst[ix] += src[r * rs + xx] }
                    }
                    for xx in 0..<lo { edge(xx) }
                    for xx in hi..<ow { edge(xx) }
                }
                let inside = dst + x0
                if paired {
                    let second = src + rs
                    for xx in lo..<hi {
                        inside[2 * xx] += src[xx]
                        inside[2 * xx + 1] += second[xx]
                    }
                } else if s == 1 {
                    for xx in lo..<hi { inside[xx] += src[xx] }
                } else {
                    for xx in lo..<hi { inside[xx * s] += src[xx] }
                }
            }
        }
    }
}

/// How `pad` fills the border (PyTorch's `F.pad` modes).
public enum PadMode: Int32, CaseIterable, Sendable {
    /// `value` everywhere outside the input.
    case constant = 0
    /// The input mirrored at its edge, the edge itself not repeated: [a b c] by 2 → c b [a b c] b a.
    case reflect = 1
    /// The edge element repeated: [a b c] by 2 → a a [a b c] c c.
    case replicate = 2
    /// The input wrapped around: [a b c] by 2 → b c [a b c] a b.
    case circular = 3
}

extension Tensor {
    /// Padding: `pads` lists (before, after) amounts from the last dimension backwards, as
    /// PyTorch's `F.pad(x, (left, right, top, bottom, …), mode, value)`. The non-constant modes
    /// pad the last 1, 2 or 3 dimensions of a batched or unbatched input (PyTorch's rule), by
    /// less than the dimension's size (reflect), at most its size (circular), or anything
    /// (replicate, of a non-empty dimension); they gather the border from the input, so their
    /// gradient adds each border element's gradient back to the element it copies.
    public func pad(_ pads: [Int], mode: PadMode = .constant, value: Double = 0) throws -> Tensor {
        guard pads.count % 2 == 0, pads.count / 2 <= ndim, pads.allSatisfy({ $0 >= 0 }) else {
            throw GentrainError.argument("pad: expected an even number of non-negative pads for at most \(ndim) dimensions, got \(pads)")
        }
        if mode != .constant { return try gatheredPad(pads, mode) }
        let zeroPadded = try zeroPad(pads)
        guard value != 0 else { return zeroPadded }
        // The border's value where a zero-padded ones tensor is 0 (a constant: no gradient).
        let inside = try withNoGrad { try Tensor.ones(shape, dtype: dtype).zeroPad(pads) }
        return try zeroPadded.add(inside.neg().add(1).mul(value))
    }

    /// Reflect, replicate or circular padding: per padded dimension, an index_select with the
    /// source position of every output position.
    private func gatheredPad(_ pads: [Int], _ mode: PadMode) throws -> Tensor {
        let k = pads.count / 2
        guard k >= 1 && k <= 3 && (ndim == k + 1 || ndim == k + 2) else {
            throw GentrainError.argument("pad: \(mode) padding of \(k) dimension(s) takes a \(k + 1)-D or \(k + 2)-D input, got \(ndim)-D")
        }
        var r = self
        for j in 0..<k {
            let d = ndim - 1 - j, n = shape[d], (before, after) = (pads[2 * j], pads[2 * j + 1])
            if before == 0 && after == 0 { continue }
            switch mode {
            case .reflect where before >= n || after >= n:
                throw GentrainError.argument("pad: reflect padding (\(before), \(after)) must be less than dimension \(d)'s size \(n) of input \(shapeString(shape))")
            case .circular where before > n || after > n:
                throw GentrainError.argument("pad: circular padding (\(before), \(after)) wraps around dimension \(d) of input \(shapeString(shape)) more than once")
            case .replicate where n == 0:
                throw GentrainError.argument("pad: replicate padding of dimension \(d), which is empty, in input \(shapeString(shape))")
            default: break
            }
            guard before <= maxElements, after <= maxElements, n + before + after <= maxElements else {
                throw GentrainError(.outOfMemory, "pad: padding \(shapeString(r.shape)) by (\(before), \(after)) along dimension \(d) is too large")
            }
            let count = before + n + after
            let sources = try Tensor(empty: [count], dtype: .int64)   // throws, rather than traps, when too large
            let ps = sources.pointer(Int64.self)
            for i in 0..<count {
                let p = i - before
                switch mode {
                case .reflect: ps[i] = Int64(p < 0 ? -p : (p >= n ? 2 * (n - 1) - p : p))
                case .replicate: ps[i] = Int64(Swift.min(Swift.max(p, 0), n - 1))
                default: ps[i] = Int64(((p % n) + n) % n)
                }
            }
            r = try r.indexSelect(d, sources)
        }
        return r
    }

    /// Zero padding (non-negative pads).
    private func zeroPad(_ pads: [Int]) throws -> Tensor {
        var r = self
        for k in 0..<(pads.count / 2) {
            let d = ndim - 1 - k, (before, after) = (pads[2 * k], pads[2 * k + 1])
            if before == 0 && after == 0 { continue }
            var s = r.shape
            guard before <= maxElements, after <= maxElements, s[d] + before + after <= maxElements else {
                throw GentrainError(.outOfMemory, "pad: padding \(shapeString(r.shape)) by (\(before), \(after)) along dimension \(d) is too large")
            }
            s[d] += before + after
            r = try r.sliceScatter(into: s, dim: d, start: before, step: 1)
        }
        return r
    }
}
