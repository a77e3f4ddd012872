import CGentrainKernels
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Layout and dtype conversion, copying out, and the few in-place updates.
extension Tensor {
    /// A contiguous copy, recorded by autograd as an identity.
    public func clone() throws -> Tensor {
        let out = try contiguousCopy()
        return try record(out, "CloneBackward", self, saves: false) { _, g in Grads(g) }
    }

    /// This tensor if already contiguous, else a contiguous copy (autograd: identity).
    public func contiguous() throws -> Tensor {
        isContiguous ? self : try clone()
    }

    /// A contiguous copy with no autograd record.
    func contiguousCopy() throws -> Tensor {
        let out = try Tensor(empty: shape, dtype: dtype)
        if isContiguous {
            out.storage.data.copyMemory(from: storage.data + offset * dtype.itemSize, byteCount: numel * dtype.itemSize)
        } else {
            copyStrided(from: self, sourceStrides: strides, into: out)
        }
        return out
    }

    /// This tensor converted to `dtype` (PyTorch's `.to(dtype)`); differentiable between
    /// floating-point dtypes.
    public func to(_ dtype: DType) throws -> Tensor {
        if dtype == self.dtype { return self }
        let src = isContiguous ? self : try contiguousCopy()
        let out = try Tensor(empty: shape, dtype: dtype)
        convertElements(src.storage.data + src.offset * src.dtype.itemSize, src.dtype, out.storage.data, dtype, numel)
        guard dtype.isFloatingPoint && self.dtype.isFloatingPoint else { return out }
        let from = self.dtype
        return try record(out, "ToCopyBackward", self, saves: false) { _, g in Grads(try g.to(from)) }
    }

    /// Converts this leaf to `dtype` in place: the same tensor over new, contiguous storage (what
    /// PyTorch's `Module.to` does with `param.data = param.data.to(dtype)`), so every holder of the
    /// tensor sees the new dtype. Its `.grad` converts too; views made before keep the old
    /// elements. Floating-point dtypes only; a tensor an op produced is an error.
    public func convertInPlace(_ dtype: DType) throws {
        guard dtype.isFloatingPoint && self.dtype.isFloatingPoint else {
            throw GentrainError(.dtype, "to: only floating-point tensors change dtype in place, got \(self.dtype) to \(dtype)")
        }
        guard isLeaf else { throw GentrainError(.invalidArgument, "to: only a leaf tensor changes dtype in place (this one was produced by \(gradFn!.name))") }
        guard dtype != self.dtype else { return }
        try use.exclusive("a tensor changing dtype") {
            let (converted, grad) = try withNoGrad { (try to(dtype), try self.grad.map { try $0.to(dtype) }) }
            (storage, strides, offset, isContiguous) = (converted.storage, converted.strides, 0, true)
            self.dtype = dtype
            self.grad = grad
        }
    }

    /// Copies the elements, row-major, into `buffer` as `dtype` (default: this tensor's).
    public func copyOut(to buffer: UnsafeMutableRawPointer, byteCount: Int, dtype target: DType? = nil) throws {
        let target = target ?? dtype
        guard byteCount >= numel * target.itemSize else {
            throw GentrainError.argument("copy_to: buffer of \(byteCount) bytes is too small for \(numel) elements of \(target) (\(numel * target.itemSize) bytes)")
        }
        let src = isContiguous ? self : try contiguousCopy()
        convertElements(src.storage.data + src.offset * src.dtype.itemSize, src.dtype, buffer, target, numel)
    }

    /// The elements as Swift values of type T, converted.
    public func toArray<T: Element>(_: T.Type = T.self) throws -> [T] {
        var out = [T](repeating: T(fromDouble: 0), count: numel)
        try out.withUnsafeMutableBytes { try copyOut(to: $0.baseAddress!, byteCount: $0.count, dtype: T.dtype) }
        return out
    }

    /// The value of a one-element tensor (PyTorch's `.item()`).
    public func item() throws -> Double {
        guard numel == 1 else {
            throw GentrainError.shape("item: a tensor with \(numel) elements cannot be converted to a scalar")
        }
        return try toArray(Double.self)[0]
    }

    /// Checks that this tensor may be written in place without recording (no history; a leaf
    /// that requires grad only under no_grad), and bumps its storage's version: call it once the
    /// write's other checks have passed.
    func beginInPlace(_ op: String) throws {
        if GradMode.isEnabled && (gradFn != nil || leafRequiresGrad) {
            throw GentrainError.autograd("\(op): a leaf that requires grad, or a tensor with history, cannot be updated in place outside no_grad")
        }
        bumpVersion()
    }

    /// Refuses an in-place write to a view with a zero stride in a dimension of more than one
    /// element (an expanded tensor): several of its elements are one memory location.
    func checkOneAddressPerElement(_ op: String) throws {
        for (n, st) in zip(shape, strides) where n > 1 && st == 0 {
            throw GentrainError.argument("\(op): more than one element of the written-to tensor refers to a single memory location")
        }
    }

    /// Marks an in-place write to this tensor's elements (PyTorch's version counter).
    package func bumpVersion() { storage.version &+= 1 }

    /// The version of this tensor's storage: how many in-place writes it has seen (PyTorch's `_version`).
    public var version: Int { storage.version }

    /// Clears the gradient: to nil (PyTorch's default for `zero_grad`) or to zeros.
    public func zeroGrad(setToNone: Bool = true) throws {
        try use.exclusive("a tensor's .grad") {
            if setToNone { grad = nil } else { try grad?.zero_() }
        }
    }

    /// Sets every element to zero, in place (`zero_()`).
    public func zero_() throws {
        if GradMode.isEnabled && requiresGrad { try fill_(0); return }   // recorded (see InPlace.swift)
        try beginInPlace("zero_")
        if isContiguous { memset(storage.data + offset * dtype.itemSize, 0, numel * dtype.itemSize); return }
        try copy_(Tensor.zeros(shape, dtype: dtype))
    }

    /// Copies `src` (broadcast to this shape, converted to this dtype) into this tensor, in place.
    /// Recorded when grad mode is on and either tensor requires grad (see InPlace.swift).
    public func copy_(_ src: Tensor) throws {
        let b = try broadcastShapes(shape, src.shape, "copy_")
        guard b == shape else { throw GentrainError.shape("copy_: cannot broadcast \(shapeString(src.shape)) to \(shapeString(shape))") }
        if GradMode.isEnabled && (requiresGrad || src.requiresGrad) {
            try applyInPlace("copy_", [src]) { _, o in try o[0].to(dtype).expand(shape) }
            return
        }
        try beginInPlace("copy_")
        let converted = try withNoGrad { try src.to(dtype) }
        copyStrided(from: converted, sourceStrides: broadcastStrides(converted, to: shape), into: self)
    }

    /// `self += alpha * other`, in place, for tensors of one shape (gradient accumulation,
    /// optimizer updates, a slice's gradient added into its region of another's); this tensor may
    /// be a view of any strides with no two elements at one address.
    public func addInPlace(_ other: Tensor, alpha: Double = 1) throws {
        guard other.shape == shape else {
            throw GentrainError.shape("add_: shapes \(shapeString(shape)) and \(shapeString(other.shape)) differ")
        }
        try checkOneAddressPerElement("add_")
        try beginInPlace("add_")
        let o = try (other.dtype == dtype ? other : withNoGrad { try other.to(dtype) })
        switch dtype {
        case .float32 where isContiguous: axpy(Float(alpha), try o.contiguous().pointer(Float.self), pointer(Float.self), numel)
        case .float64 where isContiguous: axpy(alpha, try o.contiguous().pointer(Double.self), pointer(Double.self), numel)
        case .float32 where alpha == 1: addStrided(into: self, o, Float.self)
        case .float64 where alpha == 1: addStrided(into: self, o, Double.self)
        default:
            let sum = try withNoGrad { try (self.to(.float32) + o.to(.float32) * alpha).to(dtype) }
            try copy_(sum)
        }
    }

    /// `self *= invScale` in place, in one pass that also reports whether any element was NaN or
    /// infinite before (PyTorch's `_amp_foreach_non_finite_check_and_unscale_`, for GradScaler).
    public func unscaleInPlace(_ invScale: Float) throws -> Bool {
        try beginInPlace("unscale_")
        guard isContiguous, dtype == .float32 || dtype == .float64 else {
            let found = try withNoGrad { try isfinite().to(.float32).amin().item() == 0 }
            if invScale != 1 { try copy_(withNoGrad { try self.to(.float32) * Double(invScale) }) }
            return found
        }
        if dtype == .float32 {
            let p = pointer(Float.self), found = Atomic<Bool>(false)
            parallelFor(numel, grain: elementwiseGrain) { r in
                if gt_unscale_f32(p + r.lowerBound, r.count, invScale, CPU.cLevel) != 0 { found.store(true, ordering: .relaxed) }
            }
            return found.load(ordering: .relaxed)
        }
        // float64: branch-free, so it vectorizes: v · 0 is NaN exactly when v is infinite or NaN,
        // and the sum of those is finite only when every element is (v · 1 is v, as PyTorch's skip of 1 gives).
        let p = pointer(Double.self), inv = Double(invScale)
        var probe = 0.0
        for i in 0..<numel {
            let v = p[i]
            probe += v * 0
            p[i] = v * inv
        }
        return !probe.isFinite
    }

    /// `self *= factor`, in place.
    public func mulInPlace(_ factor: Double) throws {
        try beginInPlace("mul_")
        guard isContiguous else { try copy_(withNoGrad { try self * factor }); return }
        switch dtype {
        case .float32: let p = pointer(Float.self), f = Float(factor); for i in 0..<numel { p[i] *= f }
        case .float64: let p = pointer(Double.self); for i in 0..<numel { p[i] *= factor }
        default: try copy_(withNoGrad { try self * factor })
        }
    }
}

@inline(__always)
private func axpy<T: FloatElement>(_ a: T, _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ n: Int) {
    if a == 1 { for i in 0..<n { y[i] += x[i] } } else { for i in 0..<n { y[i] += a * x[i] } }
}
