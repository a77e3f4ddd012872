import CGentrain
import GentrainCore
import GentrainNN

// Layers as functions whose entry points take option structs; the forwarding ones are in Generated/Layers.swift.

@c @implementation
public func gentrain_conv_options_default(_ options: UnsafeMutablePointer<gentrain_conv_options>?) {
    options?.pointee = gentrain_conv_options(struct_size: MemoryLayout<gentrain_conv_options>.size, stride: (1, 1), padding: (0, 0),
                                             dilation: (1, 1), groups: 1, padding_same: false, output_padding: (0, 0))
}

struct ConvArgs {
    let stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int), outputPadding: (Int, Int), groups: Int, same: Bool

    init(_ p: UnsafePointer<gentrain_conv_options>?) throws {
        let o = try readOptions(p, bools: [\.padding_same]) { gentrain_conv_options_default($0) }
        stride = (try size(o.stride.0, "stride", min: 1), try size(o.stride.1, "stride", min: 1))
        padding = (try size(o.padding.0, "padding", min: 0), try size(o.padding.1, "padding", min: 0))
        dilation = (try size(o.dilation.0, "dilation", min: 1), try size(o.dilation.1, "dilation", min: 1))
        outputPadding = (try size(o.output_padding.0, "output_padding", min: 0), try size(o.output_padding.1, "output_padding", min: 0))
        groups = try size(o.groups, "groups", min: 1)
        same = o.padding_same
    }

    var convPadding: ConvPadding { same ? .same : .explicit(padding.0, padding.1) }
    func geometry(_ kh: Int64, _ kw: Int64) throws -> WindowGeometry {
        WindowGeometry(kernel: (try size(kh, "kernel", min: 1), try size(kw, "kernel", min: 1)), stride: stride, padding: padding, dilation: dilation)
    }
}

@c @implementation
public func gentrain_conv2d(_ out: TensorOut?, _ x: OpaquePointer?, _ weight: OpaquePointer?, _ bias: OpaquePointer?,
                            _ options: UnsafePointer<gentrain_conv_options>?) -> gentrain_status {
    producing("gentrain_conv2d", out) {
        let a = try ConvArgs(options)
        return try conv2d(tensorArg(x, "x"), tensorArg(weight, "weight"), bias: optionalTensorArg(bias, "bias"), stride: a.stride,
                          padding: a.convPadding, dilation: a.dilation, groups: a.groups)
    }
}

@c @implementation
public func gentrain_conv1d(_ out: TensorOut?, _ x: OpaquePointer?, _ weight: OpaquePointer?, _ bias: OpaquePointer?,
                            _ options: UnsafePointer<gentrain_conv_options>?) -> gentrain_status {
    producing("gentrain_conv1d", out) {
        let a = try ConvArgs(options)
        return try conv1d(tensorArg(x, "x"), tensorArg(weight, "weight"), bias: optionalTensorArg(bias, "bias"), stride: a.stride.1,
                          padding: a.same ? .same : .explicit(a.padding.1, a.padding.1), dilation: a.dilation.1, groups: a.groups)
    }
}

@c @implementation
public func gentrain_conv_transpose2d(_ out: TensorOut?, _ x: OpaquePointer?, _ weight: OpaquePointer?, _ bias: OpaquePointer?,
                                      _ options: UnsafePointer<gentrain_conv_options>?) -> gentrain_status {
    producing("gentrain_conv_transpose2d", out) {
        let a = try ConvArgs(options)
        return try convTranspose2d(tensorArg(x, "x"), tensorArg(weight, "weight"), bias: optionalTensorArg(bias, "bias"), stride: a.stride,
                                   padding: a.padding, outputPadding: a.outputPadding, groups: a.groups, dilation: a.dilation)
    }
}

@c @implementation
public func gentrain_unfold(_ out: TensorOut?, _ x: OpaquePointer?, _ kh: Int64, _ kw: Int64,
                            _ options: UnsafePointer<gentrain_conv_options>?) -> gentrain_status {
    producing("gentrain_unfold", out) { try tensorArg(x, "x").unfold(ConvArgs(options).geometry(kh, kw)) }
}

@c @implementation
public func gentrain_fold(_ out: TensorOut?, _ x: OpaquePointer?, _ height: Int64, _ width: Int64, _ kh: Int64, _ kw: Int64,
                          _ options: UnsafePointer<gentrain_conv_options>?) -> gentrain_status {
    producing("gentrain_fold", out) {
        let t = try tensorArg(x, "x")
        let k = try ConvArgs(options).geometry(kh, kw)
        guard t.ndim == 3 else { throw GentrainError(.shape, "fold: expected [N, C·kh·kw, L], got \(shapeString(t.shape))") }
        let c = t.shape[1] / (k.kernel.0 * k.kernel.1)
        return try t.fold(into: [t.shape[0], c, size(height, "height", min: 1), size(width, "width", min: 1)], k)
    }
}

@c @implementation
public func gentrain_pool2d_options_default(_ options: UnsafeMutablePointer<gentrain_pool2d_options>?) {
    options?.pointee = gentrain_pool2d_options(struct_size: MemoryLayout<gentrain_pool2d_options>.size, stride: (0, 0), padding: (0, 0),
                                               count_include_pad: true, dilation: (1, 1), ceil_mode: false, divisor_override: 0)
}

/// A pooling window from C: the kernel, and the options' stride (0: the kernel), padding,
/// dilation, ceil mode and average pooling's counting.
struct PoolArgs {
    let kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int), ceilMode: Bool
    let countIncludePad: Bool, divisorOverride: Int?

    init(_ kh: Int64, _ kw: Int64, _ p: UnsafePointer<gentrain_pool2d_options>?) throws {
        let o = try readOptions(p, bools: [\.count_include_pad, \.ceil_mode]) { gentrain_pool2d_options_default($0) }
        kernel = (try size(kh, "kernel", min: 1), try size(kw, "kernel", min: 1))
        stride = (o.stride.0 == 0 ? kernel.0 : try size(o.stride.0, "stride", min: 1),
                  o.stride.1 == 0 ? kernel.1 : try size(o.stride.1, "stride", min: 1))
        padding = (try size(o.padding.0, "padding", min: 0), try size(o.padding.1, "padding", min: 0))
        dilation = (try size(o.dilation.0, "dilation", min: 1), try size(o.dilation.1, "dilation", min: 1))
        ceilMode = o.ceil_mode
        countIncludePad = o.count_include_pad
        divisorOverride = o.divisor_override == 0 ? nil : try size(o.divisor_override, "divisor_override", min: 1)
    }

    func maxPool(_ x: Tensor) throws -> (values: Tensor, indices: Tensor) {
        try maxPool2dWithIndices(x, kernel: kernel, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
    }

    func avgPool(_ x: Tensor) throws -> Tensor {
        try avgPool2d(x, kernel: kernel, stride: stride, padding: padding, ceilMode: ceilMode, countIncludePad: countIncludePad,
                      divisorOverride: divisorOverride)
    }
}

@c @implementation
public func gentrain_max_pool2d(_ out: TensorOut?, _ x: OpaquePointer?, _ kh: Int64, _ kw: Int64,
                                _ options: UnsafePointer<gentrain_pool2d_options>?) -> gentrain_status {
    producing("gentrain_max_pool2d", out) { try PoolArgs(kh, kw, options).maxPool(tensorArg(x, "x")).values }
}

@c @implementation
public func gentrain_max_pool2d_with_indices(_ out: TensorOut?, _ indices: TensorOut?, _ x: OpaquePointer?, _ kh: Int64, _ kw: Int64,
                                             _ options: UnsafePointer<gentrain_pool2d_options>?) -> gentrain_status {
    producing("gentrain_max_pool2d_with_indices", [out, indices]) {
        let r = try PoolArgs(kh, kw, options).maxPool(tensorArg(x, "x"))
        return [r.values, r.indices]
    }
}

@c @implementation
public func gentrain_max_unpool2d(_ out: TensorOut?, _ x: OpaquePointer?, _ indices: OpaquePointer?, _ kh: Int64, _ kw: Int64,
                                  _ options: UnsafePointer<gentrain_pool2d_options>?, _ outputSize: UnsafePointer<Int64>?) -> gentrain_status {
    producing("gentrain_max_unpool2d", out) {
        let a = try PoolArgs(kh, kw, options)
        let size = try outputSize.map { (try GentrainCABI.size($0[0], "output_size", min: 1), try GentrainCABI.size($0[1], "output_size", min: 1)) }
        return try maxUnpool2d(tensorArg(x, "x"), indices: tensorArg(indices, "indices"), kernel: a.kernel, stride: a.stride,
                               padding: a.padding, outputSize: size)
    }
}

@c @implementation
public func gentrain_avg_pool2d(_ out: TensorOut?, _ x: OpaquePointer?, _ kh: Int64, _ kw: Int64,
                                _ options: UnsafePointer<gentrain_pool2d_options>?) -> gentrain_status {
    producing("gentrain_avg_pool2d", out) { try PoolArgs(kh, kw, options).avgPool(tensorArg(x, "x")) }
}

@c @implementation
public func gentrain_adaptive_avg_pool2d(_ out: TensorOut?, _ x: OpaquePointer?, _ height: Int64, _ width: Int64) -> gentrain_status {
    producing("gentrain_adaptive_avg_pool2d", out) {
        try adaptiveAvgPool2d(tensorArg(x, "x"), outputSize: (size(height, "height", min: 1), size(width, "width", min: 1)))
    }
}

@c @implementation
public func gentrain_interpolate_options_default(_ options: UnsafeMutablePointer<gentrain_interpolate_options>?) {
    options?.pointee = gentrain_interpolate_options(struct_size: MemoryLayout<gentrain_interpolate_options>.size, size: (0, 0),
                                                    scale_factor: (0, 0), mode: GENTRAIN_INTERPOLATE_NEAREST, align_corners: false)
}

@c @implementation
public func gentrain_interpolate(_ out: TensorOut?, _ x: OpaquePointer?,
                                 _ options: UnsafePointer<gentrain_interpolate_options>?) -> gentrain_status {
    producing("gentrain_interpolate", out) {
        try ResizeArgs(options)(tensorArg(x, "x"))
    }
}

/// An interpolation from C's options (required): the output grid, a size or scale factors
/// (exactly one), and the sampling.
struct ResizeArgs {
    let size: (Int, Int)?, scaleFactor: (Double, Double)?, mode: UpsampleMode, alignCorners: Bool

    init(_ options: UnsafePointer<gentrain_interpolate_options>?) throws {
        guard options != nil else { throw GentrainError(.invalidArgument, "options is NULL: a size or scale factors are needed") }
        let o = try readOptions(options, bools: [\.align_corners]) { gentrain_interpolate_options_default($0) }
        mode = try enumArg(o.mode.rawValue, "mode")
        alignCorners = o.align_corners
        let bySize = o.size != (0, 0), byScale = o.scale_factor != (0, 0)
        guard bySize != byScale else { throw GentrainError(.invalidArgument, "give exactly one of size and scale_factor") }
        size = bySize ? (try GentrainCABI.size(o.size.0, "size", min: 1), try GentrainCABI.size(o.size.1, "size", min: 1)) : nil
        scaleFactor = byScale ? o.scale_factor : nil
    }

    func callAsFunction(_ x: Tensor) throws -> Tensor {
        if let size { return try upsample(x, size: size, mode: mode, alignCorners: alignCorners) }
        return try upsample(x, scaleFactor: scaleFactor!, mode: mode, alignCorners: alignCorners)
    }

    /// nn.Upsample with these arguments.
    var module: Module {
        if let size { return Layers.upsample(size: size, mode: mode, alignCorners: alignCorners) }
        return Layers.upsample(scaleFactor: scaleFactor!, mode: mode, alignCorners: alignCorners)
    }
}

@c @implementation
public func gentrain_pad(_ out: TensorOut?, _ x: OpaquePointer?, _ pads: UnsafePointer<Int64>?, _ n: Int) -> gentrain_status {
    producing("gentrain_pad", out) { try tensorArg(x, "x").pad(int64List(pads, n, "pads")) }
}

@c @implementation
public func gentrain_batch_norm(_ out: TensorOut?, _ x: OpaquePointer?, _ runningMean: OpaquePointer?, _ runningVar: OpaquePointer?,
                                _ weight: OpaquePointer?, _ bias: OpaquePointer?, _ training: Bool, _ momentum: Double,
                                _ eps: Double) -> gentrain_status {
    producing("gentrain_batch_norm", out) {
        try batchNorm(tensorArg(x, "x"), runningMean: optionalTensorArg(runningMean, "running_mean"),
                      runningVar: optionalTensorArg(runningVar, "running_var"), weight: optionalTensorArg(weight, "weight"),
                      bias: optionalTensorArg(bias, "bias"), training: training, momentum: momentum, eps: eps)
    }
}
