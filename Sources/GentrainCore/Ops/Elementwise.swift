/// The raw (unrecorded) elementwise forwards shared by the differentiable ops: dtype
/// checks, half-precision compute in float32, broadcasting, and the kernel dispatch.

/// Elements per thread below which an elementwise kernel is not split.
let elementwiseGrain = 1 << 16

/// Elements per thread below which a loop of transcendental functions is not split (a few
/// nanoseconds per element, against the pool's wake-up).
let transcendentalGrain = 1 << 14

extension UnaryOp {
    /// Elements per thread below which this op's kernel is not split: a sigmoid over a VAE's
    /// [128, 784] reconstruction runs on two threads, a relu over it on one.
    var grain: Int {
        switch self {
        case .exp, .log, .log2, .log10, .sin, .cos, .tanh, .sigmoid, .erf, .log1p, .expm1, .gelu, .silu, .geluTanh, .softplus, .powScalar:
            transcendentalGrain
        default:
            elementwiseGrain
        }
    }

    /// Whether integer and bool inputs compute in float32 (the default dtype), as PyTorch's
    /// floating-point functions (`torch.tensor([1, 4]).sqrt()` is float32).
    var promotesIntegers: Bool {
        switch self {
        case .exp, .log, .log2, .log10, .log1p, .expm1, .sqrt, .rsqrt, .sin, .cos, .tanh, .sigmoid, .erf, .reciprocal, .math:
            true
        default:
            false
        }
    }
}

/// `op` applied to every element of a floating-point tensor, or of an int32 / int64 one for the
/// ops integers have (`integerUnary`).
func unaryRaw(_ x: Tensor, _ op: UnaryOp, _ name: String) throws -> Tensor {
    if x.dtype == .int64 || x.dtype == .int32, let f = integerUnary(op) {
        let src = try withNoGrad { try x.to(.int64).contiguous() }
        let out = try Tensor(empty: x.shape, dtype: .int64)
        let (px, py) = (src.pointer(Int64.self), out.pointer(Int64.self))
        parallelFor(out.numel, grain: elementwiseGrain) { r in
            for i in r { py[i] = f(px[i]) }
        }
        return x.dtype == .int64 ? out : try withNoGrad { try out.to(x.dtype) }
    }
    guard x.dtype.isFloatingPoint else {
        guard op.promotesIntegers else {
            throw GentrainError.dtype("\(name): expected a floating point tensor, got \(x.dtype)")
        }
        return try unaryRaw(try withNoGrad { try x.to(.float32) }, op, name)
    }
    let ct = x.dtype.computeType
    if ct != x.dtype && x.isContiguous {
        return try halfBlocks(x.dtype, x, nil) { px, _, py, n in unaryKernel(op, px, py, n) }
    }
    var src = ct == x.dtype ? x : try withNoGrad { try x.to(ct) }
    if !src.isContiguous { src = try src.contiguousCopy() }
    let out = try Tensor(emptyLike: src, dtype: ct)
    func run<T: FloatElement>(_: T.Type) {
        let (px, py) = (src.pointer(T.self), out.pointer(T.self))
        parallelFor(out.numel, grain: op.grain) { r in unaryKernel(op, px + r.lowerBound, py + r.lowerBound, r.count) }
    }
    if ct == .float32 { run(Float.self) } else { run(Double.self) }
    return ct == x.dtype ? out : try withNoGrad { try out.to(x.dtype) }
}

/// An elementwise float32 kernel over contiguous bfloat16/float16 operands of one shape, without
/// float32 copies of them: each thread converts blocks of 2,048 elements into float32 scratch on
/// its stack, runs `kernel(a, b, out, n)` there, and stores the results in `dtype` (relu on a
/// [256, 1024] bfloat16 tensor: 0.23 ms through float32 tensors, 0.16 ms in blocks; float32 0.06 ms).
private func halfBlocks(_ dtype: DType, _ a: Tensor, _ b: Tensor?,
                        _ kernel: (UnsafePointer<Float>, UnsafePointer<Float>?, UnsafeMutablePointer<Float>, Int) -> Void) throws -> Tensor {
    let out = try Tensor(emptyLike: a, dtype: dtype)
    let size = dtype.itemSize, block = 2048
    let pa = a.storage.data + a.offset * size, pb = b.map { $0.storage.data + $0.offset * size }, po = out.storage.data
    parallelFor(a.numel, grain: elementwiseGrain) { r in
        // Separate input and output blocks: kernels vectorize only when their pointers do not alias.
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 3 * block) { scratch in
            let x = scratch.baseAddress!, y = x + block, z = y + block
            var i = r.lowerBound
            while i < r.upperBound {
                let n = Swift.min(block, r.upperBound - i)
                convertElements(pa + i * size, dtype, x, .float32, n)
                if let pb { convertElements(pb + i * size, dtype, y, .float32, n) }
                kernel(x, pb == nil ? nil : y, z, n)
                convertElements(z, .float32, po + i * size, dtype, n)
                i += n
            }
        }
    }
    return out
}

/// `op` over bfloat16/float16 operands of the result's dtype, broadcast and of any strides, without
/// float32 copies of them: each run of the output in blocks of 2,048 elements, each operand's
/// part of a block converted into float32 scratch on the thread's stack (a broadcast one's value
/// once), the kernel run there, the results stored in `dtype` — the bits of computing through
/// float32 copies. A bias added to a convolution's bfloat16 output under autocast went through
/// three passes over the activation (widened copy, sum, rounded copy).
private func halfRuns(_ dtype: DType, _ a: Tensor, _ b: Tensor, _ shape: [Int], _ op: BinaryOp) throws -> Tensor {
    let out = try Tensor(empty: shape, dtype: dtype)   // contiguous: its runs have stride 1
    let size = dtype.itemSize, block = 2048
    let pa = a.storage.data + a.offset * size, pb = b.storage.data + b.offset * size, po = out.storage.data
    /// Elements `start`, `start + stride`, ... (`n`) at `base` as float32 into `to`; returns the
    /// stride they are read with there (0 for a broadcast operand: one value).
    func widen(_ base: UnsafeMutableRawPointer, _ start: Int, _ stride: Int, _ n: Int, _ to: UnsafeMutablePointer<Float>) -> Int {
        if stride == 0 || stride == 1 {
            convertElements(base + start * size, dtype, to, .float32, stride == 0 ? 1 : n)
            return stride
        }
        let p = (base + start * size).assumingMemoryBound(to: UInt16.self)
        if dtype == .bfloat16 {
            for j in 0..<n { to[j] = Float(bitPattern: UInt32(p[j * stride]) << 16) }
        } else {
            for j in 0..<n { to[j] = Float(Float16(bitPattern: p[j * stride])) }
        }
        return 1
    }
    parallelForEachRun(shape, [broadcastStrides(a, to: shape), broadcastStrides(b, to: shape), out.strides],
                       grain: elementwiseGrain) { off, n, inner in
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 3 * block) { scratch in
            let x = scratch.baseAddress!, y = x + block, z = y + block
            var i = 0
            while i < n {
                let m = Swift.min(block, n - i)
                let sx = widen(pa, off[0] + i * inner[0], inner[0], m, x), sy = widen(pb, off[1] + i * inner[1], inner[1], m, y)
                binaryKernel(op, x, sx, y, sy, z, m)
                convertElements(z, .float32, po + (off[2] + i) * size, dtype, m)
                i += m
            }
        }
    }
    return out
}

/// An op on int64 elements, exact and wrapping around as PyTorch's (nil: integers do not have it).
private func integerUnary(_ op: UnaryOp) -> ((Int64) -> Int64)? {
    switch op {
    case .neg: { 0 &- $0 }
    case .abs: { $0 < 0 ? 0 &- $0 : $0 }
    case .sign: { $0.signum() }
    case .square: { $0 &* $0 }
    case .relu: { Swift.max($0, 0) }
    case .floor, .ceil, .round, .trunc: { $0 }
    case .clamp(let lo, let hi) where !lo.isNaN && !hi.isNaN:
        // Integral bounds (the op promotes integers to float32 for others, as PyTorch).
        { [l = lo.clampedToInt64, h = hi.clampedToInt64] in Swift.min(Swift.max($0, l), h) }
    default: nil
    }
}

/// The dtype of a binary op's result, by PyTorch's promotion (wrapped 0-d scalars count less).
func resultType(_ a: Tensor, _ b: Tensor) -> DType {
    DType.promote(a.dtype, b.dtype, aIsScalar: a.ndim == 0, bIsScalar: b.ndim == 0)
}

/// `op` over two broadcast operands. Integer results of add, sub, mul, maximum, minimum,
/// floor_divide, remainder and fmod are computed in int64, exactly and wrapping around past the dtype's
/// range as PyTorch's (an integer divided by zero is an error); `div` is true division and gives
/// float32 (the default dtype), as atan2's and xlogy's; hypot and logaddexp refuse integers; other
/// integer ops compute in float64.
func binaryRaw(_ a: Tensor, _ b: Tensor, _ op: BinaryOp, _ name: String) throws -> Tensor {
    var dtype = resultType(a, b)
    if !dtype.isFloatingPoint && [.div, .atan2, .xlogy].contains(op) { dtype = .float32 }
    if !dtype.isFloatingPoint && [.hypot, .logaddexp].contains(op) {
        throw GentrainError.dtype("\(name): expected floating point tensors, got \(a.dtype) and \(b.dtype)")
    }
    if dtype == .bool && op == .sub {
        throw GentrainError.dtype("\(name): subtraction, the `-` operator, with two bool tensors is not supported; use the `^` or logical_xor() operator instead")
    }
    // Bool + bool is logical or, bool * bool logical and (bool results, as PyTorch's).
    if dtype == .bool && ![.add, .mul, .maximum, .minimum].contains(op) { dtype = .int64 }
    if !dtype.isFloatingPoint, let wrapping = integerOp(op) {
        if [.floorDivide, .remainder, .fmod].contains(op), try withNoGrad({ try b.all() }).item() == 0 {
            throw GentrainError.argument("\(name): ZeroDivisionError (an integer divided by zero)")
        }
        return try integerBinary(a, b, dtype, name, wrapping)
    }
    let ct: DType = dtype.isFloatingPoint ? dtype.computeType : .float64
    if ct != dtype && dtype.isFloatingPoint && a.dtype == dtype && b.dtype == dtype {
        if a.shape == b.shape && a.isContiguous && b.isContiguous {
            return try halfBlocks(dtype, a, b) { pa, pb, po, n in binaryKernel(op, pa, 1, pb!, 1, po, n) }
        }
        return try halfRuns(dtype, a, b, try broadcastShapes(a.shape, b.shape, name), op)
    }
    guard a.dtype == ct && b.dtype == ct else {
        // Both operands in the compute type, then the result in the result's dtype.
        let out = try withNoGrad { try binaryRaw(try a.to(ct), try b.to(ct), op, name) }
        return ct == dtype ? out : try withNoGrad { try out.to(dtype) }
    }
    let out = a.shape == b.shape ? try Tensor(emptyLike: a, dtype: ct)
        : try Tensor(empty: try broadcastShapes(a.shape, b.shape, name), dtype: ct)
    if ct == .float32 {
        binaryLoop(op, a, b, out, Float.self)
    } else {
        binaryLoop(op, a, b, out, Double.self)
    }
    return out
}

/// `f` over two broadcast integer or bool operands, computed in int64 and stored in `dtype`
/// (truncating, as two's complement arithmetic in that dtype would).
func integerBinary(_ a: Tensor, _ b: Tensor, _ dtype: DType, _ name: String,
                   _ f: @escaping (Int64, Int64) -> Int64) throws -> Tensor {
    let (x, y) = try withNoGrad { (try a.to(.int64), try b.to(.int64)) }
    let out = try Tensor(empty: try broadcastShapes(a.shape, b.shape, name), dtype: .int64)
    let px = x.pointer(Int64.self), py = y.pointer(Int64.self), po = out.pointer(Int64.self)
    parallelForEachRun(out.shape, [broadcastStrides(x, to: out.shape), broadcastStrides(y, to: out.shape), out.strides],
                       grain: elementwiseGrain) { off, n, inner in
        let (p, sp, q, sq, z) = (px + off[0], inner[0], py + off[1], inner[1], po + off[2])
        for i in 0..<n { z[i] = f(p[i * sp], q[i * sq]) }
    }
    return dtype == .int64 ? out : try withNoGrad { try out.to(dtype) }
}

/// The int64 arithmetic of `op`, wrapping around (nil: an op integers compute in float64).
private func integerOp(_ op: BinaryOp) -> ((Int64, Int64) -> Int64)? {
    switch op {
    case .add: { $0 &+ $1 }
    case .sub: { $0 &- $1 }
    case .mul: { $0 &* $1 }
    case .maximum: { Swift.max($0, $1) }
    case .minimum: { Swift.min($0, $1) }
    case .floorDivide: { a, b in   // b != 0 (checked); Int64.min // -1 wraps around, as PyTorch
        if b == -1 { return 0 &- a }
        let q = a / b
        return (a % b != 0) && ((a < 0) != (b < 0)) ? q - 1 : q
    }
    case .fmod: { a, b in b == -1 ? 0 : a % b }   // b != 0 (checked); Int64.min % -1 would trap
    case .remainder: { a, b in
        if b == -1 { return 0 }
        let r = a % b
        return r != 0 && (r < 0) != (b < 0) ? r + b : r
    }
    default: nil
    }
}

private func binaryLoop<T: FloatElement>(_ op: BinaryOp, _ a: Tensor, _ b: Tensor, _ out: Tensor, _: T.Type) {
    let pa = a.pointer(T.self), pb = b.pointer(T.self), po = out.pointer(T.self)
    if a.shape == b.shape && a.isContiguous && b.isContiguous {
        parallelFor(out.numel, grain: elementwiseGrain) { r in
            binaryKernel(op, pa + r.lowerBound, 1, pb + r.lowerBound, 1, po + r.lowerBound, r.count)
        }
        return
    }
    parallelForEachRun(out.shape, [broadcastStrides(a, to: out.shape), broadcastStrides(b, to: out.shape), out.strides],
                       grain: elementwiseGrain) { off, n, inner in
        binaryKernel(op, pa + off[0], inner[0], pb + off[1], inner[1], po + off[2], n)
    }
}

/// `dst += src` for `dst` of any strides (no two elements at one address) and `src` of its shape,
/// both of element type `T`.
func addStrided<T: FloatElement>(into dst: Tensor, _ src: Tensor, _: T.Type) {
    let d = dst.pointer(T.self), s = src.pointer(T.self)
    parallelForEachRun(dst.shape, [dst.strides, src.strides], grain: elementwiseGrain) { off, n, inner in
        if inner[0] == 1 {
            binaryKernel(.add, d + off[0], 1, s + off[1], inner[1], d + off[0], n)
        } else {
            for j in 0..<n { d[off[0] + j * inner[0]] += s[off[1] + j * inner[1]] }
        }
    }
}

/// A comparison of two broadcast operands, giving bool: integers compare exactly (in int64).
func compareRaw(_ a: Tensor, _ b: Tensor, _ op: CompareOp, _ name: String) throws -> Tensor {
    let dtype = resultType(a, b)
    let ct: DType = dtype == .float32 ? .float32 : dtype.isFloatingPoint ? .float64 : .int64
    let shape = try broadcastShapes(a.shape, b.shape, name)
    let (ac, bc) = try withNoGrad { (try a.to(ct), try b.to(ct)) }
    let out = try Tensor(empty: shape, dtype: .bool)
    let po = out.pointer(Bool.self)
    func run<T: Element & Comparable>(_: T.Type) {
        let pa = ac.pointer(T.self), pb = bc.pointer(T.self)
        forEachRun(shape, [broadcastStrides(ac, to: shape), broadcastStrides(bc, to: shape), out.strides]) { off, n, inner in
            compareKernel(op, pa + off[0], inner[0], pb + off[1], inner[1], po + off[2], n)
        }
    }
    switch ct {
    case .float32: run(Float.self)
    case .int64: run(Int64.self)
    default: run(Double.self)
    }
    return out
}

/// `cond ? a : b` elementwise, all three broadcast.
func whereRaw(_ cond: Tensor, _ a: Tensor, _ b: Tensor) throws -> Tensor {
    guard cond.dtype == .bool else { throw GentrainError.dtype("where: condition must be bool, got \(cond.dtype)") }
    let dtype = resultType(a, b)
    let shape = try broadcastShapes(cond.shape, broadcastShapes(a.shape, b.shape, "where"), "where")
    let (ac, bc) = try withNoGrad { (try a.to(dtype), try b.to(dtype)) }
    let out = try Tensor(empty: shape, dtype: dtype)
    let size = dtype.itemSize
    let pc = cond.pointer(Bool.self)
    let pa = ac.storage.data + ac.offset * size, pb = bc.storage.data + bc.offset * size, po = out.storage.data
    forEachRun(shape, [broadcastStrides(cond, to: shape), broadcastStrides(ac, to: shape), broadcastStrides(bc, to: shape), out.strides]) { off, n, inner in
        for i in 0..<n {
            let src = pc[off[0] + i * inner[0]] ? pa + (off[1] + i * inner[1]) * size : pb + (off[2] + i * inner[2]) * size
            (po + (off[3] + i) * size).copyMemory(from: src, byteCount: size)
        }
    }
    return out
}
