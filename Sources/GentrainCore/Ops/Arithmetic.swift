/// Differentiable arithmetic: add, sub, mul, div, neg, pow, maximum, minimum, where, and
/// comparisons (no gradient). Gradients are returned at the output's (broadcast) shape;
/// the autograd engine reduces them to each input's shape.
extension Tensor {
    public func add(_ other: Tensor, alpha: Double = 1) throws -> Tensor {
        if alpha != 1 { return try add(other.mul(alpha)) }
        let out = try binaryRaw(self, other, .add, "add")
        return try record(out, "AddBackward", self, other, saves: false) { _, g in Grads(g, g) }
    }

    public func sub(_ other: Tensor, alpha: Double = 1) throws -> Tensor {
        if alpha != 1 { return try sub(other.mul(alpha)) }
        let out = try binaryRaw(self, other, .sub, "sub")
        return try record(out, "SubBackward", self, other, saves: false) { node, g in
            Grads(g, node.needsInputGrad(1) ? try g.neg() : nil)
        }
    }

    public func mul(_ other: Tensor) throws -> Tensor {
        let out = try binaryRaw(self, other, .mul, "mul")
        let (a, b) = (self, other)
        return try record(out, "MulBackward", a, b) { node, g in
            Grads(node.needsInputGrad(0) ? try g.mul(b) : nil,
                  node.needsInputGrad(1) ? try g.mul(a) : nil)
        }
    }

    public func div(_ other: Tensor) throws -> Tensor {
        let out = try binaryRaw(self, other, .div, "div")
        let (a, b) = (self, other)
        return try record(out, "DivBackward", a, b) { node, g in
            Grads(node.needsInputGrad(0) ? try g.div(b) : nil,
                  node.needsInputGrad(1) ? try g.neg().mul(a).div(b.mul(b)) : nil)
        }
    }

    /// `self + weight · (end − self)`, PyTorch's lerp (as its kernel: from `end` back when
    /// weight ≥ 0.5, so that weight 1 gives `end` exactly); gradients 1 − weight and weight.
    public func lerp(_ end: Tensor, weight: Double) throws -> Tensor {
        let diff = try end.sub(self)
        return weight < 0.5 ? try add(diff.mul(weight)) : try end.sub(diff.mul(1 - weight))
    }

    /// atan2(self, other), the angle of the point (other, self) in (−π, π], broadcasting
    /// (torch.atan2; integers give float32); gradients `g·other / r²` and `−g·self / r²` with
    /// r² = self² + other².
    public func atan2(_ other: Tensor) throws -> Tensor {
        let out = try binaryRaw(self, other, .atan2, "atan2")
        let (a, b) = (self, other)
        return try record(out, "Atan2Backward", a, b) { node, g in
            let r2 = try a.square().add(b.square())
            return Grads(node.needsInputGrad(0) ? try g.mul(b).div(r2) : nil,
                         node.needsInputGrad(1) ? try g.mul(a).neg().div(r2) : nil)
        }
    }

    /// `self // other`, rounded down (torch.floor_divide). As PyTorch's, it has no derivative: a
    /// backward pass that reaches it is an error.
    public func floorDivide(_ other: Tensor) throws -> Tensor {
        let out = try binaryRaw(self, other, .floorDivide, "floor_divide")
        return try record(out, "FloorDivideBackward", self, other, saves: false) { _, _ in
            throw GentrainError(.autograd, "derivative for floor_divide is not implemented")
        }
    }

    /// `self % other` with the sign of `other` (torch.remainder): gradients g and −g·(self // other).
    public func remainder(_ other: Tensor) throws -> Tensor {
        let out = try binaryRaw(self, other, .remainder, "remainder")
        let (a, b) = (self, other)
        return try record(out, "RemainderBackward", a, b) { node, g in
            Grads(node.needsInputGrad(0) ? g : nil,
                  node.needsInputGrad(1) ? try g.neg().mul(withNoGrad { try a.floorDivide(b) }) : nil)
        }
    }

    /// `self ** exponent` elementwise. The exponent's gradient is `out · log(self)`, taken as
    /// 0 where `self == 0` and the exponent is non-negative, as PyTorch does.
    public func pow(_ exponent: Tensor) throws -> Tensor {
        let out = try binaryRaw(self, exponent, .pow, "pow")
        let (a, b) = (self, exponent)
        return try recordWithOutput(out, "PowBackward", a, b) { node, g, y in
            var ga: Tensor? = nil, gb: Tensor? = nil
            if node.needsInputGrad(0) { ga = try g.mul(b).mul(a.pow(b.sub(Tensor.scalar(1, dtype: b.dtype)))) }
            if node.needsInputGrad(1) {
                let safe = try a.eq(0).logicalAnd(b.ge(0))
                gb = try Tensor.where(safe, Tensor.scalar(0, dtype: y.dtype), g.mul(y).mul(a.log()))
            }
            return Grads(ga, gb)
        }
    }

    /// `self ** exponent` for a number exponent.
    public func pow(_ exponent: Double) throws -> Tensor {
        let out = try unaryRaw(self, .powScalar(exponent), "pow")
        let x = self
        return try record(out, "PowBackward", x) { _, g in
            if exponent == 0 { return Grads(try g.mul(0)) }
            if exponent == 1 { return Grads(g) }
            if exponent == 2 { return Grads(try g.mul(x).mul(2)) }
            return Grads(try g.mul(x.pow(exponent - 1)).mul(exponent))
        }
    }

    public func neg() throws -> Tensor {
        let out = try unaryRaw(self, .neg, "neg")
        return try record(out, "NegBackward", self, saves: false) { _, g in Grads(try g.neg()) }
    }

    /// Elementwise maximum; where the operands tie, each gets half the gradient.
    public func maximum(_ other: Tensor) throws -> Tensor {
        try extremum(other, .maximum, "MaximumBackward") { try $0.gt($1) }
    }

    /// Elementwise minimum; where the operands tie, each gets half the gradient.
    public func minimum(_ other: Tensor) throws -> Tensor {
        try extremum(other, .minimum, "MinimumBackward") { try $0.lt($1) }
    }

    private func extremum(_ other: Tensor, _ op: BinaryOp, _ name: String,
                          _ wins: @escaping (Tensor, Tensor) throws -> Tensor) throws -> Tensor {
        let out = try binaryRaw(self, other, op, name)
        let (a, b) = (self, other)
        return try record(out, name, [a, b]) { node, g in
            let dt = g.dtype
            let half = try a.eq(b).to(dt).mul(0.5)
            let wa = try wins(a, b).to(dt).add(half)
            let wb = try wins(b, a).to(dt).add(half)
            return Grads(node.needsInputGrad(0) ? try g.mul(wa) : nil, node.needsInputGrad(1) ? try g.mul(wb) : nil)
        }
    }

    /// `cond ? a : b`, elementwise with broadcasting (PyTorch's `torch.where`).
    public static func `where`(_ cond: Tensor, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        let out = try whereRaw(cond, a, b)
        return try record(out, "WhereBackward", a, b, saves: false) { node, g in
            let zero = try Tensor.scalar(0, dtype: g.dtype)
            return Grads(node.needsInputGrad(0) ? try Tensor.where(cond, g, zero) : nil,
                         node.needsInputGrad(1) ? try Tensor.where(cond, zero, g) : nil)
        }
    }

    // Comparisons give bool tensors and have no gradient.
    public func eq(_ other: Tensor) throws -> Tensor { try compareRaw(self, other, .eq, "eq") }
    public func ne(_ other: Tensor) throws -> Tensor { try compareRaw(self, other, .ne, "ne") }
    public func lt(_ other: Tensor) throws -> Tensor { try compareRaw(self, other, .lt, "lt") }
    public func le(_ other: Tensor) throws -> Tensor { try compareRaw(self, other, .le, "le") }
    public func gt(_ other: Tensor) throws -> Tensor { try compareRaw(self, other, .gt, "gt") }
    public func ge(_ other: Tensor) throws -> Tensor { try compareRaw(self, other, .ge, "ge") }
    public func eq(_ v: Double) throws -> Tensor { try eq(Tensor.scalar(v, dtype: dtype)) }
    public func ne(_ v: Double) throws -> Tensor { try ne(Tensor.scalar(v, dtype: dtype)) }
    public func lt(_ v: Double) throws -> Tensor { try lt(Tensor.scalar(v, dtype: dtype)) }
    public func le(_ v: Double) throws -> Tensor { try le(Tensor.scalar(v, dtype: dtype)) }
    public func gt(_ v: Double) throws -> Tensor { try gt(Tensor.scalar(v, dtype: dtype)) }
    public func ge(_ v: Double) throws -> Tensor { try ge(Tensor.scalar(v, dtype: dtype)) }

    // Number operands: a 0-dimensional tensor of this tensor's dtype, so they do not promote.
    public func add(_ v: Double) throws -> Tensor {
        let out = try unaryRaw(self, .addScalar(v), "add")
        return try record(out, "AddBackward", self, saves: false) { _, g in Grads(g) }
    }
    public func sub(_ v: Double) throws -> Tensor { try add(-v) }
    public func mul(_ v: Double) throws -> Tensor {
        let out = try unaryRaw(self, .mulScalar(v), "mul")
        return try record(out, "MulBackward", self, saves: false) { _, g in Grads(try g.mul(v)) }
    }
    /// True division by a number (not a multiplication by its reciprocal, which rounds differently).
    public func div(_ v: Double) throws -> Tensor { try div(Tensor.scalar(v, dtype: dtype.isFloatingPoint ? dtype : .float32)) }
}

/// Records an op whose backward uses its own output; the closure gets the output rebuilt by
/// `Node.output`, so the node does not keep its output alive.
@inline(__always)
@discardableResult
func recordWithOutput(_ out: Tensor, _ name: String, _ x: Tensor,
                      _ backward: @escaping (Node, Tensor, Tensor) throws -> Grads) throws -> Tensor {
    guard x.requiresGrad && GradMode.isEnabled else { return out }
    let saved = out.detach()
    try record(out, name, x) { node, g in try backward(node, g, node.output(saved)) }
    out.gradFn?.save(out, index: -1)
    return out
}

/// `recordWithOutput` for a two-input op.
@inline(__always)
@discardableResult
func recordWithOutput(_ out: Tensor, _ name: String, _ a: Tensor, _ b: Tensor,
                      _ backward: @escaping (Node, Tensor, Tensor) throws -> Grads) throws -> Tensor {
    guard (a.requiresGrad || b.requiresGrad) && GradMode.isEnabled else { return out }
    let saved = out.detach()
    try record(out, name, a, b) { node, g in try backward(node, g, node.output(saved)) }
    out.gradFn?.save(out, index: -1)
    return out
}

// Operators, PyTorch style: `try a * b + c`.
extension Tensor {
    public static func + (a: Tensor, b: Tensor) throws -> Tensor { try a.add(b) }
    public static func - (a: Tensor, b: Tensor) throws -> Tensor { try a.sub(b) }
    public static func * (a: Tensor, b: Tensor) throws -> Tensor { try a.mul(b) }
    public static func / (a: Tensor, b: Tensor) throws -> Tensor { try a.div(b) }
    public static prefix func - (a: Tensor) throws -> Tensor { try a.neg() }
    public static func + (a: Tensor, b: Double) throws -> Tensor { try a.add(b) }
    public static func - (a: Tensor, b: Double) throws -> Tensor { try a.sub(b) }
    public static func * (a: Tensor, b: Double) throws -> Tensor { try a.mul(b) }
    public static func / (a: Tensor, b: Double) throws -> Tensor { try a.div(b) }
    public static func + (a: Double, b: Tensor) throws -> Tensor { try b.add(a) }
    public static func - (a: Double, b: Tensor) throws -> Tensor { try b.neg().add(a) }
    public static func * (a: Double, b: Tensor) throws -> Tensor { try b.mul(a) }
    public static func / (a: Double, b: Tensor) throws -> Tensor { try Tensor.scalar(a, dtype: b.dtype).div(b) }
}
