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
    producing("gentrain_module_parameter", out) { try namedTensor(module, index, name, "parameter") { $0.namedParameters() } }
}

@c @implementation
public func gentrain_module_buffer_count(_ out: UnsafeMutablePointer<Int>?, _ module: OpaquePointer?) -> gentrain_status {
    guarded("gentrain_module_buffer_count") { try write(out) { try moduleArg(module).module.namedBuffers().count } }
}

@c @implementation
public func gentrain_module_buffer(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ name: UnsafeMutablePointer<UnsafePointer<CChar>?>?,
                                   _ module: OpaquePointer?, _ index: Int) -> gentrain_status {
    producing("gentrain_module_buffer", out) { try namedTensor(module, index, name, "buffer") { $0.namedBuffers() } }
}

/// Entry `index` of a module's named parameters or buffers (`list`), its name written to `name` (may be NULL).
private func namedTensor(_ module: OpaquePointer?, _ index: Int, _ name: UnsafeMutablePointer<UnsafePointer<CChar>?>?,
                         _ what: String, _ list: (Module) -> [(String, Tensor)]) throws -> Tensor {
    let box = try moduleArg(module)
    let tensors = list(box.module)
    guard index >= 0, index < tensors.count else {
        throw GentrainError(.index, "\(what) index \(index) is out of range for \(tensors.count) \(what)s")
    }
    name?.pointee = box.cName(tensors[index].0)
    return tensors[index].1
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
public func gentrain_module_max_pool2d_new(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ kernelH: Int64, _ kernelW: Int64,
                                           _ options: UnsafePointer<gentrain_pool2d_options>?) -> gentrain_status {
    producingModule("gentrain_module_max_pool2d_new", out) {
        let a = try PoolArgs(kernelH, kernelW, options)
        return Lambda("MaxPool2d") { try a.maxPool($0).values }
    }
}

@c @implementation
public func gentrain_module_avg_pool2d_new(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ kernelH: Int64, _ kernelW: Int64,
                                           _ options: UnsafePointer<gentrain_pool2d_options>?) -> gentrain_status {
    producingModule("gentrain_module_avg_pool2d_new", out) {
        let a = try PoolArgs(kernelH, kernelW, options)
        return Lambda("AvgPool2d", a.avgPool)
    }
}

@c @implementation
public func gentrain_module_upsample_new(_ out: UnsafeMutablePointer<OpaquePointer?>?,
                                         _ options: UnsafePointer<gentrain_interpolate_options>?) -> gentrain_status {
    producingModule("gentrain_module_upsample_new", out) { try ResizeArgs(options).module }
}

@c @implementation
public func gentrain_module_recurrent_forward(_ output: TensorOut?, _ hN: TensorOut?, _ cN: TensorOut?, _ module: OpaquePointer?,
                                              _ input: OpaquePointer?, _ h0: OpaquePointer?, _ c0: OpaquePointer?) -> gentrain_status {
    let m = try? moduleArg(module).module
    let withCell = m is LSTM || m is LSTMCell
    if !withCell { cN?.pointee = nil }
    return producing("gentrain_module_recurrent_forward", withCell ? [output, hN, cN] : [output, hN]) {
        guard let m else {   // the handle's own error
            _ = try moduleArg(module)
            throw GentrainError(.invalidHandle, "module is not a live handle")
        }
        guard withCell || (cN == nil && c0 == nil) else { throw GentrainError(.invalidArgument, "\(type(of: m)) has no cell state: c0 and c_n must be NULL") }
        let x = try tensorArg(input, "input"), h = try optionalTensorArg(h0, "h0"), c = try optionalTensorArg(c0, "c0")
        guard (h == nil) == (c == nil) || !withCell else { throw GentrainError(.invalidArgument, "give both h0 and c0, or neither") }
        let state = h.flatMap { h in c.map { (h: h, c: $0) } }   // an LSTM's (h0, c0): both or none
        switch m {
        case let lstm as LSTM:
            let r = try lstm(x, state)
            return [r.output, r.h, r.c]
        case let cell as LSTMCell:
            let r = try cell(x, state)
            return [r.h, r.h, r.c]
        case let gru as GRU:
            let r = try gru(x, h)
            return [r.output, r.h]
        case let cell as GRUCell:
            let r = try cell(x, h)
            return [r, r]
        default:
            throw GentrainError(.invalidArgument, "module is not an LSTM, GRU, LSTMCell or GRUCell")
        }
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
