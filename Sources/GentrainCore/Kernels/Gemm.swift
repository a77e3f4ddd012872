import CGentrainKernels
import COpenBLAS
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A matrix operand for `gemm`: a pointer and the strides of its rows and columns.
struct MatrixOperand<T> {
    var pointer: UnsafeMutablePointer<T>
    var rowStride: Int
    var colStride: Int
}

/// `C = A·B + beta · C` for row-major C (`[m, n]`, leading dimension `ldc`), with A `[m, k]` and
/// B `[k, n]` read through their strides: a transposed view goes to the BLAS as a transpose flag,
/// anything else is packed first. float32 products run on the fastest of oneDNN, OpenBLAS and the
/// packing GEMM for their shape on this CPU (see `GemmBackend`), float64 on OpenBLAS.
func gemm<T: FloatElement>(_ m: Int, _ n: Int, _ k: Int, _ a: MatrixOperand<T>, _ b: MatrixOperand<T>,
                           _ c: UnsafeMutablePointer<T>, ldc: Int, beta: T = 0) {
    if m == 0 || n == 0 { return }
    if k == 0 {
        for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
        return
    }
    if T.self == Float.self && m * n <= smallProductLimit && k <= smallProductLimit && m * n * k <= smallProductLimit
        && GemmBackend.current == nil {
        gt_gemm_small(m, n, k, UnsafeRawPointer(a.pointer).assumingMemoryBound(to: Float.self), a.rowStride, a.colStride,
                      UnsafeRawPointer(b.pointer).assumingMemoryBound(to: Float.self), b.rowStride, b.colStride,
                      Float(beta), UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), ldc, CPU.cLevel)
        return
    }
    var packed: [UnsafeMutablePointer<T>] = []
    defer { for p in packed { p.deallocate() } }
    func layout(_ x: MatrixOperand<T>, _ rows: Int, _ cols: Int) -> (CBLAS_TRANSPOSE, UnsafeMutablePointer<T>, Int) {
        let rs = rows == 1 ? cols : x.rowStride, cs = cols == 1 ? 1 : x.colStride
        if cs == 1 && rs >= Swift.max(cols, 1) { return (CblasNoTrans, x.pointer, rs) }
        let rs2 = rows == 1 ? 1 : x.rowStride, cs2 = cols == 1 ? rows : x.colStride
        if rs2 == 1 && cs2 >= Swift.max(rows, 1) { return (CblasTrans, x.pointer, cs2) }
        let p = UnsafeMutablePointer<T>.allocate(capacity: rows * cols)
        for i in 0..<rows { for j in 0..<cols { p[i * cols + j] = x.pointer[i * x.rowStride + j * x.colStride] } }
        packed.append(p)
        return (CblasNoTrans, p, cols)
    }
    let (ta, pa, lda) = layout(a, m, k)
    let (tb, pb, ldb) = layout(b, k, n)
    /// Rows 0..<rows of the product into `out` (leading dimension `ldOut`), on `backend`.
    func product(_ backend: GemmBackend, rows m: Int, into out: UnsafeMutablePointer<T>, _ ldOut: Int, beta: T) {
        if backend == .onednn, let dnnl = OneDNN.library {
            dnnl.sgemm(ta, tb, m, n, k, 1, UnsafeRawPointer(pa).assumingMemoryBound(to: Float.self), lda,
                       UnsafeRawPointer(pb).assumingMemoryBound(to: Float.self), ldb, Float(beta),
                       UnsafeMutableRawPointer(out).assumingMemoryBound(to: Float.self), ldOut)
            return
        }
        /// The block of C at `co` on OpenBLAS.
        func blas(_ m: Int, _ n: Int, _ ao: Int, _ bo: Int, _ co: Int) {
            _ = openBLASSingleThreaded
            if T.self == Float.self {
                cblas_sgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), 1,
                            UnsafeRawPointer(pa + ao).assumingMemoryBound(to: Float.self), Int32(lda),
                            UnsafeRawPointer(pb + bo).assumingMemoryBound(to: Float.self), Int32(ldb), Float(beta),
                            UnsafeMutableRawPointer(out + co).assumingMemoryBound(to: Float.self), Int32(ldOut))
            } else {
                cblas_dgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), 1,
                            UnsafeRawPointer(pa + ao).assumingMemoryBound(to: Double.self), Int32(lda),
                            UnsafeRawPointer(pb + bo).assumingMemoryBound(to: Double.self), Int32(ldb), Double(beta),
                            UnsafeMutableRawPointer(out + co).assumingMemoryBound(to: Double.self), Int32(ldOut))
            }
        }
        /// A BLAS operand (transpose flag and leading dimension) as the packing GEMM's.
        func operand(_ p: UnsafeMutablePointer<T>, _ t: CBLAS_TRANSPOSE, _ ld: Int) -> gt_matrix {
            gt_matrix(data: UnsafeRawPointer(p), row_stride: t == CblasNoTrans ? ld : 1, col_stride: t == CblasNoTrans ? 1 : ld,
                      element: Int32(GT_ELEMENT_F32))
        }
        let (ga, gb) = (operand(pa, ta, lda), operand(pb, tb, ldb))
        if backend == .inplace && T.self == Float.self {
            blockedProduct(m, n, k, aRowStride: ga.row_stride, bColumnStride: gb.col_stride, ldc: ldOut) { m, n, ao, bo, co in
                gt_gemm_small(m, n, k, UnsafeRawPointer(pa + ao).assumingMemoryBound(to: Float.self), ga.row_stride, ga.col_stride,
                              UnsafeRawPointer(pb + bo).assumingMemoryBound(to: Float.self), gb.row_stride, gb.col_stride, Float(beta),
                              UnsafeMutableRawPointer(out + co).assumingMemoryBound(to: Float.self), ldOut, CPU.cLevel)
            }
        } else if backend == .packing && T.self == Float.self {
            // A block whose packing buffers cannot be allocated runs on OpenBLAS.
            _ = packingProduct(m, n, k, ga, gb, UnsafeMutableRawPointer(out).assumingMemoryBound(to: Float.self), ldc: ldOut,
                               beta: Float(beta), fallback: blas)
        } else {
            blockedProduct(m, n, k, aRowStride: ga.row_stride, bColumnStride: gb.col_stride, ldc: ldOut, blas)
        }
    }
    let backend = T.self != Float.self ? .openblas : GemmBackend.forProduct(m, n, k, ta, tb) { candidate, rows, scratch in
        product(candidate, rows: rows, into: scratch.assumingMemoryBound(to: T.self), n, beta: 0)
    }
    product(backend, rows: m, into: c, ldc, beta: beta)
}

/// The largest product (m·n·k multiply-adds) that runs in place on `gt_gemm_small` rather than on a
/// backend (unless one is forced): below it, packing and dispatch cost more than the arithmetic.
/// Measured with W8 (a 16-64-64-4 MLP) on AMD EPYC family 25 model 1: at batch 8 (products up to
/// 32K multiply-adds) 31.8–34.6k → 35.4–38.3k steps/s from C; at batch 64, a limit of 2^19, which
/// takes its [64, 64] · [64, 64] products too, ran 12.3k against 15.0–16.9k on the backends.
let smallProductLimit = 1 << 15

/// OpenBLAS runs on the caller's thread: the pool splits its products (`blockedProduct`), so its
/// own pthread pool (Debian's default build) never starts and never competes with the pool.
let openBLASSingleThreaded: Void = openblas_set_num_threads(1)

/// A row-major product `C[m, n] = A[m, k] · B[k, n]` in blocks over the pool: from 2 MFLOP,
/// blocks of C's columns (when n ≥ m) or rows, one per thread; smaller products in one block on
/// the caller's thread. `block(m, n, aOffset, bOffset, cOffset)` computes one block: the block's
/// sizes and where its operands start, in elements: A's row i is `aRowStride` elements after its
/// row 0, B's column j `bColumnStride` after its column 0, and C's row i `ldc` after its row 0.
func blockedProduct(_ m: Int, _ n: Int, _ k: Int, aRowStride: Int, bColumnStride: Int, ldc: Int,
                    _ block: (Int, Int, Int, Int, Int) -> Void) {
    switch ProductSplit(m, n, k) {
    case .none:
        block(m, n, 0, 0, 0)
    case .columns:
        parallelFor(n, grain: 64) { cols in
            block(m, cols.count, 0, cols.lowerBound * bColumnStride, cols.lowerBound)
        }
    case .rows:
        parallelFor(m, grain: 16) { rows in
            block(rows.count, n, rows.lowerBound * aRowStride, 0, rows.lowerBound * ldc)
        }
    }
}

/// How `blockedProduct` cuts a product: not at all (under 2 MFLOP, or one thread), into blocks
/// of C's columns (every block reads all of A) or of its rows (every block reads all of B).
enum ProductSplit {
    case none, columns, rows

    init(_ m: Int, _ n: Int, _ k: Int) {
        self = 2 * m * n * k < 1 << 21 || Threads.usable == 1 ? .none : (n >= m ? .columns : .rows)
    }
}

extension gt_matrix {
    /// The operand `t` (2-D, or the last two dimensions from `offset` elements on), float32 or bfloat16.
    init(_ t: Tensor, offset: Int = 0, rowStride: Int, colStride: Int) {
        self.init(data: UnsafeRawPointer(t.storage.data + (t.offset + offset) * t.dtype.itemSize),
                  row_stride: rowStride, col_stride: colStride,
                  element: Int32(t.dtype == .bfloat16 ? GT_ELEMENT_BF16 : GT_ELEMENT_F32))
    }

    /// This operand from element `index` on.
    func advanced(by index: Int) -> gt_matrix {
        var moved = self
        moved.data = data + index * (element == Int32(GT_ELEMENT_BF16) ? 2 : 4)
        return moved
    }
}

/// `C[m, n] = A·B + beta·C`, C float32 (row-major, leading dimension `ldc`), A and B float32 or
/// bfloat16 read through their strides: bfloat16 is widened to float32 as the GEMM packs it, so
/// the product needs no converted copies. In blocks over the pool.
func packedGemm(_ m: Int, _ n: Int, _ k: Int, _ a: gt_matrix, _ b: gt_matrix, _ c: UnsafeMutablePointer<Float>,
                ldc: Int, beta: Float = 0) throws {
    guard packingProduct(m, n, k, a, b, c, ldc: ldc, beta: beta) else {
        throw GentrainError(.outOfMemory, "matmul: no memory for the packed operands of a \(m)x\(k) by \(k)x\(n) product")
    }
}

/// The packing GEMM over the pool (see `packedGemm`). When the product is cut into blocks, the
/// operand every block reads whole (A for blocks of columns, B for blocks of rows) is packed once
/// and shared: packed per block, it took an eighth of a [256, 1024] · [1024, 1024] product on two
/// threads (AMD EPYC family 25 model 1). A block whose packing buffers cannot be allocated is left
/// to `fallback` (C untouched by it), or, without one, the call returns false.
func packingProduct(_ m: Int, _ n: Int, _ k: Int, _ a: gt_matrix, _ b: gt_matrix, _ c: UnsafeMutablePointer<Float>,
                    ldc: Int, beta: Float, fallback: ((Int, Int, Int, Int, Int) -> Void)? = nil) -> Bool {
    let split = ProductSplit(m, n, k)
    let level = gt_gemm_level(a, b, CPU.cLevel)   // the operands' packed layout follows it
    let operand = Int32(split == .columns ? GT_OPERAND_A : GT_OPERAND_B)
    // Plain malloc: without memory each block packs its own (no failure to report).
    let shared: UnsafeMutablePointer<Float>? = split == .none ? nil
        : malloc(gt_gemm_packed_floats(operand, split == .columns ? m : n, k) * MemoryLayout<Float>.stride)?.assumingMemoryBound(to: Float.self)
    defer { free(shared) }
    if let shared { packWhole(operand, split == .columns ? m : n, k, split == .columns ? a : b, level: level, into: shared) }
    let (sharedA, sharedB) = split == .columns ? (shared, nil) : (nil, shared)
    let failed = Atomic<Bool>(false)
    blockedProduct(m, n, k, aRowStride: a.row_stride, bColumnStride: b.col_stride, ldc: ldc) { m, n, ao, bo, co in
        if gt_gemm(m, n, k, a.advanced(by: ao), sharedA, b.advanced(by: bo), sharedB, beta, c + co, ldc, level) != 0 {
            if let fallback { fallback(m, n, ao, bo, co) } else { failed.store(true, ordering: .relaxed) }
        }
    }
    return !failed.load(ordering: .relaxed)
}

/// Packs a whole operand for `gt_gemm` (`count` rows of A or columns of B, depth k) over the pool,
/// each thread whole slivers of it, for a product of `level` (`gt_gemm_level`): packed by the
/// caller alone, W2's W_hh and the operand a split product shares kept the other thread waiting.
func packWhole(_ operand: Int32, _ count: Int, _ k: Int, _ x: gt_matrix, level: Int32, into out: UnsafeMutablePointer<Float>) {
    let width = gt_gemm_sliver(operand), slivers = (count + width - 1) / width
    parallelFor(slivers, itemSize: width * k, grain: packingGrain) { r in
        gt_gemm_pack(operand, count, k, x, out, r.lowerBound * width, r.upperBound * width, level)
    }
}

/// Floats packed per thread below which packing an operand is not split.
private let packingGrain = 1 << 15

/// The right operand B `[k, n]` of products `A·B` that a loop repeats with new A and the same B (a
/// recurrent layer's W_hh at every step): packed once for the packing GEMM where float32 products
/// may run on it (AVX2, no other backend forced), instead of once per product. Each thread of W2's
/// LSTM (hidden 256, batch 32) packed all 1 MB of W_hhᵀ at every step for a product of its few rows. Elsewhere (float64, a forced backend, no AVX2, no memory) each product goes to `gemm`.
/// The products run on the caller's thread; several threads may share one operand.
final class ReusedOperand<T: FloatElement>: @unchecked Sendable {
    let b: MatrixOperand<T>, k: Int, n: Int
    private let packed: UnsafeMutablePointer<Float>?

    init(_ b: MatrixOperand<T>, k: Int, n: Int) {
        (self.b, self.k, self.n) = (b, k, n)
        let backend = GemmBackend.current
        guard T.self == Float.self, k > 0, n > 0, CPU.kernels >= .avx2, backend == nil || backend == .packing,
              let memory = malloc(gt_gemm_packed_floats(Int32(GT_OPERAND_B), n, k) * MemoryLayout<Float>.stride) else {
            packed = nil
            return
        }
        let floats = memory.assumingMemoryBound(to: Float.self)
        packWhole(Int32(GT_OPERAND_B), n, k, Self.operand(b), level: CPU.cLevel, into: floats)
        packed = floats
    }

    deinit { free(packed) }

    /// `C[m, n] = A[m, k] · B + beta · C` (C row-major, leading dimension `ldc`).
    func product(_ m: Int, _ a: MatrixOperand<T>, _ c: UnsafeMutablePointer<T>, ldc: Int, beta: T) {
        if let packed, gt_gemm(m, n, k, Self.operand(a), nil, Self.operand(b), packed, Float(beta),
                               UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), ldc, CPU.cLevel) == 0 {
            return
        }
        gemm(m, n, k, a, b, c, ldc: ldc, beta: beta)
    }

    private static func operand(_ x: MatrixOperand<T>) -> gt_matrix {
        gt_matrix(data: UnsafeRawPointer(x.pointer), row_stride: x.rowStride, col_stride: x.colStride, element: Int32(GT_ELEMENT_F32))
    }
}
