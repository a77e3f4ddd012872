import CGentrain
import GentrainCore
import GentrainNN

// nn.init: in-place initializations of a tensor.

/// Runs an initializer on a floating-point tensor handle.
private func initialize(_ name: StaticString, _ tensor: OpaquePointer?, _ body: (Tensor) throws -> Tensor) -> gentrain_status {
    guarded(name) {
        let t = try tensorArg(tensor)
        guard t.dtype.isFloatingPoint else { throw GentrainError(.dtype, "expected a floating point tensor, got \(t.dtype)") }
        _ = try body(t)
    }
}

@c @implementation
public func gentrain_init_uniform(_ tensor: OpaquePointer?, _ a: Double, _ b: Double, _ generator: OpaquePointer?) -> gentrain_status {
    initialize("gentrain_init_uniform", tensor) { t in
        guard try finite(a, "a") <= finite(b, "b") else { throw GentrainError(.invalidArgument, "uniform_ expects a <= b, got \(a) and \(b)") }
        return try Init.uniform_(t, a, b, generator: optionalGeneratorArg(generator))
    }
}

@c @implementation
public func gentrain_init_normal(_ tensor: OpaquePointer?, _ mean: Double, _ std: Double, _ generator: OpaquePointer?) -> gentrain_status {
    initialize("gentrain_init_normal", tensor) { t in
        guard try finite(std, "std") >= 0 else { throw GentrainError(.invalidArgument, "normal_ expects std >= 0, got \(std)") }
        return try Init.normal_(t, mean: finite(mean, "mean"), std: std, generator: optionalGeneratorArg(generator))
    }
}

@c @implementation
public func gentrain_init_constant(_ tensor: OpaquePointer?, _ value: Double) -> gentrain_status {
    initialize("gentrain_init_constant", tensor) { try Init.constant_($0, value) }
}

@c @implementation
public func gentrain_init_xavier_uniform(_ tensor: OpaquePointer?, _ gain: Double, _ generator: OpaquePointer?) -> gentrain_status {
    initialize("gentrain_init_xavier_uniform", tensor) {
        try Init.xavierUniform_($0, gain: finite(gain, "gain"), generator: optionalGeneratorArg(generator))
    }
}

@c @implementation
public func gentrain_init_xavier_normal(_ tensor: OpaquePointer?, _ gain: Double, _ generator: OpaquePointer?) -> gentrain_status {
    initialize("gentrain_init_xavier_normal", tensor) {
        try Init.xavierNormal_($0, gain: finite(gain, "gain"), generator: optionalGeneratorArg(generator))
    }
}

/// A Kaiming initializer with its arguments from C: the slope `a`, the fan by `mode` (NULL:
/// "fan_in"), the gain by `nonlinearity` (NULL: "leaky_relu"), the generator (NULL: the default one).
private func kaiming(_ name: StaticString, _ tensor: OpaquePointer?, _ a: Double, _ mode: UnsafePointer<CChar>?,
                     _ nonlinearity: UnsafePointer<CChar>?, _ generator: OpaquePointer?,
                     _ fill: (Tensor, Double, Bool, String, Generator?) throws -> Tensor) -> gentrain_status {
    initialize(name, tensor) { t in
        let m = mode.map { String(cString: $0) } ?? "fan_in"
        guard m == "fan_in" || m == "fan_out" else { throw GentrainError(.invalidArgument, "mode \(m) is not supported (fan_in or fan_out)") }
        return try fill(t, finite(a, "a"), m == "fan_out", nonlinearity.map { String(cString: $0) } ?? "leaky_relu",
                        optionalGeneratorArg(generator))
    }
}

@c @implementation
public func gentrain_init_kaiming_uniform(_ tensor: OpaquePointer?, _ a: Double, _ mode: UnsafePointer<CChar>?,
                                          _ nonlinearity: UnsafePointer<CChar>?, _ generator: OpaquePointer?) -> gentrain_status {
    kaiming("gentrain_init_kaiming_uniform", tensor, a, mode, nonlinearity, generator) {
        try Init.kaimingUniform_($0, a: $1, fanOut: $2, nonlinearity: $3, generator: $4)
    }
}

@c @implementation
public func gentrain_init_kaiming_normal(_ tensor: OpaquePointer?, _ a: Double, _ mode: UnsafePointer<CChar>?,
                                         _ nonlinearity: UnsafePointer<CChar>?, _ generator: OpaquePointer?) -> gentrain_status {
    kaiming("gentrain_init_kaiming_normal", tensor, a, mode, nonlinearity, generator) {
        try Init.kaimingNormal_($0, a: $1, fanOut: $2, nonlinearity: $3, generator: $4)
    }
}

@c @implementation
public func gentrain_init_calculate_gain(_ out: UnsafeMutablePointer<Double>?, _ nonlinearity: UnsafePointer<CChar>?,
                                    _ param: UnsafePointer<Double>?) -> gentrain_status {
    guarded("gentrain_init_calculate_gain") {
        guard let out else { throw GentrainError(.invalidArgument, "out is NULL") }
        out.pointee = try Init.gain(stringArg(nonlinearity, "nonlinearity"), param?.pointee ?? 0.01)
    }
}
