/// PyTorch's logical ops: every operand read as bool (nonzero, NaN included, is true), a bool
/// result, no gradient.
extension Tensor {
    /// True where x is zero (torch.logical_not).
    public func logicalNot() throws -> Tensor { try withNoGrad { try eq(0) } }

    /// True where both are nonzero, broadcasting (torch.logical_and).
    public func logicalAnd(_ other: Tensor) throws -> Tensor { try withNoGrad { try ne(0).minimum(other.ne(0)) } }

    /// True where either is nonzero, broadcasting (torch.logical_or).
    public func logicalOr(_ other: Tensor) throws -> Tensor { try withNoGrad { try ne(0).maximum(other.ne(0)) } }

    /// True where exactly one is nonzero, broadcasting (torch.logical_xor).
    public func logicalXor(_ other: Tensor) throws -> Tensor { try withNoGrad { try ne(0).ne(other.ne(0)) } }

    /// Whether any element over `dims` (nil or empty: all) is nonzero; false over none (torch.any).
    public func any(dims: [Int]? = nil, keepdim: Bool = false) throws -> Tensor {
        try withNoGrad { try ne(0).sum(dims: dims, keepdim: keepdim).gt(0) }
    }

    /// Whether every element over `dims` (nil or empty: all) is nonzero; true over none (torch.all).
    public func all(dims: [Int]? = nil, keepdim: Bool = false) throws -> Tensor {
        try withNoGrad { try eq(0).sum(dims: dims, keepdim: keepdim).eq(0) }
    }

    /// The number of nonzero elements over `dims` (nil or empty: all), int64 (torch.count_nonzero).
    public func countNonzero(dims: [Int]? = nil) throws -> Tensor {
        try withNoGrad { try ne(0).sum(dims: dims) }
    }
}
