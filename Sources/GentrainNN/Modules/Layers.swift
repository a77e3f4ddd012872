import GentrainCore

/// The layers of generative models as modules, with PyTorch's parameter names, buffers and
/// default initializations (weights and biases uniform in ±1/√fan_in for convolutions).

/// A convolution's weight and bias, initialized as PyTorch does (kaiming uniform with a = √5,
/// so uniform in ±1/√fan_in, and the bias in the same range).
private func convParameters(weightShape: [Int], outChannels: Int, bias: Bool) throws -> (Tensor, Tensor?) {
    let w = try Tensor.zeros(weightShape)
    _ = try Init.kaimingUniform_(w, a: 5.0.squareRoot())
    let bound = 1 / Double(try Init.fans(w).0).squareRoot()
    return (w, bias ? try Init.uniform([outChannels], -bound, bound) : nil)
}

/// `nn.Conv2d`: weight `[out, in/groups, kh, kw]`, bias `[out]`.
public final class Conv2d: Module {
    public let weight: Tensor, bias: Tensor?
    public let stride: (Int, Int), padding: ConvPadding, dilation: (Int, Int), groups: Int

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: (Int, Int), stride: (Int, Int) = (1, 1),
                padding: ConvPadding = .explicit(0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1, bias: Bool = true) throws {
        guard groups > 0, inChannels % groups == 0, outChannels % groups == 0, kernelSize.0 > 0, kernelSize.1 > 0 else {
            throw GentrainError(.invalidArgument, "Conv2d: channels must be divisible by groups and the kernel positive")
        }
        (self.stride, self.padding, self.dilation, self.groups) = (stride, padding, dilation, groups)
        (weight, self.bias) = try convParameters(weightShape: [outChannels, inChannels / groups, kernelSize.0, kernelSize.1],
                                                 outChannels: outChannels, bias: bias)
        super.init()
        try registerWeightAndBias(weight, self.bias)
    }

    public override func forward(_ input: Tensor) throws -> Tensor {
        try conv2d(input, weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }
}

/// `nn.Conv3d`: weight `[out, in/groups, kd, kh, kw]`, bias `[out]`, over `[N, C, D, H, W]`.
public final class Conv3d: Module {
    public let weight: Tensor, bias: Tensor?
    public let stride: (Int, Int, Int), padding: (Int, Int, Int), dilation: (Int, Int, Int), groups: Int

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: (Int, Int, Int), stride: (Int, Int, Int) = (1, 1, 1),
                padding: (Int, Int, Int) = (0, 0, 0), dilation: (Int, Int, Int) = (1, 1, 1), groups: Int = 1, bias: Bool = true) throws {
        guard groups > 0, inChannels % groups == 0, outChannels % groups == 0, kernelSize.0 > 0, kernelSize.1 > 0, kernelSize.2 > 0 else {
            throw GentrainError(.invalidArgument, "Conv3d: channels must be divisible by groups and the kernel positive")
        }
        (self.stride, self.padding, self.dilation, self.groups) = (stride, padding, dilation, groups)
        (weight, self.bias) = try convParameters(weightShape: [outChannels, inChannels / groups, kernelSize.0, kernelSize.1, kernelSize.2],
                                                 outChannels: outChannels, bias: bias)
        super.init()
        try registerWeightAndBias(weight, self.bias)
    }

    public override func forward(_ input: Tensor) throws -> Tensor {
        try conv3d(input, weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }
}

/// `nn.Conv1d`: weight `[out, in/groups, k]`, bias `[out]`, over `[N, C, L]`.
public final class Conv1d: Module {
    public let weight: Tensor, bias: Tensor?
    public let stride: Int, padding: ConvPadding, dilation: Int, groups: Int

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: ConvPadding = .explicit(0, 0),
                dilation: Int = 1, groups: Int = 1, bias: Bool = true) throws {
        guard groups > 0, inChannels % groups == 0, outChannels % groups == 0, kernelSize > 0 else {
            throw GentrainError(.invalidArgument, "Conv1d: channels must be divisible by groups and the kernel positive")
        }
        (self.stride, self.padding, self.dilation, self.groups) = (stride, padding, dilation, groups)
        (weight, self.bias) = try convParameters(weightShape: [outChannels, inChannels / groups, kernelSize], outChannels: outChannels,
                                                 bias: bias)
        super.init()
        try registerWeightAndBias(weight, self.bias)
    }

    public override func forward(_ input: Tensor) throws -> Tensor {
        try conv1d(input, weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }
}

/// `nn.ConvTranspose2d`: weight `[in, out/groups, kh, kw]`, bias `[out]`.
public final class ConvTranspose2d: Module {
    public let weight: Tensor, bias: Tensor?
    public let stride: (Int, Int), padding: (Int, Int), outputPadding: (Int, Int), groups: Int, dilation: (Int, Int)

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: (Int, Int), stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
                outputPadding: (Int, Int) = (0, 0), groups: Int = 1, bias: Bool = true, dilation: (Int, Int) = (1, 1)) throws {
        guard groups > 0, inChannels % groups == 0, outChannels % groups == 0 else {
            throw GentrainError(.invalidArgument, "ConvTranspose2d: channels must be divisible by groups")
        }
        (self.stride, self.padding, self.outputPadding, self.groups, self.dilation) = (stride, padding, outputPadding, groups, dilation)
        (weight, self.bias) = try convParameters(weightShape: [inChannels, outChannels / groups, kernelSize.0, kernelSize.1],
                                                 outChannels: outChannels, bias: bias)
        super.init()
        try registerWeightAndBias(weight, self.bias)
    }

    public override func forward(_ input: Tensor) throws -> Tensor {
        try convTranspose2d(input, weight, bias: bias, stride: stride, padding: padding, outputPadding: outputPadding,
                            groups: groups, dilation: dilation)
    }
}

/// `nn.ConvTranspose1d`: weight `[in, out/groups, k]`, bias `[out]`, over `[N, C, L]`.
public final class ConvTranspose1d: Module {
    public let weight: Tensor, bias: Tensor?
    public let stride: Int, padding: Int, outputPadding: Int, groups: Int, dilation: Int

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0, outputPadding: Int = 0,
                groups: Int = 1, bias: Bool = true, dilation: Int = 1) throws {
        guard groups > 0, inChannels % groups == 0, outChannels % groups == 0, kernelSize > 0 else {
            throw GentrainError(.invalidArgument, "ConvTranspose1d: channels must be divisible by groups and the kernel positive")
        }
        (self.stride, self.padding, self.outputPadding, self.groups, self.dilation) = (stride, padding, outputPadding, groups, dilation)
        (weight, self.bias) = try convParameters(weightShape: [inChannels, outChannels / groups, kernelSize], outChannels: outChannels,
                                                 bias: bias)
        super.init()
        try registerWeightAndBias(weight, self.bias)
    }

    public override func forward(_ input: Tensor) throws -> Tensor {
        try convTranspose1d(input, weight, bias: bias, stride: stride, padding: padding, outputPadding: outputPadding,
                            groups: groups, dilation: dilation)
    }
}

/// `nn.BatchNorm1d` / `nn.BatchNorm2d`: weight ones, bias zeros, buffers `running_mean`,
/// `running_var`, `num_batches_tracked`; batch statistics in training, running ones in eval.
/// `momentum` nil: the running statistics are cumulative averages (PyTorch's momentum=None);
/// without `trackRunningStats` there are no buffers, and eval uses the batch's statistics too.
public final class BatchNorm: Module {
    public let weight: Tensor?, bias: Tensor?, runningMean: Tensor?, runningVar: Tensor?, numBatchesTracked: Tensor?
    public let momentum: Double?, eps: Double

    public init(_ features: Int, eps: Double = 1e-5, momentum: Double? = 0.1, affine: Bool = true,
                trackRunningStats: Bool = true) throws {
        (self.eps, self.momentum) = (eps, momentum)
        (weight, bias) = affine ? (try Tensor.ones([features]), try Tensor.zeros([features])) : (nil, nil)
        if trackRunningStats {
            (runningMean, runningVar) = (try Tensor.zeros([features]), try Tensor.ones([features]))
            numBatchesTracked = try Tensor.zeros([], dtype: .int64)
        } else {
            (runningMean, runningVar, numBatchesTracked) = (nil, nil, nil)
        }
        super.init()
        try registerWeightAndBias(weight, bias)
        if let runningMean, let runningVar, let numBatchesTracked {
            try registerBuffer("running_mean", runningMean)
            try registerBuffer("running_var", runningVar)
            try registerBuffer("num_batches_tracked", numBatchesTracked)
        }
    }

    public override func forward(_ input: Tensor) throws -> Tensor {
        var factor = momentum ?? 0
        if training && BufferUpdates.isEnabled, let n = numBatchesTracked {
            try withNoGrad { try n.copy_(n.add(Tensor.scalar(1, dtype: .int64))) }
            if momentum == nil { factor = try 1 / n.item() }   // a cumulative moving average
        }
        return try batchNorm(input, runningMean: runningMean, runningVar: runningVar, weight: weight, bias: bias,
                             training: training || runningMean == nil, momentum: factor, eps: eps)
    }
}

/// `nn.LayerNorm` over the trailing `normalizedShape` (weight ones, bias zeros).
public final class LayerNorm: Module {
    public let normalizedShape: [Int], eps: Double, weight: Tensor?, bias: Tensor?

    public init(_ normalizedShape: [Int], eps: Double = 1e-5, elementwiseAffine: Bool = true) throws {
        (self.normalizedShape, self.eps) = (normalizedShape, eps)
        (weight, bias) = elementwiseAffine ? (try Tensor.ones(normalizedShape), try Tensor.zeros(normalizedShape)) : (nil, nil)
        super.init()
        try registerWeightAndBias(weight, bias)
    }

    public override func forward(_ input: Tensor) throws -> Tensor {
        try layerNorm(input, normalizedShape: normalizedShape, weight: weight, bias: bias, eps: eps)
    }
}

/// `nn.RMSNorm(normalized_shape, eps, elementwise_affine)`: `rmsNorm` with a learned `weight` of
/// ones when elementwise_affine.
public final class RMSNorm: Module {
    public let normalizedShape: [Int], eps: Double?, weight: Tensor?

    public init(_ normalizedShape: [Int], eps: Double? = nil, elementwiseAffine: Bool = true) throws {
        (self.normalizedShape, self.eps) = (normalizedShape, eps)
        weight = elementwiseAffine ? try Tensor.ones(normalizedShape) : nil
        super.init()
        try registerWeightAndBias(weight, nil)
    }

    public override func forward(_ input: Tensor) throws -> Tensor {
        try rmsNorm(input, normalizedShape: normalizedShape, weight: weight, eps: eps)
    }
}

/// `nn.LocalResponseNorm(size, alpha, beta, k)`: `localResponseNorm` as a module (no parameters).
public final class LocalResponseNorm: Module {
    public let size: Int, alpha: Double, beta: Double, k: Double

    public init(_ size: Int, alpha: Double = 1e-4, beta: Double = 0.75, k: Double = 1) throws {
        guard size >= 1 else { throw GentrainError(.invalidArgument, "LocalResponseNorm: size must be positive, got \(size)") }
        (self.size, self.alpha, self.beta, self.k) = (size, alpha, beta, k)
        super.init()
    }

    public override func forward(_ input: Tensor) throws -> Tensor {
        try localResponseNorm(input, size: size, alpha: alpha, beta: beta, k: k)
    }
}

extension Module {
    /// Registers a layer's (optional) "weight" and "bias" parameters.
    func registerWeightAndBias(_ weight: Tensor?, _ bias: Tensor?) throws {
        if let weight { try registerParameter("weight", weight) }
        if let bias { try registerParameter("bias", bias) }
    }
}

/// `nn.GroupNorm` (weight ones, bias zeros).
public final class GroupNorm: Module {
    public let groups: Int, eps: Double, weight: Tensor?, bias: Tensor?

    public init(_ groups: Int, _ channels: Int, eps: Double = 1e-5, affine: Bool = true) throws {
        guard groups > 0, channels % groups == 0 else { throw GentrainError(.invalidArgument, "GroupNorm: num_channels must be divisible by num_groups") }
        (self.groups, self.eps) = (groups, eps)
        (weight, bias) = affine ? (try Tensor.ones([channels]), try Tensor.zeros([channels])) : (nil, nil)
        super.init()
        try registerWeightAndBias(weight, bias)
    }

    public override func forward(_ input: Tensor) throws -> Tensor {
        try groupNorm(input, groups: groups, weight: weight, bias: bias, eps: eps)
    }
}

/// A module from a function of one tensor: the parameter-free layers (activations, pooling,
/// reshaping) as PyTorch modules.
public final class Lambda: Module {
    public let name: String
    private let body: (Tensor) throws -> Tensor

    public init(_ name: String, _ body: @escaping (Tensor) throws -> Tensor) {
        (self.name, self.body) = (name, body)
        super.init()
    }

    public override func forward(_ input: Tensor) throws -> Tensor { try body(input) }
}

/// `nn.PReLU(num_parameters, init)`: x where x ≥ 0, else weight · x, with a learned `weight` of
/// `numParameters` slopes (one, or one per channel), each starting at `init`.
public final class PReLU: Module {
    public let weight: Tensor

    public init(numParameters: Int = 1, initialSlope: Double = 0.25) throws {
        guard numParameters >= 1 else { throw GentrainError(.invalidArgument, "PReLU: num_parameters must be at least 1") }
        weight = try Tensor.full([numParameters], initialSlope)
        super.init()
        try registerParameter("weight", weight)
    }

    public override func forward(_ input: Tensor) throws -> Tensor { try input.prelu(weight) }
}

/// The parameter-free layers, named as PyTorch's modules.
public enum Layers {
    public static func leakyReLU(_ slope: Double = 0.01) -> Module { LeakyReLU(negativeSlope: slope) }
    public static func gelu(approximate: GELUApproximation = .none) -> Module { Lambda("GELU") { try $0.gelu(approximate: approximate) } }
    public static func silu() -> Module { Lambda("SiLU") { try $0.silu() } }
    public static func elu(_ alpha: Double = 1) -> Module { Lambda("ELU") { try $0.elu(alpha: alpha) } }
    public static func tanh() -> Module { Lambda("Tanh") { try $0.tanh() } }
    public static func identity() -> Module { Lambda("Identity") { $0 } }
    public static func sigmoid() -> Module { Lambda("Sigmoid") { try $0.sigmoid() } }
    public static func softplus(beta: Double = 1, threshold: Double = 20) -> Module {
        Lambda("Softplus") { try $0.softplus(beta: beta, threshold: threshold) }
    }
    public static func hardtanh(minVal: Double = -1, maxVal: Double = 1) -> Module {
        Lambda("Hardtanh") { try $0.hardtanh(minVal: minVal, maxVal: maxVal) }
    }
    public static func relu6() -> Module { Lambda("ReLU6") { try $0.relu6() } }
    public static func hardsigmoid() -> Module { Lambda("Hardsigmoid") { try $0.hardsigmoid() } }
    public static func hardswish() -> Module { Lambda("Hardswish") { try $0.hardswish() } }
    public static func mish() -> Module { Lambda("Mish") { try $0.mish() } }
    public static func selu() -> Module { Lambda("SELU") { try $0.selu() } }
    public static func celu(alpha: Double = 1) -> Module { Lambda("CELU") { try $0.celu(alpha: alpha) } }
    public static func glu(dim: Int = -1) -> Module { Lambda("GLU") { try $0.glu(dim: dim) } }
    public static func logsigmoid() -> Module { Lambda("LogSigmoid") { try $0.logsigmoid() } }
    public static func softmin(dim: Int) -> Module { Lambda("Softmin") { try $0.softmin(dim: dim) } }
    public static func threshold(_ threshold: Double, value: Double) -> Module {
        Lambda("Threshold") { try $0.threshold(threshold, value: value) }
    }
    public static func tanhshrink() -> Module { Lambda("Tanhshrink") { try $0.tanhshrink() } }
    public static func softshrink(lambd: Double = 0.5) -> Module { Lambda("Softshrink") { try $0.softshrink(lambd: lambd) } }
    public static func hardshrink(lambd: Double = 0.5) -> Module { Lambda("Hardshrink") { try $0.hardshrink(lambd: lambd) } }
    public static func softmax(dim: Int) -> Module { Lambda("Softmax") { try $0.softmax(dim: dim) } }
    public static func logSoftmax(dim: Int) -> Module { Lambda("LogSoftmax") { try $0.logSoftmax(dim: dim) } }
    public static func flatten(startDim: Int = 1, endDim: Int = -1) -> Module {
        Lambda("Flatten") { try $0.flatten(startDim: startDim, endDim: endDim) }
    }
    public static func unflatten(dim: Int, sizes: [Int]) -> Module {
        Lambda("Unflatten") { x in
            let d = try x.sizedDim(dim, "unflatten")
            return try x.reshape(Array(x.shape[..<d]) + sizes + Array(x.shape[(d + 1)...]))
        }
    }
    public static func maxPool2d(_ kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
                                 dilation: (Int, Int) = (1, 1), ceilMode: Bool = false) -> Module {
        Lambda("MaxPool2d") {
            try GentrainNN.maxPool2d($0, kernel: kernel, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
        }
    }
    public static func avgPool2d(_ kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0),
                                 ceilMode: Bool = false, countIncludePad: Bool = true, divisorOverride: Int? = nil) -> Module {
        Lambda("AvgPool2d") {
            try GentrainNN.avgPool2d($0, kernel: kernel, stride: stride, padding: padding, ceilMode: ceilMode,
                                     countIncludePad: countIncludePad, divisorOverride: divisorOverride)
        }
    }
    public static func adaptiveMaxPool2d(_ size: (Int, Int)) -> Module {
        Lambda("AdaptiveMaxPool2d") { try GentrainNN.adaptiveMaxPool2d($0, outputSize: size) }
    }
    public static func adaptiveAvgPool2d(_ size: (Int, Int)) -> Module {
        Lambda("AdaptiveAvgPool2d") { try GentrainNN.adaptiveAvgPool2d($0, outputSize: size) }
    }
    public static func upsample(size: (Int, Int), mode: UpsampleMode = .nearest, alignCorners: Bool = false) -> Module {
        Lambda("Upsample") { try GentrainNN.upsample($0, size: size, mode: mode, alignCorners: alignCorners) }
    }

    /// `nn.Upsample(scale_factor=…)`.
    public static func upsample(scaleFactor: (Double, Double), mode: UpsampleMode = .nearest, alignCorners: Bool = false) -> Module {
        Lambda("Upsample") { try GentrainNN.upsample($0, scaleFactor: scaleFactor, mode: mode, alignCorners: alignCorners) }
    }
    public static func pixelShuffle(_ r: Int) -> Module { Lambda("PixelShuffle") { try GentrainNN.pixelShuffle($0, upscaleFactor: r) } }
    public static func pixelUnshuffle(_ r: Int) -> Module {
        Lambda("PixelUnshuffle") { try GentrainNN.pixelUnshuffle($0, downscaleFactor: r) }
    }
    public static func maxPool1d(_ kernel: Int, stride: Int? = nil, padding: Int = 0, dilation: Int = 1, ceilMode: Bool = false) -> Module {
        Lambda("MaxPool1d") { try GentrainNN.maxPool1d($0, kernel: kernel, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode) }
    }
    public static func avgPool1d(_ kernel: Int, stride: Int? = nil, padding: Int = 0, ceilMode: Bool = false,
                                 countIncludePad: Bool = true) -> Module {
        Lambda("AvgPool1d") {
            try GentrainNN.avgPool1d($0, kernel: kernel, stride: stride, padding: padding, ceilMode: ceilMode, countIncludePad: countIncludePad)
        }
    }
    public static func instanceNorm2d(eps: Double = 1e-5) -> Module { Lambda("InstanceNorm2d") { try instanceNorm($0, eps: eps) } }
}

/// `nn.MaxUnpool2d(kernel, stride, padding)`: the inverse of max pooling with indices
/// (`maxPool2dWithIndices`, PyTorch's `MaxPool2d(return_indices=True)`), called with the pooled
/// values and their indices as PyTorch's `unpool(x, indices, output_size)`:
///
///     let (pooled, indices) = try maxPool2dWithIndices(x, kernel: (2, 2))
///     let restored = try MaxUnpool2d((2, 2))(pooled, indices: indices)
public final class MaxUnpool2d: Module {
    public let kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int)

    /// `stride` defaults to the kernel, as PyTorch's.
    public init(_ kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)) throws {
        let s = stride ?? kernel
        try WindowGeometry(kernel: kernel, stride: s, padding: padding).validate("MaxUnpool2d")
        (self.kernel, self.stride, self.padding) = (kernel, s, padding)
        super.init()
    }

    /// x `[N, C, H, W]` and its int64 indices → `[N, C, outputSize]` (by default the size the
    /// pooling came from).
    public func callAsFunction(_ x: Tensor, indices: Tensor, outputSize: (Int, Int)? = nil) throws -> Tensor {
        try maxUnpool2d(x, indices: indices, kernel: kernel, stride: stride, padding: padding, outputSize: outputSize)
    }

    /// One input is not enough: the indices are needed.
    public override func forward(_ input: Tensor) throws -> Tensor {
        throw GentrainError(.invalidArgument, "MaxUnpool2d needs the pooling's indices: call it as unpool(x, indices: indices)")
    }
}

/// `nn.Dropout`: active in training only, from the default generator.
public final class Dropout: Module {
    public let p: Double
    public init(_ p: Double = 0.5) throws {
        guard p >= 0 && p <= 1 else { throw GentrainError(.invalidArgument, "dropout probability has to be between 0 and 1, but got \(p)") }
        self.p = p
        super.init()
    }
    public override func forward(_ input: Tensor) throws -> Tensor { try input.dropout(p: p, training: training) }
}

/// `nn.Dropout1d`, `nn.Dropout2d`, `nn.Dropout3d` (`spatialDims` 1, 2, 3): whole channels zeroed
/// with probability p in training mode.
public final class FeatureDropout: Module {
    public let p: Double, spatialDims: Int
    public init(_ p: Double = 0.5, spatialDims: Int) throws {
        guard p >= 0 && p <= 1 else { throw GentrainError(.invalidArgument, "dropout probability has to be between 0 and 1, but got \(p)") }
        (self.p, self.spatialDims) = (p, spatialDims)
        super.init()
    }
    public override func forward(_ input: Tensor) throws -> Tensor {
        try input.featureDropout(p: p, training: training, spatialDims: spatialDims)
    }
}

/// `nn.Embedding`: weight `[num, dim]` from N(0, 1); the `paddingIdx` row starts at zero and
/// receives no gradient.
public final class Embedding: Module {
    public let weight: Tensor, paddingIdx: Int?

    public init(_ num: Int, _ dim: Int, paddingIdx: Int? = nil) throws {
        if let p = paddingIdx, p < -num || p >= num { throw GentrainError(.index, "Embedding: padding_idx must be within num_embeddings") }
        self.paddingIdx = paddingIdx.map { $0 < 0 ? $0 + num : $0 }
        let w = try Tensor.randn([num, dim])
        if let p = self.paddingIdx { try withNoGrad { try w.select(0, p).copy_(Tensor.scalar(0)) } }
        weight = w
        super.init()
        try registerParameter("weight", weight)
    }

    public override func forward(_ input: Tensor) throws -> Tensor { try embedding(input, weight, paddingIdx: paddingIdx) }
}

/// An ordered list of modules, named "0", "1", … (PyTorch's `nn.ModuleList`).
public final class ModuleList: Module {
    public init(_ modules: [Module]) throws {
        super.init()
        for (i, m) in modules.enumerated() { try registerModule(String(i), m) }
    }
    public subscript(_ i: Int) -> Module { namedChildren[i].1 }
    public var count: Int { namedChildren.count }
}

/// Modules by name in insertion order (PyTorch's `nn.ModuleDict`). It has no forward of its own:
/// the module that holds it decides how its entries combine.
public final class ModuleDict: Module {
    public init(_ modules: [(String, Module)] = []) throws {
        super.init()
        for (name, m) in modules { try registerModule(name, m) }
    }
    public subscript(_ name: String) -> Module? { namedChildren.first { $0.0 == name }?.1 }
    public var keys: [String] { namedChildren.map(\.0) }
    public var count: Int { namedChildren.count }

    public override func forward(_ input: Tensor) throws -> Tensor {
        throw GentrainError(.unsupported, "ModuleDict has no forward; call its entries")
    }
}

