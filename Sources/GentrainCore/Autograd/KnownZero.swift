/// Known-zero gradients: a derivative that is zero by construction (relu's first-order gradient
/// with respect to relu's input) is returned as a broadcast view of one zero element, marked.
/// It is a real tensor of zeros — any op reading it is right — and the engine uses the mark to
/// skip work: a node whose every incoming gradient is a known zero passes known zeros on
/// without running its backward function, so a gradient penalty's double backward does not run
/// the critic's whole forward graph backward on zeros (JAX's symbolic zeros; PyTorch computes
/// them). Wherever such a gradient is kept (a leaf's `.grad`, `grad()`'s results), it becomes
/// an ordinary zero tensor.
extension Tensor {
    /// A marked zero gradient of `shape` and `dtype` (one element of storage).
    static func knownZero(_ shape: [Int], dtype: DType) throws -> Tensor {
        let t = Tensor(storage: try Storage(byteCount: dtype.itemSize, zeroed: true), shape: shape,
                       strides: filled(like: shape, with: 0), offset: 0, dtype: dtype)
        t.isKnownZero = true
        return t
    }

    /// `self + g` for gradients arriving at one place: a known zero adds nothing.
    func adding(gradient g: Tensor) throws -> Tensor {
        if g.isKnownZero { return self }
        if isKnownZero { return g }
        return try self + g
    }

    /// This gradient as one to keep: a known zero becomes a dense tensor of zeros.
    func materialized() throws -> Tensor {
        isKnownZero ? try Tensor.zeros(shape, dtype: dtype) : self
    }
}
