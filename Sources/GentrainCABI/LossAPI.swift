import CGentrain
import GentrainCore
import GentrainNN

// Losses whose entry points take option structs; the forwarding ones are in Generated/Losses.swift.

@c @implementation
public func gentrain_cross_entropy_options_default(_ options: UnsafeMutablePointer<gentrain_cross_entropy_options>?) {
    guard let options else { return }
    options.pointee = gentrain_cross_entropy_options(
        struct_size: MemoryLayout<gentrain_cross_entropy_options>.size, weight: nil, ignore_index: -100,
        reduction: GENTRAIN_REDUCTION_MEAN, label_smoothing: 0)
}

@c @implementation
public func gentrain_cross_entropy(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ input: OpaquePointer?, _ target: OpaquePointer?,
                                   _ options: UnsafePointer<gentrain_cross_entropy_options>?) -> gentrain_status {
    producing("gentrain_cross_entropy", out) {
        let o = try readOptions(options) { gentrain_cross_entropy_options_default($0) }
        guard let reduction = Reduction(rawValue: Int32(bitPattern: o.reduction.rawValue)) else {
            throw GentrainError(.invalidArgument, "unknown reduction \(o.reduction.rawValue)")
        }
        return try crossEntropy(tensorArg(input, "input"), tensorArg(target, "target"),
                                weight: optionalTensorArg(o.weight, "options.weight"),
                                ignoreIndex: Int(o.ignore_index), reduction: reduction, labelSmoothing: o.label_smoothing)
    }
}

@c @implementation
public func gentrain_nll_loss(_ out: TensorOut?, _ input: OpaquePointer?, _ target: OpaquePointer?,
                              _ options: UnsafePointer<gentrain_cross_entropy_options>?) -> gentrain_status {
    producing("gentrain_nll_loss", out) {
        let o = try readOptions(options) { gentrain_cross_entropy_options_default($0) }
        guard o.label_smoothing == 0 else { throw GentrainError(.invalidArgument, "nll_loss takes no label_smoothing") }
        return try nllLoss(tensorArg(input, "input"), tensorArg(target, "target"), weight: optionalTensorArg(o.weight, "options.weight"),
                           ignoreIndex: Int(o.ignore_index), reduction: reductionArg(o.reduction))
    }
}
