import CGentrain
import GentrainCore
import GentrainNN

// Modules (torch.nn): constructors of the built-in layers, containers, forward, parameters, modes.

func producingModule(_ name: StaticString, _ out: UnsafeMutablePointer<OpaquePointer?>?,
                             _ body: () throws -> Module) -> gentrain_status {
    out?.pointee = nil
    return guarded(name) {
        guard let out else { throw GentrainError(.invalidArgument, "out is NULL") }
        out.pointee = try HandleTable.shared.insert(ModuleBox(body()), .module)
    }
}

@c @implementation
public func gentrain_module_linear_new(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ inFeatures: Int64, _ outFeatures: Int64,
                                       _ bias: Bool) -> gentrain_status {
    producingModule("gentrain_module_linear_new", out) {
        _ = try checkedNumel([Int(inFeatures), Int(outFeatures)])
        return try Linear(Int(inFeatures), Int(outFeatures), bias: bias)
    }
}

@c @implementation
public func gentrain_module_relu_new(_ out: UnsafeMutablePointer<OpaquePointer?>?) -> gentrain_status {
    producingModule("gentrain_module_relu_new", out) { ReLU() }
}

@c @implementation
public func gentrain_module_sequential_new(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ modules: UnsafePointer<OpaquePointer?>?,
                                           _ n: Int) -> gentrain_status {
    producingModule("gentrain_module_sequential_new", out) {
        guard n >= 0, n <= 1 << 24 else { throw GentrainError(.invalidArgument, "n is invalid: \(UInt(bitPattern: n))") }
        guard n == 0 || modules != nil else { throw GentrainError(.invalidArgument, "modules is NULL but n is \(n)") }
        return try Sequential((0..<n).map { try moduleArg(modules![$0]).module })
    }
}

@c @implementation
public func gentrain_module_free(_ module: OpaquePointer?) {
    HandleTable.shared.remove(module, .module)
}

@c @implementation
public func gentrain_module_forward(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ module: OpaquePointer?,
                                    _ input: OpaquePointer?) -> gentrain_status {
    producing("gentrain_module_forward", out) { try moduleArg(module).module.forward(tensorArg(input, "input")) }
}

@c @implementation
public func gentrain_module_train(_ module: OpaquePointer?, _ mode: Bool) -> gentrain_status {
    guarded("gentrain_module_train") { try moduleArg(module).module.train(mode) }
}

@c @implementation
public func gentrain_module_parameter_count(_ out: UnsafeMutablePointer<Int>?, _ module: OpaquePointer?) -> gentrain_status {
    guarded("gentrain_module_parameter_count") { try write(out) { try moduleArg(module).module.namedParameters().count } }
}

@c @implementation
public func gentrain_module_parameter(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ name: UnsafeMutablePointer<UnsafePointer<CChar>?>?,
                                      _ module: OpaquePointer?, _ index: Int) -> gentrain_status {
    producing("gentrain_module_parameter", out) {
        let box = try moduleArg(module)
        let params = box.module.namedParameters()
        guard index >= 0, index < params.count else {
            throw GentrainError(.index, "parameter index \(index) is out of range for \(params.count) parameters")
        }
        name?.pointee = box.cName(params[index].0)
        return params[index].1
    }
}

@c @implementation
public func gentrain_module_zero_grad(_ module: OpaquePointer?, _ setToNone: Bool) -> gentrain_status {
    guarded("gentrain_module_zero_grad") { try moduleArg(module).module.zeroGrad(setToNone: setToNone) }
}

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
public func gentrain_module_to(_ module: OpaquePointer?, _ dtype: gentrain_dtype) -> gentrain_status {
    guarded("gentrain_module_to") { _ = try moduleArg(module).module.to(dtypeArg(dtype)) }
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
