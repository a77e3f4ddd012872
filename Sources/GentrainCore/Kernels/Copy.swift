/// Copying and dtype conversion kernels.
import CGentrainKernels

/// Copies `src` (read through `sourceStrides`, which may broadcast) into `dst` of the same dtype
/// and shape, any strides: runs that are contiguous on both sides as one block, blocks of the
/// first dimension over the pool (on one thread, in order, when the two share memory).
func copyStrided(from src: Tensor, sourceStrides: [Int], into dst: Tensor) {
    switch dst.dtype.itemSize {
    case 1: copyRuns(src, sourceStrides, dst, UInt8.self)
    case 2: copyRuns(src, sourceStrides, dst, UInt16.self)
    case 4: copyRuns(src, sourceStrides, dst, UInt32.self)
    default: copyRuns(src, sourceStrides, dst, UInt64.self)
    }
}

private func copyRuns<T>(_ src: Tensor, _ sourceStrides: [Int], _ dst: Tensor, _: T.Type) {
    let s = src.pointer(T.self), d = dst.pointer(T.self), nd = dst.ndim
    if nd >= 2, dst.isContiguous, sourceStrides[nd - 2] == 1, sourceStrides[nd - 1] > 1, dst.shape[nd - 2] >= 8, dst.shape[nd - 1] >= 8 {
        copyTransposed(s, sourceStrides, d, dst.shape)
        return
    }
    let grain = src.storage === dst.storage ? Int.max : elementwiseGrain
    parallelForEachRun(dst.shape, [dst.strides, sourceStrides], grain: grain) { off, n, inner in
        let (to, from) = (d + off[0], s + off[1])
        let (ds, ss) = (inner[0], inner[1])
        if ds == 1 && ss == 1 {
            UnsafeMutableRawPointer(to).copyMemory(from: from, byteCount: n * MemoryLayout<T>.stride)   // memmove
        } else {
            for i in 0..<n { to[i * ds] = from[i * ss] }
        }
    }
}

/// Copies row 0 of `p` `[rows, width]` (row-major) into every other row, blocks of rows over the
/// pool: a bias broadcast into the rows a product then adds to.
func repeatFirstRow<T>(_ p: UnsafeMutablePointer<T>, rows: Int, width: Int) {
    guard rows > 1 else { return }
    parallelFor(rows - 1, itemSize: width, grain: elementwiseGrain) { block in
        for r in block { (p + (r + 1) * width).update(from: p, count: width) }
    }
}

/// The copy of a transposed matrix (the source's columns are contiguous) into a contiguous
/// destination, for each index of the leading dimensions: 4-byte elements on the transpose kernel
/// (`gt_transpose_f32`, 8 × 8 blocks in registers), others in 32 × 32 tiles, so that the reads,
/// which stride through memory, stay in cache (element by element this ran at 1–1.7 ns per
/// element, tiled at a fraction of that).
private func copyTransposed<T>(_ s: UnsafeMutablePointer<T>, _ sourceStrides: [Int], _ d: UnsafeMutablePointer<T>, _ shape: [Int]) {
    let nd = shape.count, (rows, cols) = (shape[nd - 2], shape[nd - 1]), columnStride = sourceStrides[nd - 1]
    let matrices = shape.dropLast(2).reduce(1, *)
    for b in 0..<matrices {
        var rest = b, sourceOffset = 0
        for k in stride(from: nd - 3, through: 0, by: -1) {
            sourceOffset += (rest % shape[k]) * sourceStrides[k]
            rest /= shape[k]
        }
        let from = s + sourceOffset, to = d + b * rows * cols
        if MemoryLayout<T>.size == 4 {
            gt_transpose_f32(rows, cols, UnsafeRawPointer(from).assumingMemoryBound(to: Float.self), columnStride,
                             UnsafeMutableRawPointer(to).assumingMemoryBound(to: Float.self), cols, 0, CPU.cLevel)
            continue
        }
        for i0 in stride(from: 0, to: rows, by: 32) {
            for j0 in stride(from: 0, to: cols, by: 32) {
                for i in i0..<Swift.min(i0 + 32, rows) {
                    let row = to + i * cols, column = from + i
                    for j in j0..<Swift.min(j0 + 32, cols) { row[j] = column[j * columnStride] }
                }
            }
        }
    }
}

/// Converts `n` contiguous elements from one dtype to another.
func convertElements(_ src: UnsafeRawPointer, _ from: DType, _ dst: UnsafeMutableRawPointer, _ to: DType, _ n: Int) {
    if from == to {
        dst.copyMemory(from: src, byteCount: n * from.itemSize)
        return
    }
    switch (from, to) {
    case (.float32, .float64): convertLoop(src, Float.self, dst, Double.self, n) { Double($0) }
    case (.float64, .float32): convertLoop(src, Double.self, dst, Float.self, n) { Float($0) }
    case (.float32, .bfloat16):
        let (s, d) = (src.assumingMemoryBound(to: Float.self), dst.assumingMemoryBound(to: UInt16.self))
        parallelFor(n, grain: elementwiseGrain) { r in gt_f32_to_bf16(s + r.lowerBound, d + r.lowerBound, r.count, CPU.cLevel) }
    case (.bfloat16, .float32):
        let (s, d) = (src.assumingMemoryBound(to: UInt16.self), dst.assumingMemoryBound(to: Float.self))
        parallelFor(n, grain: elementwiseGrain) { r in gt_bf16_to_f32(s + r.lowerBound, d + r.lowerBound, r.count, CPU.cLevel) }
    case (.float32, .float16): convertLoop(src, Float.self, dst, Float16.self, n) { Float16($0) }
    case (.float16, .float32): convertLoop(src, Float16.self, dst, Float.self, n) { Float($0) }
    // Exact, and wrapping around past int32's range, as PyTorch (through float64 neither held).
    case (.int64, .int32): convertLoop(src, Int64.self, dst, Int32.self, n) { Int32(truncatingIfNeeded: $0) }
    case (.int32, .int64): convertLoop(src, Int32.self, dst, Int64.self, n) { Int64($0) }
    default:
        withElementType(from) { S in
            withElementType(to) { D in convertViaDouble(src, S, dst, D, n) }
        }
    }
}

@inline(__always)
private func convertLoop<S, D>(_ src: UnsafeRawPointer, _: S.Type, _ dst: UnsafeMutableRawPointer, _: D.Type,
                               _ n: Int, _ f: (S) -> D) {
    let s = src.assumingMemoryBound(to: S.self)
    let d = dst.assumingMemoryBound(to: D.self)
    for i in 0..<n { d[i] = f(s[i]) }
}

private func convertViaDouble<S: Element, D: Element>(_ src: UnsafeRawPointer, _: S.Type, _ dst: UnsafeMutableRawPointer,
                                                      _: D.Type, _ n: Int) {
    convertLoop(src, S.self, dst, D.self, n) { D(fromDouble: $0.doubleValue) }
}

/// Calls `body` with the Swift element type of a dtype.
func withElementType<R>(_ dtype: DType, _ body: (any Element.Type) -> R) -> R {
    switch dtype {
    case .float32: return body(Float.self)
    case .float64: return body(Double.self)
    case .bfloat16: return body(BFloat16.self)
    case .float16: return body(Float16.self)
    case .int32: return body(Int32.self)
    case .int64: return body(Int64.self)
    case .bool: return body(Bool.self)
    }
}
