/// An n-dimensional array: a view (shape, strides, offset, all in elements) over a shared
/// `Storage`, plus its autograd record.
///
/// Tensors are immutable in shape; ops return new tensors, views share storage. The few
/// in-place updates (optimizer steps, `.grad` accumulation, `zero_()`, a leaf's change of dtype
/// in `Module.to`) are named as such.
public final class Tensor {
    // The stored properties, word-sized ones first and the four one-byte ones together at the
    // end: 116 bytes with the object header, small enough for malloc's fast bins (each op
    // makes one tensor; freeing it there is a fraction of the cost of the general bins).
    package internal(set) var storage: Storage
    public let shape: [Int]
    public internal(set) var strides: [Int]
    /// Offset of the first element into `storage`, in elements.
    public internal(set) var offset: Int
    public let numel: Int

    /// The node that produced this tensor, nil for leaves.
    public internal(set) var gradFn: Node?
    /// Which output of `gradFn` this tensor is.
    var outputIndex = 0
    /// The last backward pass that handed this tensor on as a gradient (see `GradientSink`).
    var handedMark = 0
    /// The tensor a view op made this one from (the first non-view ancestor), PyTorch's `_base`:
    /// an in-place write to the view is recorded on it too (see `InPlace.swift`).
    var viewBase: Tensor?
    /// The accumulated gradient of a leaf, set by `backward`.
    public var grad: Tensor?
    /// A leaf's hooks: on its gradient before it reaches `.grad`, and after (see `Hooks.swift`).
    /// (Out of line and nil for almost every tensor: creating and freeing tensors costs nothing more.)
    var hooks: TensorHooks?
    /// Guards `grad` and in-place updates against two threads at once (see `UseGuard`).
    package let use = UseGuard()

    public internal(set) var dtype: DType
    /// Whether the elements lie densely in row-major order.
    public internal(set) var isContiguous: Bool
    /// A gradient that is zero by construction (see `KnownZero.swift`).
    var isKnownZero = false
    var leafRequiresGrad = false

    init(storage: Storage, shape: [Int], strides: [Int], offset: Int, dtype: DType) {
        self.storage = storage
        self.shape = shape
        self.strides = strides
        self.offset = offset
        self.dtype = dtype
        var n = 1
        for d in shape { n &*= d }
        numel = n
        isContiguous = isRowMajor(shape, strides)
    }

    /// A new contiguous tensor with uninitialized (or zeroed) memory; validates the shape.
    public convenience init(empty shape: [Int], dtype: DType = .float32, zeroed: Bool = false) throws {
        let n = try checkedNumel(shape)
        let (bytes, overflow) = n.multipliedReportingOverflow(by: dtype.itemSize)
        if overflow { throw GentrainError(.outOfMemory, "tensor of shape \(shapeString(shape)) is too large") }
        self.init(storage: try Storage(byteCount: bytes, zeroed: zeroed), shape: shape,
                  strides: contiguousStrides(shape), offset: 0, dtype: dtype)
    }

    /// A new contiguous tensor of `like`'s shape, sharing its shape and strides arrays when
    /// `like` is contiguous (no allocation for them on the hot path of elementwise ops).
    convenience init(emptyLike like: Tensor, dtype: DType) throws {
        guard like.isContiguous && like.offset == 0 else {
            try self.init(empty: like.shape, dtype: dtype)
            return
        }
        self.init(storage: try Storage(byteCount: like.numel * dtype.itemSize), shape: like.shape,
                  strides: like.strides, offset: 0, dtype: dtype)
    }

    public var ndim: Int { shape.count }

    /// Whether gradients flow to or through this tensor.
    public var requiresGrad: Bool { gradFn != nil || leafRequiresGrad }

    /// A tensor no op produced (including every tensor that does not require grad).
    public var isLeaf: Bool { gradFn == nil }

    /// Marks a leaf as a parameter whose gradient `backward` accumulates in `.grad`
    /// (PyTorch's `requires_grad_`). Only floating-point leaves can require gradients.
    public func setRequiresGrad(_ flag: Bool) throws {
        guard gradFn == nil else {
            throw GentrainError.autograd("requires_grad can only be changed on leaf tensors; use detach() on a result of an op")
        }
        if flag && !dtype.isFloatingPoint {
            throw GentrainError.dtype("only floating point tensors can require gradients, got \(dtype)")
        }
        leafRequiresGrad = flag
    }


    /// Typed pointer to the first element. The caller has checked `dtype`.
    @inline(__always)
    public func pointer<T>(_: T.Type) -> UnsafeMutablePointer<T> {
        storage.data.assumingMemoryBound(to: T.self) + offset
    }

    /// A view of the same storage with another shape and strides.
    func view(shape: [Int], strides: [Int], offset: Int) -> Tensor {
        let t = Tensor(storage: storage, shape: shape, strides: strides, offset: offset, dtype: dtype)
        t.viewBase = viewBase ?? self
        return t
    }

    /// This tensor without its autograd history, sharing storage.
    public func detach() -> Tensor {
        Tensor(storage: storage, shape: shape, strides: strides, offset: offset, dtype: dtype)
    }

    /// Normalizes a possibly negative dimension index.
    public func dim(_ d: Int, _ op: String) throws -> Int {
        try normalizeDim(d, ndim, op)
    }

    /// `d` for an op that reads the dimension's size: as `dim`, but a 0-d tensor (which has no
    /// sizes, though dims 0 and -1 name it) is an error.
    public func sizedDim(_ d: Int, _ op: String) throws -> Int {
        guard ndim > 0 else { throw GentrainError.index("\(op): expected a tensor with at least one dimension, got a 0-d tensor") }
        return try dim(d, op)
    }
}

/// Whether `strides` lay `shape` out densely in row-major order (size-1 dimensions aside).
@inline(__always)
func isRowMajor(_ shape: [Int], _ strides: [Int]) -> Bool {
    var expected = 1
    for i in stride(from: shape.count - 1, through: 0, by: -1) where shape[i] != 1 {
        if strides[i] != expected { return false }
        expected &*= shape[i]
    }
    return true
}

/// Row-major strides of a shape.
@inlinable
package func contiguousStrides(_ shape: [Int]) -> [Int] {
    var strides = filled(like: shape, with: 1)
    var s = 1
    for i in strides.indices.reversed() {
        strides[i] = s
        s &*= Swift.max(shape[i], 1)
    }
    return strides
}

/// `value` as many times as `like` has elements, written over a copy of `like`:
/// `Array(repeating:count:)` takes the standard library's unspecialized path, which looks the array
/// type's metadata up at every call (about 300 instructions; strides are made several times per op).
@inlinable
package func filled(like: [Int], with value: Int) -> [Int] {
    var out = like
    for i in out.indices { out[i] = value }
    return out
}

/// The element count of a shape, rejecting negative sizes and overflow. The product of the
/// sizes with zeros counted as 1 is bounded too (by 2^48), so that the strides and offsets of
/// an empty tensor such as [2, 0, 2^62] cannot overflow in the loops either.
package func checkedNumel(_ shape: [Int]) throws -> Int {
    var n = 1, extent = 1
    for d in shape {
        if d < 0 { throw GentrainError.shape("negative dimension in shape \(shapeString(shape))") }
        let (e, o) = extent.multipliedReportingOverflow(by: Swift.max(d, 1))
        if o || e > maxElements { throw GentrainError(.outOfMemory, "shape \(shapeString(shape)) has too many elements") }
        (n, extent) = (n * d, e)
    }
    return n
}

/// The most elements (and the largest extent of an empty shape) a tensor may have: 2^48.
package let maxElements = 1 << 48

/// `d` in `0..<ndim` (negative counts from the end), or an index error naming the op.
package func normalizeDim(_ d: Int, _ ndim: Int, _ op: String) throws -> Int {
    let n = Swift.max(ndim, 1)
    guard d >= -n && d < n else {
        throw GentrainError.index("\(op): dimension out of range (expected to be in range of [\(-n), \(n - 1)], but got \(d))")
    }
    return d < 0 ? d + n : d
}

/// The shape two shapes broadcast to, by PyTorch's rules.
public func broadcastShapes(_ a: [Int], _ b: [Int], _ op: String) throws -> [Int] {
    if a == b { return a }
    let n = Swift.max(a.count, b.count)
    var out = a.count == n ? a : b
    for i in 0..<n {
        let da = i < n - a.count ? 1 : a[i - (n - a.count)]
        let db = i < n - b.count ? 1 : b[i - (n - b.count)]
        if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else {
            throw GentrainError.shape("\(op): the size of tensor a (\(da)) must match the size of tensor b (\(db)) at non-singleton dimension \(i); shapes \(shapeString(a)) and \(shapeString(b))")
        }
    }
    return out
}

/// Strides that read `t` as if expanded to `shape` (stride 0 on broadcast dimensions).
func broadcastStrides(_ t: Tensor, to shape: [Int]) -> [Int] {
    if t.shape == shape { return t.strides }
    let lead = shape.count - t.ndim
    var s = filled(like: shape, with: 0)
    for i in 0..<t.ndim where t.shape[i] != 1 { s[lead + i] = t.strides[i] }
    return s
}

extension Tensor {
    /// The first element's address, untyped (collectives and other byte-level copies).
    package var rawPointer: UnsafeMutableRawPointer { storage.data + offset * dtype.itemSize }
}
