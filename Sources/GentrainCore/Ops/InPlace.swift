/// In-place ops, PyTorch's `add_`, `mul_`, `clamp_`, `fill_`, `masked_fill_`, … and assignment
/// into a view (`x[1:3] = v`), with PyTorch's autograd rules:
/// - a leaf that requires grad cannot be written in place while grad mode is on;
/// - a tensor with history (or one written from a tensor that requires grad) takes over the
///   op's record: its `gradFn` becomes the op's node, whose input is the tensor's old history;
/// - every write bumps the storage's version, and a backward function that saved the tensor
///   before the write refuses to run (`Node.checkSaved`), instead of computing with new values;
/// - a view (a result of a view op) written in place while recording records the write on its
///   base as well, as an assignment into the view's region (PyTorch's CopySlices); other views
///   of that base made before the write keep their history (PyTorch regenerates theirs).
///
/// Each op computes its result out of place from the old value and writes it back. While a
/// graph is recorded, the old value is a copy carrying the old history, so the new node's
/// backward reads the values it was computed from.
extension Tensor {
    /// Writes `compute(old)` over this tensor's elements (same shape; converted to this dtype) and,
    /// when recording, takes over its autograd record. `others`: the op's other tensor inputs.
    /// `viewed`: the write is itself the base's record of a view's write (`assign_`): not redirected.
    ///
    /// `compute` gets the old value and the operands; an operand that shares this tensor's
    /// elements (the tensor itself, a view of it) comes as a copy with its history, so that the
    /// op's node never holds the tensor it becomes the history of (a reference cycle), nor values
    /// the write is about to change.
    @discardableResult
    func applyInPlace(_ name: String, _ others: [Tensor], viewed: Bool = false,
                      _ compute: (_ old: Tensor, _ operands: [Tensor]) throws -> Tensor) throws -> Tensor {
        let recording = GradMode.isEnabled && (requiresGrad || others.contains { $0.requiresGrad })
        if recording && leafRequiresGrad {
            throw GentrainError.autograd("\(name): a leaf Variable that requires grad is being used in an in-place operation (wrap it in no_grad, or write to a copy)")
        }
        let old: Tensor
        if recording {
            old = try withNoGrad { try contiguousCopy() }
            (old.gradFn, old.outputIndex) = (gradFn, outputIndex)
        } else {
            old = self
        }
        // An operand computed from this tensor by an op that saved it: the write would make that
        // op's backward fail (its saved value changes, as PyTorch reports at backward), and this
        // tensor's new history would hold the op that holds this tensor (a reference cycle).
        if recording, others.contains(where: { $0.storage !== storage && ($0.gradFn?.reachesSaved(storage) ?? false) }) {
            throw GentrainError.autograd("\(name): an operand was computed from this tensor by an op that saved it for backward; write to a copy (x = x.\(name.dropLast())(y)), not in place")
        }
        let operands = try others.map { o -> Tensor in
            guard recording, o.storage === storage else { return o }
            if o === self { return old }
            let copy = try withNoGrad { try o.contiguousCopy() }
            (copy.gradFn, copy.outputIndex) = (o.gradFn, o.outputIndex)
            return copy
        }
        var result = try compute(old, operands)
        guard result.shape == shape else {
            throw GentrainError.shape("\(name): output with shape \(shapeString(shape)) doesn't match the broadcast shape \(shapeString(result.shape))")
        }
        if result.dtype != dtype {
            guard dtype.isFloatingPoint || !result.dtype.isFloatingPoint else {
                throw GentrainError.dtype("\(name): result type \(result.dtype) can't be cast to the desired output type \(dtype)")
            }
            result = try result.to(dtype)
        }
        if recording && !viewed, let base = viewBase {
            // A view: the write is recorded on its base as an assignment of the result to this
            // region (PyTorch's CopySlices), and the view's own history becomes the result's.
            try base.assign_(view: self, result)
        } else {
            copyStrided(from: result, sourceStrides: result.strides, into: self)
            bumpVersion()
        }
        if recording { (gradFn, outputIndex) = (result.gradFn, result.outputIndex) }
        return self
    }

    /// `self += alpha · other` (broadcast to this shape), PyTorch's `add_`.
    @discardableResult
    public func add_(_ other: Tensor, alpha: Double = 1) throws -> Tensor {
        try applyInPlace("add_", [other]) { old, o in try old.add(alpha == 1 ? o[0] : o[0].mul(alpha)) }
    }

    /// `self -= alpha · other`, PyTorch's `sub_`.
    @discardableResult
    public func sub_(_ other: Tensor, alpha: Double = 1) throws -> Tensor {
        try applyInPlace("sub_", [other]) { old, o in try old.sub(alpha == 1 ? o[0] : o[0].mul(alpha)) }
    }

    /// `self *= other`, PyTorch's `mul_`.
    @discardableResult
    public func mul_(_ other: Tensor) throws -> Tensor { try applyInPlace("mul_", [other]) { old, o in try old.mul(o[0]) } }

    /// `self /= other` (true division), PyTorch's `div_`.
    @discardableResult
    public func div_(_ other: Tensor) throws -> Tensor { try applyInPlace("div_", [other]) { old, o in try old.div(o[0]) } }

    /// Replaces the elements with `f` of them, PyTorch's unary in-place methods (`exp_`, `sigmoid_`, …),
    /// recorded as the other in-place ops; a result of another dtype (exp_ of integers) is an error,
    /// as PyTorch's.
    @discardableResult
    public func inPlace(_ name: String, _ f: (Tensor) throws -> Tensor) throws -> Tensor {
        try applyInPlace(name, []) { old, _ in
            let result = try f(old)
            guard result.dtype == old.dtype else {
                throw GentrainError.dtype("\(name): result type \(result.dtype) can't be cast to the desired output type \(old.dtype)")
            }
            return result
        }
    }

    /// Limits the elements to [min, max] in place, PyTorch's `clamp_`.
    @discardableResult
    public func clamp_(min lo: Double? = nil, max hi: Double? = nil) throws -> Tensor {
        try applyInPlace("clamp_", []) { old, _ in try old.clamp(min: lo, max: hi) }
    }

    /// Sets every element to `value`, PyTorch's `fill_` (the old history no longer matters).
    @discardableResult
    public func fill_(_ value: Double) throws -> Tensor {
        try applyInPlace("fill_", []) { _, _ in try Tensor.full(shape, value, dtype: dtype) }
    }

    /// Sets the elements where `mask` (bool, broadcast to this shape) is true to `value`,
    /// PyTorch's `masked_fill_` (and `x[mask] = value`).
    @discardableResult
    public func maskedFill_(_ mask: Tensor, _ value: Double) throws -> Tensor {
        guard mask.dtype == .bool else { throw GentrainError.dtype("masked_fill_: the mask must be bool, got \(mask.dtype)") }
        return try applyInPlace("masked_fill_", []) { old, _ in try Tensor.where(mask, Tensor.scalar(value, dtype: old.dtype), old) }
    }

    /// Sets the elements where `mask` is true from `source` (broadcast to this shape), the
    /// others unchanged: `x[mask] = source` for a source of x's shape or one that broadcasts to it.
    @discardableResult
    public func maskedAssign_(_ mask: Tensor, _ source: Tensor) throws -> Tensor {
        guard mask.dtype == .bool else { throw GentrainError.dtype("index_put_: the mask must be bool, got \(mask.dtype)") }
        return try applyInPlace("index_put_", [source]) { old, o in try Tensor.where(mask, o[0], old) }
    }

    /// Copies `source` into `view`, a view of this tensor's elements (`x[1:3] = v`), recorded as
    /// an op on this tensor: the old value's gradient is zero in the view's region, the source's
    /// is the gradient there (summed over broadcast dimensions), to any order. `source`
    /// broadcasts to the view's shape.
    public func assign_(view: Tensor, _ source: Tensor) throws {
        guard view.storage === storage else {
            throw GentrainError.argument("assign_: the view does not share this tensor's elements")
        }
        guard GradMode.isEnabled && (requiresGrad || source.requiresGrad) else {
            // Nothing to record on the base (a history the view has of its own does not matter
            // here: a view written through `applyInPlace` takes the result's).
            try withNoGrad { try view.copy_(source) }   // bumps the shared storage's version
            return
        }
        guard isContiguous else {
            throw GentrainError.autograd("assign_: assignment into a non-contiguous tensor that requires grad is not supported (assign into a contiguous copy)")
        }
        try view.checkOneAddressPerElement("assign_")
        let region = ViewRegion(base: shape, shape: view.shape, strides: view.strides, offset: view.offset - offset)
        let b = try broadcastShapes(view.shape, source.shape, "copy_")
        guard b == view.shape else { throw GentrainError.shape("copy_: cannot broadcast \(shapeString(source.shape)) to \(shapeString(view.shape))") }
        try applyInPlace("copy_", [source], viewed: true) { old, operands in
            let source = operands[0]
            // Selected, not multiplied by a 0/1 mask: an inf or NaN in the region must not survive.
            let outside = try withNoGrad {
                let m = try Tensor.ones(shape, dtype: .bool)
                try region.of(m).copy_(Tensor.zeros([], dtype: .bool))
                return m
            }
            return try Tensor.where(outside, old, region.scatter(source.to(old.dtype).expand(view.shape)))
        }
    }
}

/// A view's elements within a contiguous tensor of shape `base`: moving values between the
/// two shapes as differentiable ops (each one's backward is the other).
struct ViewRegion {
    let base: [Int], shape: [Int], strides: [Int], offset: Int

    /// The region of `t` (contiguous, of the base shape), as a view.
    func of(_ t: Tensor) -> Tensor { t.view(shape: shape, strides: strides, offset: t.offset + offset) }

    /// The region's elements of `t` (the base shape) → [shape].
    func gather(_ t: Tensor) throws -> Tensor {
        let tc = try t.contiguous()
        let out = try withNoGrad { try of(tc).contiguousCopy() }
        return try record(out, "RegionGatherBackward", tc, saves: false) { _, g in Grads(try scatter(g)) }
    }

    /// Zeros of the base shape with `v` ([shape]) in the region.
    func scatter(_ v: Tensor) throws -> Tensor {
        let out = try Tensor.zeros(base, dtype: v.dtype)
        try withNoGrad { try of(out).copy_(v) }
        return try record(out, "RegionScatterBackward", v, saves: false) { _, g in Grads(try gather(g)) }
    }
}
