import GentrainCore

/// How `gridSample` reads between pixels: the four neighbours weighted, or the nearest one.
public enum GridSampleMode: Int32, CaseIterable, Sendable { case bilinear = 0, nearest = 1 }

/// What `gridSample` reads outside the input: zeros, or the nearest border pixel.
public enum GridPaddingMode: Int32, CaseIterable, Sendable { case zeros = 0, border = 1 }

/// The input `[N, C, H, W]` read at the locations of `grid` `[N, Hout, Wout, 2]` (x, y in [−1, 1]
/// across the input; `alignCorners`: −1 and 1 are the corner pixels' centres, else their outer
/// edges) → `[N, C, Hout, Wout]` (PyTorch's `F.grid_sample`, 4-D). Made of gathers and arithmetic:
/// gradients reach the input and, for bilinear sampling, the grid, to any order.
public func gridSample(_ input: Tensor, _ grid: Tensor, mode: GridSampleMode = .bilinear, paddingMode: GridPaddingMode = .zeros,
                       alignCorners: Bool = false) throws -> Tensor {
    guard input.ndim == 4, grid.ndim == 4, grid.shape[3] == 2, grid.shape[0] == input.shape[0] else {
        throw GentrainError(.shape, "grid_sample: expected input [N, C, H, W] and grid [N, Hout, Wout, 2], got \(shapeString(input.shape)) and \(shapeString(grid.shape))")
    }
    let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
    let (ho, wo) = (grid.shape[1], grid.shape[2])
    let g = try grid.to(input.dtype)
    // Pixel coordinates from [−1, 1].
    func unnormalize(_ v: Tensor, _ size: Int) throws -> Tensor {
        let s = Double(size)
        return alignCorners ? try v.add(1).mul((s - 1) / 2) : try v.add(1).mul(s).sub(Tensor.scalar(1, dtype: v.dtype)).div(2)
    }
    var ix = try unnormalize(g.select(3, 0), w), iy = try unnormalize(g.select(3, 1), h)   // [N, Hout, Wout]
    if paddingMode == .border {
        ix = try ix.clamp(min: 0, max: Double(w - 1))
        iy = try iy.clamp(min: 0, max: Double(h - 1))
    }
    let planes = try input.reshape([n, c, h * w])
    // The input at integer pixel coordinates (x, y) (float tensors [N, Hout, Wout]), zero outside.
    func read(_ x: Tensor, _ y: Tensor) throws -> Tensor {
        let inside = try withNoGrad { try x.ge(0).logicalAnd(x.le(Double(w - 1))).logicalAnd(y.ge(0)).logicalAnd(y.le(Double(h - 1))) }
        let flat = try withNoGrad {
            try y.clamp(min: 0, max: Double(h - 1)).mul(Double(w)).add(x.clamp(min: 0, max: Double(w - 1))).to(.int64)
        }
        let index = try flat.reshape([n, 1, ho * wo]).expand([n, c, ho * wo])
        let values = try planes.gather(2, index).reshape([n, c, ho, wo])
        return try values.mul(inside.unsqueeze(1).to(values.dtype))
    }
    switch mode {
    case .nearest:   // ties to even, as PyTorch's nearbyint; the grid gets no gradient
        return try read(withNoGrad { try ix.round() }, withNoGrad { try iy.round() })
    case .bilinear:
        let (x0, y0) = try withNoGrad { (try ix.floor(), try iy.floor()) }
        let (x1, y1) = (try x0.add(1), try y0.add(1))
        let (wx1, wy1) = (try ix.sub(x0).unsqueeze(1), try iy.sub(y0).unsqueeze(1))   // [N, 1, Hout, Wout]
        let (wx0, wy0) = (try wx1.neg().add(1), try wy1.neg().add(1))
        let top = try read(x0, y0).mul(wx0).add(read(x1, y0).mul(wx1))
        let bottom = try read(x0, y1).mul(wx0).add(read(x1, y1).mul(wx1))
        return try top.mul(wy0).add(bottom.mul(wy1))
    }
}

/// The sampling grid `[N, H, W, 2]` of the affine maps `theta` `[N, 2, 3]` for an output of
/// `size` `[N, C, H, W]` (PyTorch's `F.affine_grid`, 4-D): each output pixel's normalized
/// coordinates (x, y, 1) times thetaᵀ; differentiable in theta.
public func affineGrid(_ theta: Tensor, size: [Int], alignCorners: Bool = false) throws -> Tensor {
    guard size.count == 4, theta.ndim == 3, theta.shape[0] == size[0], theta.shape[1] == 2, theta.shape[2] == 3 else {
        throw GentrainError(.shape, "affine_grid: expected theta [N, 2, 3] and size [N, C, H, W], got \(shapeString(theta.shape)) and \(shapeString(size))")
    }
    let (n, h, w) = (size[0], size[2], size[3])
    guard n > 0, h > 0, w > 0, h <= 1 << 24, w <= 1 << 24 else { throw GentrainError(.shape, "affine_grid: sizes must be positive, got \(shapeString(size))") }
    // The normalized pixel centres along a side of `count` pixels.
    func centres(_ count: Int) throws -> Tensor {
        guard count > 1 else { return try Tensor.zeros([count], dtype: theta.dtype) }
        let step = 2 / Double(count - 1), scale = alignCorners ? 1 : Double(count - 1) / Double(count)
        return try Tensor.arange(0, Double(count), dtype: theta.dtype).mul(step).add(-1).mul(scale)
    }
    let xs = try centres(w).reshape([1, w, 1]).expand([h, w, 1])
    let ys = try centres(h).reshape([h, 1, 1]).expand([h, w, 1])
    let base = try Tensor.cat([xs, ys, Tensor.ones([h, w, 1], dtype: theta.dtype)], dim: 2).reshape([1, h * w, 3])
    return try base.matmul(theta.transpose(1, 2)).reshape([n, h, w, 2])   // [N, H·W, 3] @ [N, 3, 2]
}
