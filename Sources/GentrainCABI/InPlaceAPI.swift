import CGentrain
import GentrainCore

// In-place ops: each writes into its first tensor under that tensor's use guard (two threads
// writing one tensor at once is a misuse, reported as such).

/// Runs `body` on the tensor `x` for the in-place op `function` (also the generated ones: exp_, ...).
func writing(_ function: StaticString, _ x: OpaquePointer?, _ body: (Tensor) throws -> Void) -> gentrain_status {
    guarded(function) {
        let t = try tensorArg(x, "x")
        try t.use.exclusive("x") { try body(t) }
    }
}

@c @implementation
public func gentrain_add_(_ x: OpaquePointer?, _ other: OpaquePointer?, _ alpha: Double) -> gentrain_status {
    writing("gentrain_add_", x) { try $0.add_(tensorArg(other, "other"), alpha: alpha) }
}

@c @implementation
public func gentrain_sub_(_ x: OpaquePointer?, _ other: OpaquePointer?, _ alpha: Double) -> gentrain_status {
    writing("gentrain_sub_", x) { try $0.sub_(tensorArg(other, "other"), alpha: alpha) }
}

@c @implementation
public func gentrain_mul_(_ x: OpaquePointer?, _ other: OpaquePointer?) -> gentrain_status {
    writing("gentrain_mul_", x) { try $0.mul_(tensorArg(other, "other")) }
}

@c @implementation
public func gentrain_div_(_ x: OpaquePointer?, _ other: OpaquePointer?) -> gentrain_status {
    writing("gentrain_div_", x) { try $0.div_(tensorArg(other, "other")) }
}

@c @implementation
public func gentrain_clamp_(_ x: OpaquePointer?, _ min: Double, _ max: Double) -> gentrain_status {
    writing("gentrain_clamp_", x) { try $0.clamp_(min: min, max: max) }
}

@c @implementation
public func gentrain_fill_(_ x: OpaquePointer?, _ value: Double) -> gentrain_status {
    writing("gentrain_fill_", x) { try $0.fill_(value) }
}

@c @implementation
public func gentrain_zero_(_ x: OpaquePointer?) -> gentrain_status {
    writing("gentrain_zero_", x) { try $0.zero_() }
}

@c @implementation
public func gentrain_masked_fill_(_ x: OpaquePointer?, _ mask: OpaquePointer?, _ value: Double) -> gentrain_status {
    writing("gentrain_masked_fill_", x) { try $0.maskedFill_(tensorArg(mask, "mask"), value) }
}

@c @implementation
public func gentrain_masked_assign_(_ x: OpaquePointer?, _ mask: OpaquePointer?, _ source: OpaquePointer?) -> gentrain_status {
    writing("gentrain_masked_assign_", x) { try $0.maskedAssign_(tensorArg(mask, "mask"), tensorArg(source, "source")) }
}

@c @implementation
public func gentrain_tensor_assign_(_ base: OpaquePointer?, _ view: OpaquePointer?, _ source: OpaquePointer?) -> gentrain_status {
    writing("gentrain_tensor_assign_", base) { try $0.assign_(view: tensorArg(view, "view"), tensorArg(source, "source")) }
}

@c @implementation
public func gentrain_tensor_version(_ out: UnsafeMutablePointer<Int64>?, _ x: OpaquePointer?) -> gentrain_status {
    guarded("gentrain_tensor_version") { try write(out) { Int64(try tensorArg(x, "x").version) } }
}
