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
        try g.validate("unfold")
        guard ndim == 4, dtype.isFloatingPoint else {
            throw GentrainError.shape("unfold: expected a floating point [N, C, H, W] input, got \(dtype) \(shapeString(shape))")
        }
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let (oh, ow) = (g.positions(h, 0), g.positions(w, 1))
        guard oh > 0, ow > 0 else { throw GentrainError.shape("unfold: the kernel does not fit input \(shapeString(shape)) with this padding") }
        let ct = dtype.computeType
        let x = try withNoGrad { try to(ct).contiguous() }
        let out = try Tensor(empty: [n, c * g.kernel.0 * g.kernel.1, oh * ow], dtype: ct)
        if ct == .float32 { windows(x, out, g, Float(padValue), Float.self) } else { windows(x, out, g, padValue, Double.self) }
        let result = ct == dtype ? out : try withNoGrad { try out.to(dtype) }
        let inShape = shape
        return record(result, "UnfoldBackward", self) { _, grad in [try grad.fold(into: inShape, g)] }
    }

    /// `[N, C·kh·kw, L]` → `[N, C, H, W]` of `outputShape`, adding each column's values back at
    /// its window's positions (overlaps sum; padding is dropped). PyTorch's `F.fold`.
    public func fold(into outputShape: [Int], _ g: WindowGeometry) throws -> Tensor {
        try g.validate("fold")
        guard outputShape.count == 4, ndim == 3, dtype.isFloatingPoint else {
            throw GentrainError.shape("fold: expected a floating point [N, C·kh·kw, L] input and an [N, C, H, W] output, got \(shapeString(shape)) and \(shapeString(outputShape))")
        }
        let (n, c, h, w) = (outputShape[0], outputShape[1], outputShape[2], outputShape[3])
        let (oh, ow) = (g.positions(h, 0), g.positions(w, 1))
        guard shape == [n, c * g.kernel.0 * g.kernel.1, oh * ow] else {
            throw GentrainError.shape("fold: input \(shapeString(shape)) does not match \(shapeString([n, c * g.kernel.0 * g.kernel.1, oh * ow])) for output \(shapeString(outputShape))")
        }
        let ct = dtype.computeType
        let cols = try withNoGrad { try to(ct).contiguous() }
        let out = try Tensor.zeros(outputShape, dtype: ct)
        if ct == .float32 { sumWindows(cols, out, g, Float.self) } else { sumWindows(cols, out, g, Double.self) }
        let result = ct == dtype ? out : try withNoGrad { try out.to(dtype) }
        return record(result, "FoldBackward", self) { _, grad in [try grad.unfold(g)] }
    }
}

/// The kernel of `unfold`: out[n, (c·kh + i)·kw + j, y·ow + x] = in[n, c, y·sh − ph + i·dh, x·sw − pw + j·dw].
private func windows<T: FloatElement>(_ x: Tensor, _ out: Tensor, _ g: WindowGeometry, _ pad: T, _: T.Type) {
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (oh, ow) = (g.positions(h, 0), g.positions(w, 1))
    let (kh, kw) = g.kernel
    let px = x.pointer(T.self), po = out.pointer(T.self)
    var o = 0
    for b in 0..<n {
        for ch in 0..<c {
            let plane = px + (b * c + ch) * h * w
            for i in 0..<kh {
                for j in 0..<kw {
                    for y in 0..<oh {
                        let iy = y * g.stride.0 - g.padding.0 + i * g.dilation.0
                        let rowOK = iy >= 0 && iy < h
                        for xx in 0..<ow {
                            let ix = xx * g.stride.1 - g.padding.1 + j * g.dilation.1
                            po[o] = rowOK && ix >= 0 && ix < w ? plane[iy * w + ix] : pad
                            o += 1
                        }
                    }
                }
            }
        }
    }
}

/// The kernel of `fold`: the adjoint of `windows`.
private func sumWindows<T: FloatElement>(_ cols: Tensor, _ out: Tensor, _ g: WindowGeometry, _: T.Type) {
    let (n, c, h, w) = (out.shape[0], out.shape[1], out.shape[2], out.shape[3])
    let (oh, ow) = (g.positions(h, 0), g.positions(w, 1))
    let (kh, kw) = g.kernel
    let pc = cols.pointer(T.self), po = out.pointer(T.self)
    var k = 0
    for b in 0..<n {
        for ch in 0..<c {
            let plane = po + (b * c + ch) * h * w
            for i in 0..<kh {
                for j in 0..<kw {
                    for y in 0..<oh {
                        let iy = y * g.stride.0 - g.padding.0 + i * g.dilation.0
                        let rowOK = iy >= 0 && iy < h
                        for xx in 0..<ow {
                            let ix = xx * g.stride.1 - g.padding.1 + j * g.dilation.1
                            if rowOK && ix >= 0 && ix < w { plane[iy * w + ix] += pc[k] }
                            k += 1
                        }
                    }
                }
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
