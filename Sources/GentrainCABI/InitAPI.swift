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

/// A finite value.
private func finite(_ v: Double, _ what: String) throws -> Double {
    guard v.isFinite else { throw GentrainError(.invalidArgument, "\(what) must be finite, got \(v)") }
    return v
}

@c @implementation
public func gentrain_init_uniform(_ tensor: OpaquePointer?, _ a: Double, _ b: Double) -> gentrain_status {
    initialize("gentrain_init_uniform", tensor) { t in
        guard try finite(a, "a") <= finite(b, "b") else { throw GentrainError(.invalidArgument, "uniform_ expects a <= b, got \(a) and \(b)") }
        return try Init.uniform_(t, a, b)
    }
}

@c @implementation
public func gentrain_init_normal(_ tensor: OpaquePointer?, _ mean: Double, _ std: Double) -> gentrain_status {
    initialize("gentrain_init_normal", tensor) { t in
        guard try finite(std, "std") >= 0 else { throw GentrainError(.invalidArgument, "normal_ expects std >= 0, got \(std)") }
        return try Init.normal_(t, mean: finite(mean, "mean"), std: std)
    }
}

@c @implementation
public func gentrain_init_constant(_ tensor: OpaquePointer?, _ value: Double) -> gentrain_status {
    initialize("gentrain_init_constant", tensor) { try Init.constant_($0, value) }
}

@c @implementation
public func gentrain_init_xavier(_ tensor: OpaquePointer?, _ gain: Double, _ normal: Bool) -> gentrain_status {
    initialize("gentrain_init_xavier", tensor) { t in
        let g = try finite(gain, "gain")
        return normal ? try Init.xavierNormal_(t, gain: g) : try Init.xavierUniform_(t, gain: g)
    }
}

@c @implementation
public func gentrain_init_kaiming(_ tensor: OpaquePointer?, _ a: Double, _ fanOut: Bool, _ nonlinearity: UnsafePointer<CChar>?,
                                  _ normal: Bool) -> gentrain_status {
    initialize("gentrain_init_kaiming", tensor) { t in
        let f = nonlinearity.map { String(cString: $0) } ?? "leaky_relu", slope = try finite(a, "a")
        return normal ? try Init.kaimingNormal_(t, a: slope, fanOut: fanOut, nonlinearity: f)
                      : try Init.kaimingUniform_(t, a: slope, fanOut: fanOut, nonlinearity: f)
    }
}

@c @implementation
public func gentrain_calculate_gain(_ out: UnsafeMutablePointer<Double>?, _ nonlinearity: UnsafePointer<CChar>?,
                                    _ param: UnsafePointer<Double>?) -> gentrain_status {
    guarded("gentrain_calculate_gain") {
        guard let out else { throw GentrainError(.invalidArgument, "out is NULL") }
        out.pointee = try Init.gain(stringArg(nonlinearity, "nonlinearity"), param?.pointee ?? 0.01)
    }
}
