import GentrainCore

/// How a convolution pads its input: explicit amounts per side of each spatial axis,
/// PyTorch's `"same"` (stride 1; extra padding goes after, as PyTorch puts it), or `"valid"`.
public enum ConvPadding: Sendable {
    case explicit(Int, Int)
    case same
    case valid
}

/// 2-D convolution, PyTorch's `F.conv2d`: `x` `[N, C, H, W]`, `weight` `[O, C/groups, kh, kw]`,
/// `bias` `[O]`. The convolution's forward pass (`Tensor.convolution`), whose gradients of every
/// order are its other passes; the bias is a broadcast add.
public func conv2d(_ x: Tensor, _ weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1),
                   padding: ConvPadding = .explicit(0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1) throws -> Tensor {
    let (x, weight, bias) = (try Autocast.lowerPrecision(x), try Autocast.lowerPrecision(weight), try Autocast.lowerPrecision(bias))
    guard x.ndim == 4, weight.ndim == 4 else {
        throw GentrainError(.shape, "conv2d: expected input [N, C, H, W] and weight [O, C/groups, kh, kw], got \(shapeString(x.shape)) and \(shapeString(weight.shape))")
    }
    let c = x.shape[1]
    let (o, cg, kh, kw) = (weight.shape[0], weight.shape[1], weight.shape[2], weight.shape[3])
    guard groups > 0, c % groups == 0, o % groups == 0, cg == c / groups else {
        throw GentrainError(.shape, "conv2d: \(c) input channels and weight \(shapeString(weight.shape)) do not fit \(groups) groups")
    }
    if let bias, bias.shape != [o] { throw GentrainError(.shape, "conv2d: bias of shape \(shapeString(bias.shape)) for \(o) output channels") }
    var input = x
    var pads = (0, 0)
    switch padding {
    case .explicit(let ph, let pw): pads = (ph, pw)
    case .valid: break
    case .same:
        guard stride == (1, 1) else { throw GentrainError(.invalidArgument, "conv2d: padding='same' is not supported for strided convolutions") }
        let (th, tw) = (dilation.0 * (kh - 1), dilation.1 * (kw - 1))
        if th % 2 == 0 && tw % 2 == 0 { pads = (th / 2, tw / 2) } else { input = try x.pad([tw / 2, tw - tw / 2, th / 2, th - th / 2]) }
    }
    let geometry = try ConvolutionGeometry(src: input.shape, weight: weight.shape,
                                           window: WindowGeometry(kernel: (kh, kw), stride: stride, padding: pads, dilation: dilation),
                                           groups: groups)
    let y = try Tensor.convolution(.forward, input, weight, geometry)
    return try bias.map { try y.add($0.reshape([1, o, 1, 1])) } ?? y
}

/// 3-D convolution, PyTorch's `F.conv3d`: `x` `[N, C, D, H, W]`, `weight` `[O, C/groups, kd, kh, kw]`,
/// `bias` `[O]`. Each of the kernel's kd depth taps is one 2-D convolution over the input's depth
/// slices it meets (as one batch), and the taps' results add up: made of `conv2d`, index_select
/// and reshapes, so its gradients of every order are theirs.
public func conv3d(_ x: Tensor, _ weight: Tensor, bias: Tensor? = nil, stride: (Int, Int, Int) = (1, 1, 1),
                   padding: (Int, Int, Int) = (0, 0, 0), dilation: (Int, Int, Int) = (1, 1, 1), groups: Int = 1) throws -> Tensor {
    guard x.ndim == 5, weight.ndim == 5 else {
        throw GentrainError(.shape, "conv3d: expected input [N, C, D, H, W] and weight [O, C/groups, kd, kh, kw], got \(shapeString(x.shape)) and \(shapeString(weight.shape))")
    }
    for (v, name, low) in [(stride.0, "stride", 1), (stride.1, "stride", 1), (stride.2, "stride", 1), (padding.0, "padding", 0),
                           (padding.1, "padding", 0), (padding.2, "padding", 0), (dilation.0, "dilation", 1),
                           (dilation.1, "dilation", 1), (dilation.2, "dilation", 1)] where v < low || v > Int(Int32.max) {
        throw GentrainError(.invalidArgument, "conv3d: \(name) must be in \(low)...\(Int32.max), got \(v)")
    }
    let (n, c, d, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3], x.shape[4])
    let (o, kd) = (weight.shape[0], weight.shape[2])
    // (An expanded weight can have any kd: its span is computed without overflow.)
    let (reach, over) = dilation.0.multipliedReportingOverflow(by: Swift.max(kd - 1, 0))
    let span = over || reach >= Int.max / 2 ? Int.max : reach + 1, padded = d + 2 * padding.0
    guard kd > 0, padded >= span else {
        throw GentrainError(.shape, "conv3d: Calculated padded input size per channel: (\(padded)). Kernel size: (\(kd)). Kernel size can't be greater than actual input size")
    }
    let depth = (padded - span) / stride.0 + 1
    let (images, tooMany) = n.multipliedReportingOverflow(by: depth)
    guard !tooMany else { throw GentrainError(.outOfMemory, "conv3d: \(n) × \(depth) output images are too many") }
    let input = padding.0 > 0 && x.numel > 0 ? try x.pad([0, 0, 0, 0, padding.0, padding.0]) : x
    var out: Tensor? = nil
    // With no input or no weights every tap but the first (which carries the bias) adds nothing.
    for k in 0..<(x.numel == 0 || weight.numel == 0 ? 1 : kd) {
        // The depths tap k meets, k·dilation + j·stride for each output depth j, as a batch of images
        // (no input: images of no elements, without gathering).
        let batch = x.numel == 0 ? try Tensor.zeros([images, c, h, w], dtype: x.dtype) : try input.indexSelect(2, Tensor.arange(
            Double(k * dilation.0), Double(k * dilation.0 + (depth - 1) * stride.0 + 1), step: Double(stride.0)).to(.int64))
            .permute([0, 2, 1, 3, 4]).reshape([images, c, h, w])
        let y = try conv2d(batch, weight.select(2, k), bias: k == 0 ? bias : nil, stride: (stride.1, stride.2),
                           padding: .explicit(padding.1, padding.2), dilation: (dilation.1, dilation.2), groups: groups)
        out = try out.map { try $0.add(y) } ?? y
    }
    let y = out!   // [N·depth, O, oh, ow]
    return try y.reshape([n, depth, o, y.shape[2], y.shape[3]]).permute([0, 2, 1, 3, 4]).contiguous()
}

/// 1-D convolution, PyTorch's `F.conv1d`: `x` `[N, C, L]`, `weight` `[O, C/groups, k]`.
public func conv1d(_ x: Tensor, _ weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: ConvPadding = .explicit(0, 0),
                   dilation: Int = 1, groups: Int = 1) throws -> Tensor {
    guard x.ndim == 3, weight.ndim == 3 else {
        throw GentrainError(.shape, "conv1d: expected input [N, C, L] and weight [O, C/groups, k], got \(shapeString(x.shape)) and \(shapeString(weight.shape))")
    }
    let pad2: ConvPadding
    switch padding {
    case .explicit(let p, _): pad2 = .explicit(0, p)
    case .same: pad2 = .same
    case .valid: pad2 = .valid
    }
    return try conv2d(x.unsqueeze(2), weight.unsqueeze(2), bias: bias, stride: (1, stride), padding: pad2,
                      dilation: (1, dilation), groups: groups).squeeze(2)
}

/// Transposed 2-D convolution, PyTorch's `F.conv_transpose2d`: `x` `[N, Cin, H, W]`, `weight`
/// `[Cin, Cout/groups, kh, kw]`; output size `(H−1)·s − 2p + d·(k−1) + outputPadding + 1`.
public func convTranspose2d(_ x: Tensor, _ weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1),
                            padding: (Int, Int) = (0, 0), outputPadding: (Int, Int) = (0, 0), groups: Int = 1,
                            dilation: (Int, Int) = (1, 1)) throws -> Tensor {
    let (x, weight, bias) = (try Autocast.lowerPrecision(x), try Autocast.lowerPrecision(weight), try Autocast.lowerPrecision(bias))
    guard x.ndim == 4, weight.ndim == 4 else {
        throw GentrainError(.shape, "conv_transpose2d: expected input [N, Cin, H, W] and weight [Cin, Cout/groups, kh, kw], got \(shapeString(x.shape)) and \(shapeString(weight.shape))")
    }
    let (n, cin, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (coutG, kh, kw) = (weight.shape[1], weight.shape[2], weight.shape[3])
    guard groups > 0, groups <= Swift.max(cin, 1), cin % groups == 0, weight.shape[0] == cin else {
        throw GentrainError(.shape, "conv_transpose2d: \(cin) input channels and weight \(shapeString(weight.shape)) do not fit \(groups) groups")
    }
    guard outputPadding.0 >= 0, outputPadding.1 >= 0,
          outputPadding.0 < Swift.max(stride.0, dilation.0), outputPadding.1 < Swift.max(stride.1, dilation.1) else {
        throw GentrainError(.invalidArgument, "conv_transpose2d: output padding must be smaller than either stride or dilation")
    }
    let window = WindowGeometry(kernel: (kh, kw), stride: stride, padding: padding, dilation: dilation)
    try window.validate("conv_transpose2d")   // bounds every value, so the sizes below cannot overflow
    let cout = coutG * groups
    if let bias, bias.shape != [cout] { throw GentrainError(.shape, "conv_transpose2d: bias of shape \(shapeString(bias.shape)) for \(cout) output channels") }
    let hOut = (h - 1) * stride.0 - 2 * padding.0 + dilation.0 * (kh - 1) + outputPadding.0 + 1
    let wOut = (w - 1) * stride.1 - 2 * padding.1 + dilation.1 * (kw - 1) + outputPadding.1 + 1
    guard hOut > 0, wOut > 0 else { throw GentrainError(.shape, "conv_transpose2d: the output would be empty") }
    // The adjoint of convolving the output with `weight`: that convolution's backward-data pass.
    // Rows and columns of output padding no window reaches (when the padding is not below the
    // stride, only possible with dilation) are zeros padded on afterwards.
    let reached = (window.positions(hOut, 0) == h ? hOut : hOut - outputPadding.0, window.positions(wOut, 1) == w ? wOut : wOut - outputPadding.1)
    let geometry = try ConvolutionGeometry(src: [n, cout, reached.0, reached.1], weight: weight.shape, window: window, groups: groups)
    var out = try Tensor.convolution(.backwardData, x, weight, geometry)
    if reached != (hOut, wOut) { out = try out.pad([0, wOut - reached.1, 0, hOut - reached.0]) }
    return try bias.map { try out.add($0.reshape([1, cout, 1, 1])) } ?? out
}

/// Transposed 1-D convolution, PyTorch's `F.conv_transpose1d`: `x` `[N, Cin, L]`, `weight`
/// `[Cin, Cout/groups, k]`, as `convTranspose2d` over rows of height 1.
public func convTranspose1d(_ x: Tensor, _ weight: Tensor, bias: Tensor? = nil, stride: Int = 1, padding: Int = 0,
                            outputPadding: Int = 0, groups: Int = 1, dilation: Int = 1) throws -> Tensor {
    guard x.ndim == 3, weight.ndim == 3 else {
        throw GentrainError(.shape, "conv_transpose1d: expected input [N, Cin, L] and weight [Cin, Cout/groups, k], got \(shapeString(x.shape)) and \(shapeString(weight.shape))")
    }
    return try convTranspose2d(x.unsqueeze(2), weight.unsqueeze(2), bias: bias, stride: (1, stride), padding: (0, padding),
                               outputPadding: (0, outputPadding), groups: groups, dilation: (1, dilation)).squeeze(2)
}

/// Rearranges `[N, C, H·r, W·r]` into `[N, C·r², H, W]`, PyTorch's `F.pixel_unshuffle` (the inverse
/// of `pixelShuffle`).
public func pixelUnshuffle(_ x: Tensor, downscaleFactor r: Int) throws -> Tensor {
    guard x.ndim == 4, r > 0, r <= 1 << 20, x.shape[2] % r == 0, x.shape[3] % r == 0 else {
        throw GentrainError(.shape, "pixel_unshuffle: expected [N, C, H·\(r), W·\(r)], got \(shapeString(x.shape))")
    }
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2] / r, x.shape[3] / r)
    return try x.reshape([n, c, h, r, w, r]).permute([0, 1, 3, 5, 2, 4]).reshape([n, c * r * r, h, w])
}

/// Rearranges `[N, C·r², H, W]` into `[N, C, H·r, W·r]`, PyTorch's `F.pixel_shuffle` (the
/// upsampling layer of super-resolution generators).
public func pixelShuffle(_ x: Tensor, upscaleFactor r: Int) throws -> Tensor {
    guard x.ndim == 4, r > 0, r <= 1 << 20, x.shape[1] % (r * r) == 0 else {
        throw GentrainError(.shape, "pixel_shuffle: expected [N, C·\(r)², H, W], got \(shapeString(x.shape))")
    }
    let (n, c, h, w) = (x.shape[0], x.shape[1] / (r * r), x.shape[2], x.shape[3])
    return try x.reshape([n, c, r, r, h, w]).permute([0, 1, 4, 2, 5, 3]).reshape([n, c, h * r, w * r])
}
