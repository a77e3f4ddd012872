/// Creating tensors: constants, ranges, random values and host data.
extension Tensor {
    /// A tensor of `shape` filled with `value`.
    public static func full(_ shape: [Int], _ value: Double, dtype: DType = .float32) throws -> Tensor {
        let t = try Tensor(empty: shape, dtype: dtype, zeroed: value == 0)
        if value != 0 { t.fill(value) }
        return t
    }

    public static func zeros(_ shape: [Int], dtype: DType = .float32) throws -> Tensor {
        try Tensor(empty: shape, dtype: dtype, zeroed: true)
    }

    public static func ones(_ shape: [Int], dtype: DType = .float32) throws -> Tensor {
        try full(shape, 1, dtype: dtype)
    }

    /// A 0-dimensional tensor holding `value`.
    public static func scalar(_ value: Double, dtype: DType = .float32) throws -> Tensor {
        try full([], value, dtype: dtype)
    }

    public func zerosLike() throws -> Tensor { try Tensor.zeros(shape, dtype: dtype) }
    public func onesLike() throws -> Tensor { try Tensor.ones(shape, dtype: dtype) }

    /// `[start, start + step, …]` below `end` (PyTorch's `arange`).
    public static func arange(_ start: Double, _ end: Double, step: Double = 1, dtype: DType = .int64) throws -> Tensor {
        guard step != 0, start.isFinite, end.isFinite, step.isFinite else {
            throw GentrainError.argument("arange: step must be nonzero and the bounds finite")
        }
        guard (step > 0 && end >= start) || (step < 0 && end <= start) else {
            throw GentrainError.argument("arange: upper bound and larger bound inconsistent with step sign")
        }
        let count = ((end - start) / step).rounded(.up)
        guard count <= Double(1 << 48) else { throw GentrainError(.outOfMemory, "arange: \(count) elements is too large") }
        let n = Int(count)
        let t = try Tensor(empty: [n], dtype: dtype)
        t.setElements(count: n) { start + Double($0) * step }
        return t
    }

    /// The `n × m` identity matrix (`m` defaults to `n`).
    public static func eye(_ n: Int, _ m: Int? = nil, dtype: DType = .float32) throws -> Tensor {
        let cols = m ?? n
        let t = try zeros([n, cols], dtype: dtype)
        let one = try scalar(1, dtype: dtype)
        for i in 0..<Swift.min(n, cols) {
            t.storage.data.advanced(by: (i * cols + i) * dtype.itemSize)
                .copyMemory(from: one.storage.data, byteCount: dtype.itemSize)
        }
        return t
    }

    /// Uniform samples in [0, 1).
    public static func rand(_ shape: [Int], dtype: DType = .float32, generator: Generator? = nil) throws -> Tensor {
        try floatTensor(shape, dtype, "rand")
        let t = try Tensor(empty: shape, dtype: dtype)
        withGenerator(generator) { g in
            if dtype == .float64 { t.setElements(count: t.numel) { _ in g.nextDouble() } }
            else { t.setElements(count: t.numel) { _ in Double(g.nextFloat()) } }
        }
        return t
    }

    /// Standard normal samples.
    public static func randn(_ shape: [Int], dtype: DType = .float32, generator: Generator? = nil) throws -> Tensor {
        try floatTensor(shape, dtype, "randn")
        let d = try Tensor(empty: shape, dtype: .float64)
        withGenerator(generator) { g in g.fillNormal(d.pointer(Double.self), d.numel) }
        return try d.to(dtype)
    }

    /// A random permutation of `0..<n` (PyTorch's `torch.randperm`), int64 by default.
    public static func randperm(_ n: Int, dtype: DType = .int64, generator: Generator? = nil) throws -> Tensor {
        guard n >= 0 else { throw GentrainError.argument("randperm: n must be non-negative, got \(n)") }
        let exact: Int? = [.int64: Int.max, .int32: Int(Int32.max), .float64: 1 << 53, .float32: 1 << 24,
                           .bfloat16: 256, .float16: 2048][dtype]
        guard let exact, n - 1 <= exact else {
            throw GentrainError.dtype("randperm: \(dtype) cannot hold the indices up to \(n - 1)")
        }
        let t = try Tensor(empty: [n], dtype: .int64)
        let p = UnsafeMutableBufferPointer(start: t.pointer(Int64.self), count: n)
        for i in 0..<n { p[i] = Int64(i) }
        withGenerator(generator) { shuffle(p, $0) }
        return dtype == .int64 ? t : try t.to(dtype)
    }

    /// Uniform integers in `low..<high`.
    public static func randint(_ low: Int, _ high: Int, _ shape: [Int], dtype: DType = .int64,
                               generator: Generator? = nil) throws -> Tensor {
        guard high > low else { throw GentrainError.argument("randint: expected low < high, got \(low) >= \(high)") }
        let t = try Tensor(empty: shape, dtype: dtype)
        let span = UInt64(bitPattern: Int64(high &- low))
        withGenerator(generator) { g in
            t.setElements(count: t.numel) { _ in Double(low &+ Int(truncatingIfNeeded: g.nextInt(below: span))) }
        }
        return t
    }

    /// A tensor with a copy of `count` elements of `dtype` read from `data`.
    public static func copying(_ data: UnsafeRawPointer, shape: [Int], dtype: DType) throws -> Tensor {
        let t = try Tensor(empty: shape, dtype: dtype)
        t.storage.data.copyMemory(from: data, byteCount: t.numel * dtype.itemSize)
        return t
    }

    /// A tensor over host memory, without a copy: element `i` of the view is at
    /// `data + (Σ i[d]·strides[d]) · itemSize` (`strides` in elements, row-major when nil).
    /// `onRelease` runs when no tensor uses the memory. Refuses negative sizes or strides and views
    /// whose span does not fit the address space; the caller vouches that the span is memory.
    public static func borrowing(_ data: UnsafeMutableRawPointer, shape: [Int], strides: [Int]? = nil, dtype: DType,
                                 onRelease: (() -> Void)?) throws -> Tensor {
        let n = try checkedNumel(shape)
        guard strides.map({ $0.count == shape.count }) ?? true else {
            throw GentrainError.shape("\(strides!.count) strides for a shape of \(shape.count) dimensions")
        }
        // A dimension of size 1 (or an empty tensor) never steps: its stride is set to the row-major
        // one, so no later arithmetic meets a host's arbitrary value there (DLPack allows any).
        let rowMajor = contiguousStrides(shape)
        let strides = strides.map { given in (0..<shape.count).map { n > 0 && shape[$0] > 1 ? given[$0] : rowMajor[$0] } } ?? rowMajor
        // The last element's index: Σ (size - 1) · stride over the dims, checked for overflow.
        var last = 0
        for (size, stride) in zip(shape, strides) where n > 0 {
            guard stride >= 0 else { throw GentrainError.shape("negative strides are not supported (strides \(shapeString(strides)))") }
            let (step, o1) = (size - 1).multipliedReportingOverflow(by: stride)
            let (sum, o2) = last.addingReportingOverflow(step)
            guard !o1, !o2, sum <= Int.max / 16 else {
                throw GentrainError.shape("strides \(shapeString(strides)) of shape \(shapeString(shape)) span more than the address space")
            }
            last = sum
        }
        let bytes = n == 0 ? 0 : (last + 1) * dtype.itemSize
        return Tensor(storage: Storage(borrowing: data, byteCount: bytes, onRelease: onRelease),
                      shape: shape, strides: strides, offset: 0, dtype: dtype)
    }

    /// A tensor from Swift values, converted to `dtype`.
    public convenience init<T: Element>(_ values: [T], shape: [Int]? = nil, dtype: DType? = nil) throws {
        let shape = shape ?? [values.count]
        guard try checkedNumel(shape) == values.count else {
            throw GentrainError.shape("\(values.count) values do not fill shape \(shapeString(shape))")
        }
        let dtype = dtype ?? T.dtype
        try self.init(empty: shape, dtype: dtype)
        values.withUnsafeBytes { raw in
            convertElements(raw.baseAddress!, T.dtype, storage.data, dtype, values.count)
        }
    }

    private static func floatTensor(_ shape: [Int], _ dtype: DType, _ op: String) throws {
        guard dtype.isFloatingPoint else { throw GentrainError.dtype("\(op): expected a floating point dtype, got \(dtype)") }
    }

    /// Writes `f(i)` to element i of this contiguous tensor, converted to its dtype.
    func setElements(count: Int, _ f: (Int) -> Double) {
        switch dtype {
        case .float32: let p = pointer(Float.self); for i in 0..<count { p[i] = Float(f(i)) }
        case .float64: let p = pointer(Double.self); for i in 0..<count { p[i] = f(i) }
        case .int64: let p = pointer(Int64.self); for i in 0..<count { p[i] = Int64(fromDouble: f(i)) }
        default:
            withElementType(dtype) { T in setElementsGeneric(T, count, f) }
        }
    }

    private func setElementsGeneric<T: Element>(_: T.Type, _ count: Int, _ f: (Int) -> Double) {
        let p = pointer(T.self)
        for i in 0..<count { p[i] = T(fromDouble: f(i)) }
    }

    /// Sets every element of this contiguous tensor to `value` (in place).
    func fill(_ value: Double) {
        switch dtype {
        case .float32: pointer(Float.self).update(repeating: Float(value), count: numel)
        case .float64: pointer(Double.self).update(repeating: value, count: numel)
        default: setElements(count: numel) { _ in value }
        }
    }
}
