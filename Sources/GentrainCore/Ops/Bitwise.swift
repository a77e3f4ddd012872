/// PyTorch's bitwise ops on integer and bool tensors (two's complement, as in the tensors' dtype):
/// `&`, `|`, `^`, `~`, `<<`, `>>`. Floating-point operands are refused; there is no gradient.
extension Tensor {
    /// a & b, broadcasting (torch.bitwise_and); logical and on bool tensors.
    public func bitwiseAnd(_ other: Tensor) throws -> Tensor { try bitwise(other, "bitwise_and") { $0 & $1 } }

    /// a | b, broadcasting (torch.bitwise_or).
    public func bitwiseOr(_ other: Tensor) throws -> Tensor { try bitwise(other, "bitwise_or") { $0 | $1 } }

    /// a ^ b, broadcasting (torch.bitwise_xor).
    public func bitwiseXor(_ other: Tensor) throws -> Tensor { try bitwise(other, "bitwise_xor") { $0 ^ $1 } }

    /// a << b, broadcasting (torch.bitwise_left_shift): 0 for a negative count or one of at least the
    /// dtype's width (computed in int64 and truncated to the dtype, which gives the same bits).
    public func bitwiseLeftShift(_ other: Tensor) throws -> Tensor {
        try bitwise(other, "bitwise_left_shift", shift: true) { a, b in b < 0 || b >= 64 ? 0 : a << b }
    }

    /// a >> b, arithmetic, broadcasting (torch.bitwise_right_shift): the sign (0 or -1) for a
    /// negative count or one of at least the dtype's width.
    public func bitwiseRightShift(_ other: Tensor) throws -> Tensor {
        try bitwise(other, "bitwise_right_shift", shift: true) { a, b in b < 0 || b >= 64 ? a >> 63 : a >> b }
    }

    /// ~x (torch.bitwise_not): every bit flipped on integers, logical not on bool tensors.
    public func bitwiseNot() throws -> Tensor {
        guard !dtype.isFloatingPoint else {
            throw GentrainError.dtype("bitwise_not: expected an integer or bool tensor, got \(dtype)")
        }
        if dtype == .bool { return try logicalNot() }
        return try bitwise(Tensor.scalar(-1, dtype: dtype), "bitwise_not") { a, _ in ~a }
    }

    private func bitwise(_ other: Tensor, _ name: String, shift: Bool = false,
                         _ f: @escaping (Int64, Int64) -> Int64) throws -> Tensor {
        let dtype = resultType(self, other)
        guard !dtype.isFloatingPoint else {
            throw GentrainError.dtype("\(name): expected integer or bool tensors, got \(self.dtype) and \(other.dtype)")
        }
        if shift && dtype == .bool {
            throw GentrainError.dtype("\(name): not implemented for two bool tensors")
        }
        return try integerBinary(self, other, dtype, name, f)
    }
}
