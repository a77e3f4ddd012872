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
public func gentrain_module_requires_grad(_ module: OpaquePointer?, _ requiresGrad: Bool) -> gentrain_status {
    guarded("gentrain_module_requires_grad") { try moduleArg(module).module.requiresGrad_(requiresGrad) }
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
