import CGentrain
import GentrainCore
import GentrainIO
import GentrainNN

// Layer modules, module files (safetensors state dicts) and the perceptual loss.

@c @implementation
public func gentrain_module_conv2d_new(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ inChannels: Int64, _ outChannels: Int64,
                                       _ kernelH: Int64, _ kernelW: Int64, _ options: UnsafePointer<gentrain_conv_options>?,
                                       _ bias: Bool) -> gentrain_status {
    producingModule("gentrain_module_conv2d_new", out) {
        let a = try ConvArgs(options)
        let inC = try size(inChannels, "in_channels", min: 1), outC = try size(outChannels, "out_channels", min: 1)
        let kernel = (try size(kernelH, "kernel", min: 1), try size(kernelW, "kernel", min: 1))
        _ = try checkedNumel([outC, inC / a.groups, kernel.0, kernel.1])
        return try Conv2d(inC, outC, kernelSize: kernel, stride: a.stride, padding: a.convPadding, dilation: a.dilation,
                          groups: a.groups, bias: bias)
    }
}

@c @implementation
public func gentrain_module_leaky_relu_new(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ negativeSlope: Double) -> gentrain_status {
    producingModule("gentrain_module_leaky_relu_new", out) {
        guard negativeSlope.isFinite else { throw GentrainError(.invalidArgument, "negative_slope must be finite, got \(negativeSlope)") }
        return Layers.leakyReLU(negativeSlope)
    }
}

@c @implementation
public func gentrain_module_set_requires_grad(_ module: OpaquePointer?, _ requiresGrad: Bool) -> gentrain_status {
    guarded("gentrain_module_set_requires_grad") { try moduleArg(module).module.requiresGrad_(requiresGrad) }
}

@c @implementation
public func gentrain_module_save(_ module: OpaquePointer?, _ path: UnsafePointer<CChar>?) -> gentrain_status {
    guarded("gentrain_module_save") { try moduleArg(module).module.save(to: stringArg(path, "path")) }
}

@c @implementation
public func gentrain_module_load(_ module: OpaquePointer?, _ path: UnsafePointer<CChar>?, _ strict: Bool) -> gentrain_status {
    guarded("gentrain_module_load") { try moduleArg(module).module.load(from: stringArg(path, "path"), strict: strict) }
}

/// The `n` (name, tensor) pairs of two parallel C arrays.
private func namedTensors(_ names: UnsafePointer<UnsafePointer<CChar>?>?, _ tensors: UnsafePointer<OpaquePointer?>?,
                          _ n: Int) throws -> [(String, Tensor)] {
    guard n >= 0, n <= 1 << 24 else { throw GentrainError(.invalidArgument, "n is invalid: \(UInt(bitPattern: n))") }
    guard n == 0 || (names != nil && tensors != nil) else { throw GentrainError(.invalidArgument, "names or tensors is NULL but n is \(n)") }
    return try (0..<n).map { i in (try stringArg(names![i], "names[\(i)]"), try tensorArg(tensors![i], "tensors[\(i)]")) }
}

@c @implementation
public func gentrain_save_safetensors(_ path: UnsafePointer<CChar>?, _ names: UnsafePointer<UnsafePointer<CChar>?>?,
                                      _ tensors: UnsafePointer<OpaquePointer?>?, _ n: Int) -> gentrain_status {
    guarded("gentrain_save_safetensors") {
        try SafeTensors.save(namedTensors(names, tensors, n), metadata: [:], to: stringArg(path, "path"))
    }
}

@c @implementation
public func gentrain_load_safetensors(_ path: UnsafePointer<CChar>?, _ names: UnsafePointer<UnsafePointer<CChar>?>?,
                                      _ tensors: UnsafePointer<OpaquePointer?>?, _ n: Int, _ strict: Bool) -> gentrain_status {
    guarded("gentrain_load_safetensors") {
        let targets = try namedTensors(names, tensors, n)
        try loadNamedTensors(into: targets, from: SafeTensors.load(stringArg(path, "path")).tensors, strict: strict)
    }
}

@c @implementation
public func gentrain_perceptual_loss(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ extractor: OpaquePointer?,
                                     _ layers: UnsafePointer<Int64>?, _ weights: UnsafePointer<Double>?, _ n: Int,
                                     _ generated: OpaquePointer?, _ real: OpaquePointer?) -> gentrain_status {
    producing("gentrain_perceptual_loss", out) {
        guard let sequential = try moduleArg(extractor).module as? Sequential else {
            throw GentrainError(.invalidArgument, "extractor must be a Sequential module")
        }
        guard n > 0, n <= 1 << 16, let layers, let weights else {
            throw GentrainError(.invalidArgument, "layers and weights must hold n > 0 entries")
        }
        var chosen: [Int: Double] = [:]
        for i in 0..<n {
            guard chosen.updateValue(weights[i], forKey: Int(clamping: layers[i])) == nil else {
                throw GentrainError(.invalidArgument, "layer \(layers[i]) is listed twice")
            }
        }
        return try PerceptualLoss(extractor: sequential, layers: chosen)(tensorArg(generated, "generated"), tensorArg(real, "real"))
    }
}

@c @implementation
public func gentrain_module_conv_transpose2d_new(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ inChannels: Int64,
                                                 _ outChannels: Int64, _ kernelH: Int64, _ kernelW: Int64,
                                                 _ options: UnsafePointer<gentrain_conv_options>?, _ bias: Bool) -> gentrain_status {
    producingModule("gentrain_module_conv_transpose2d_new", out) {
        let a = try ConvArgs(options)
        guard !a.same else { throw GentrainError(.invalidArgument, "padding_same is not supported by ConvTranspose2d") }
        let inC = try size(inChannels, "in_channels", min: 1), outC = try size(outChannels, "out_channels", min: 1)
        let kernel = (try size(kernelH, "kernel", min: 1), try size(kernelW, "kernel", min: 1))
        _ = try checkedNumel([inC, outC / a.groups, kernel.0, kernel.1])
        return try ConvTranspose2d(inC, outC, kernelSize: kernel, stride: a.stride, padding: a.padding, outputPadding: a.outputPadding,
                                   groups: a.groups, bias: bias, dilation: a.dilation)
    }
}

/// A positive finite epsilon.
private func epsilon(_ eps: Double) throws -> Double {
    guard eps > 0, eps.isFinite else { throw GentrainError(.invalidArgument, "eps must be positive and finite, got \(eps)") }
    return eps
}

@c @implementation
public func gentrain_module_batch_norm_new(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ numFeatures: Int64, _ eps: Double,
                                          _ momentum: Double, _ affine: Bool) -> gentrain_status {
    producingModule("gentrain_module_batch_norm_new", out) {
        guard momentum >= 0 && momentum <= 1 else { throw GentrainError(.invalidArgument, "momentum must be in [0, 1], got \(momentum)") }
        return try BatchNorm(size(numFeatures, "num_features", min: 1), eps: epsilon(eps), momentum: momentum, affine: affine)
    }
}

@c @implementation
public func gentrain_module_layer_norm_new(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ normalizedShape: UnsafePointer<Int64>?,
                                          _ ndim: Int, _ eps: Double, _ elementwiseAffine: Bool) -> gentrain_status {
    producingModule("gentrain_module_layer_norm_new", out) {
        guard ndim > 0, ndim <= 64, let normalizedShape else {
            throw GentrainError(.invalidArgument, "normalized_shape must hold 1...64 sizes")
        }
        let shape = try (0..<ndim).map { try size(normalizedShape[$0], "normalized_shape[\($0)]", min: 1) }
        _ = try checkedNumel(shape)
        return try LayerNorm(shape, eps: epsilon(eps), elementwiseAffine: elementwiseAffine)
    }
}

@c @implementation
public func gentrain_module_group_norm_new(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ numGroups: Int64, _ numChannels: Int64,
                                          _ eps: Double, _ affine: Bool) -> gentrain_status {
    producingModule("gentrain_module_group_norm_new", out) {
        try GroupNorm(size(numGroups, "num_groups", min: 1), size(numChannels, "num_channels", min: 1), eps: epsilon(eps), affine: affine)
    }
}

@c @implementation
public func gentrain_module_embedding_new(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ numEmbeddings: Int64, _ embeddingDim: Int64,
                                         _ paddingIdx: UnsafePointer<Int64>?) -> gentrain_status {
    producingModule("gentrain_module_embedding_new", out) {
        let num = try size(numEmbeddings, "num_embeddings", min: 1), dim = try size(embeddingDim, "embedding_dim", min: 1)
        _ = try checkedNumel([num, dim])
        return try Embedding(num, dim, paddingIdx: paddingIdx.map { Int(clamping: $0.pointee) })
    }
}

@c @implementation
public func gentrain_module_dropout_new(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ p: Double) -> gentrain_status {
    producingModule("gentrain_module_dropout_new", out) { try Dropout(p) }
}

@c @implementation
public func gentrain_module_layer_new(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ name: UnsafePointer<CChar>?) -> gentrain_status {
    producingModule("gentrain_module_layer_new", out) {
        let layers: [String: () -> Module] = [
            "ReLU": { ReLU() }, "Tanh": { Layers.tanh() }, "Sigmoid": { Layers.sigmoid() }, "GELU": { Layers.gelu() },
            "SiLU": { Layers.silu() }, "ELU": { Layers.elu() }, "Softplus": { Layers.softplus() }, "Flatten": { Layers.flatten() },
            "Identity": { Layers.identity() }, "InstanceNorm2d": { Layers.instanceNorm2d() },
        ]
        let n = try stringArg(name, "name")
        guard let make = layers[n] else {
            throw GentrainError(.invalidArgument, "unknown layer '\(n)'; expected one of \(layers.keys.sorted().joined(separator: ", "))")
        }
        return make()
    }
}

@c @implementation
public func gentrain_module_softmax_new(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ dim: Int64) -> gentrain_status {
    producingModule("gentrain_module_softmax_new", out) { Layers.softmax(dim: try moduleDim(dim)) }
}

@c @implementation
public func gentrain_module_log_softmax_new(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ dim: Int64) -> gentrain_status {
    producingModule("gentrain_module_log_softmax_new", out) { Layers.logSoftmax(dim: try moduleDim(dim)) }
}

/// A module's dim argument: in -GENTRAIN_MAX_DIMS..<GENTRAIN_MAX_DIMS (checked against the input at forward).
private func moduleDim(_ dim: Int64) throws -> Int {
    guard dim >= -Int64(GENTRAIN_MAX_DIMS) && dim < Int64(GENTRAIN_MAX_DIMS) else { throw GentrainError(.index, "dim \(dim) is out of range") }
    return Int(dim)
}

@c @implementation
public func gentrain_module_multihead_attention_new(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ embedDim: Int64, _ numHeads: Int64,
                                                   _ dropout: Double, _ bias: Bool, _ batchFirst: Bool) -> gentrain_status {
    producingModule("gentrain_module_multihead_attention_new", out) {
        let e = try size(embedDim, "embed_dim", min: 1)
        _ = try checkedNumel([3 * e, e])
        return try MultiheadAttention(e, size(numHeads, "num_heads", min: 1), dropout: dropout, bias: bias, batchFirst: batchFirst)
    }
}

@c @implementation
public func gentrain_module_dict_new(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ names: UnsafePointer<UnsafePointer<CChar>?>?,
                                    _ modules: UnsafePointer<OpaquePointer?>?, _ n: Int) -> gentrain_status {
    producingModule("gentrain_module_dict_new", out) { try ModuleDict(namedModules(names, modules, n, "modules")) }
}

/// `n` (name, module) pairs of two parallel C arrays.
func namedModules(_ names: UnsafePointer<UnsafePointer<CChar>?>?, _ modules: UnsafePointer<OpaquePointer?>?, _ n: Int,
                  _ what: String) throws -> [(String, Module)] {
    guard n >= 0, n <= 1 << 16 else { throw GentrainError(.invalidArgument, "the count of \(what) is invalid: \(UInt(bitPattern: n))") }
    guard n == 0 || (names != nil && modules != nil) else { throw GentrainError(.invalidArgument, "\(what) or their names are NULL but n is \(n)") }
    return try (0..<n).map { i in (try stringArg(names![i], "names[\(i)]"), try moduleArg(modules![i]).module) }
}

@c @implementation
public func gentrain_module_submodule(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ module: OpaquePointer?,
                                     _ path: UnsafePointer<CChar>?) -> gentrain_status {
    producingModule("gentrain_module_submodule", out) { try moduleArg(module).module.submodule(stringArg(path, "path")) }
}
