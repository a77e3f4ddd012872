import XCTest
@testable import GentrainCore
import CGentrainKernels

/// The C loops of `CGentrainKernels` at every level this CPU runs: the packing GEMM (whole, and in
/// blocks sharing an operand packed once) and the small in-place product against a float64 product of the same
/// (bfloat16-rounded) values, the bfloat16 conversions against `BFloat16`'s, and the unscale pass.
final class PackingGemmTests: XCTestCase {
    /// Every level up to the CPU's (`GENTRAIN_KERNELS` caps it): at GT_LEVEL_AVX512_BF16, products of
    /// two bfloat16 operands run on the pairs' kernel.
    private var levels: [Int32] {
        [GT_LEVEL_BASELINE, GT_LEVEL_AVX2, GT_LEVEL_AVX512, GT_LEVEL_AVX512_BF16].prefix(CPU.kernels.rawValue + 1).map { Int32($0) }
    }

    /// A pseudo-random value in [-1, 1) that bfloat16 holds exactly (8 significant bits).
    private func value(_ i: Int) -> Float {
        var x = UInt64(i) &* 0x9E37_79B9_7F4A_7C15
        x ^= x >> 29
        return Float(Int(x % 256) - 128) / 128
    }

    /// Sizes around the tiles (6 x 16, and 6 x 32 for bfloat16 pairs; edge tiles of every row and
    /// column count), odd depths (a half pair) and block (256 deep) edges; operands row-major,
    /// transposed or with gaps between rows and columns, float32 or bfloat16; beta 0 (C full of
    /// NaN, which must not be read) and 0.5.
    func testProductsAgainstFloat64() {
        let sizes = [(1, 1, 1), (5, 17, 3), (6, 16, 256), (7, 33, 257), (13, 50, 600), (150, 40, 9), (64, 100, 520),
                     (32, 20, 40), (9, 16, 8), (12, 32, 2), (6, 48, 17), (4, 31, 1), (2, 64, 16)]
        for level in levels {
            for (m, n, k) in sizes {
                for layout in 0..<3 {
                    for (ea, eb) in [(GT_ELEMENT_F32, GT_ELEMENT_F32), (GT_ELEMENT_BF16, GT_ELEMENT_F32), (GT_ELEMENT_F32, GT_ELEMENT_BF16), (GT_ELEMENT_BF16, GT_ELEMENT_BF16)] {
                        for beta: Float in [0, 0.5] {
                            check(m, n, k, layout: layout, Int32(ea), Int32(eb), beta: beta, level: level)
                        }
                    }
                }
            }
        }
    }

    /// Strides of a `rows x cols` operand: 0 row-major, 1 transposed, 2 row-major with gaps.
    private func strides(_ rows: Int, _ cols: Int, _ layout: Int) -> (Int, Int, Int) {
        switch layout {
        case 0: return (cols, 1, rows * cols)
        case 1: return (1, rows, rows * cols)
        default: return (2 * cols + 3, 2, rows * (2 * cols + 3))
        }
    }

    /// One product computed four ways: whole; in two blocks of columns sharing A packed once; in
    /// two blocks of rows sharing B packed once; and with both packed up front (each operand
    /// packed in two parts).
    private func check(_ m: Int, _ n: Int, _ k: Int, layout: Int, _ ea: Int32, _ eb: Int32, beta: Float, level: Int32) {
        let (ars, acs, asize) = strides(m, k, layout), (brs, bcs, bsize) = strides(k, n, (layout + 1) % 3)
        let a = (0..<asize).map { value($0) }, b = (0..<bsize).map { value($0 + 7919) }
        let a16 = a.map { BFloat16($0).bitPattern }, b16 = b.map { BFloat16($0).bitPattern }
        let start = (0..<(m * n)).map { value($0 + 104_729) }
        for sharing in 0..<4 {
            var c = beta == 0 ? [Float](repeating: .nan, count: m * n) : start
            let status = a.withUnsafeBufferPointer { af in a16.withUnsafeBufferPointer { ah in
                b.withUnsafeBufferPointer { bf in b16.withUnsafeBufferPointer { bh in
                    c.withUnsafeMutableBufferPointer { cp in
                        let ga = gt_matrix(data: ea == GT_ELEMENT_BF16 ? UnsafeRawPointer(ah.baseAddress!) : UnsafeRawPointer(af.baseAddress!),
                                           row_stride: ars, col_stride: acs, element: ea)
                        let gb = gt_matrix(data: eb == GT_ELEMENT_BF16 ? UnsafeRawPointer(bh.baseAddress!) : UnsafeRawPointer(bf.baseAddress!),
                                           row_stride: brs, col_stride: bcs, element: eb)
                        var packedA = [Float](repeating: .nan, count: gt_gemm_packed_floats(Int32(GT_OPERAND_A), m, k))
                        var packedB = [Float](repeating: .nan, count: gt_gemm_packed_floats(Int32(GT_OPERAND_B), n, k))
                        // In two parts split at a whole sliver, as threads pack a shared operand.
                        let sa = m / 2 / gt_gemm_sliver(Int32(GT_OPERAND_A)) * gt_gemm_sliver(Int32(GT_OPERAND_A))
                        let sb = n / 2 / gt_gemm_sliver(Int32(GT_OPERAND_B)) * gt_gemm_sliver(Int32(GT_OPERAND_B))
                        let packLevel = gt_gemm_level(ga, gb, level)   // the product's, as the engine packs
                        gt_gemm_pack(Int32(GT_OPERAND_A), m, k, ga, &packedA, sa, m, packLevel)
                        gt_gemm_pack(Int32(GT_OPERAND_A), m, k, ga, &packedA, 0, sa, packLevel)
                        gt_gemm_pack(Int32(GT_OPERAND_B), n, k, gb, &packedB, sb, n, packLevel)
                        gt_gemm_pack(Int32(GT_OPERAND_B), n, k, gb, &packedB, 0, sb, packLevel)
                        let c0 = cp.baseAddress!
                        switch sharing {
                        case 0:
                            return gt_gemm(m, n, k, ga, nil, gb, nil, beta, c0, n, level)
                        case 1:
                            let h = n / 2
                            return gt_gemm(m, h, k, ga, packedA, gb, nil, beta, c0, n, level)
                                | gt_gemm(m, n - h, k, ga, packedA, gb.advanced(by: h * bcs), nil, beta, c0 + h, n, level)
                        case 2:
                            let h = m / 2
                            return gt_gemm(h, n, k, ga, nil, gb, packedB, beta, c0, n, level)
                                | gt_gemm(m - h, n, k, ga.advanced(by: h * ars), nil, gb, packedB, beta, c0 + h * n, n, level)
                        default:
                            return gt_gemm(m, n, k, ga, packedA, gb, packedB, beta, c0, n, level)
                        }
                    }
                } }
            } }
            XCTAssertEqual(status, 0)
            for i in 0..<m {
                for j in 0..<n {
                    var exact = Double(beta) * Double(start[i * n + j])
                    for p in 0..<k { exact += Double(a[i * ars + p * acs]) * Double(b[p * brs + j * bcs]) }
                    let got = Double(c[i * n + j])
                    guard abs(got - exact) <= 1e-5 * Double(k + 1) else {
                        XCTFail("level \(level) \(m)x\(n)x\(k) layout \(layout) elements \(ea),\(eb) beta \(beta) sharing \(sharing): C[\(i), \(j)] = \(got), expected \(exact)")
                        return
                    }
                }
            }
        }
    }

    /// The in-place product for small sizes, at every level: every layout pair (B's rows contiguous,
    /// the dot products of B transposed against A's rows, and strided operands), sizes around its
    /// blocks (4 and 2 rows by 16, 8 and fewer columns; 2 rows by 4 and 1 row by 8 dot products)
    /// and its 8-deep steps, beta 0 (C full of NaN, never read) and 0.5.
    func testSmallProductsAgainstFloat64() {
        let sizes = [(1, 1, 1), (3, 7, 5), (8, 64, 16), (8, 64, 64), (5, 33, 9), (64, 8, 8), (2, 41, 17),
                     (6, 23, 12), (7, 19, 13), (9, 13, 20), (1, 40, 24), (4, 16, 3), (8, 4, 64)]
        for level in levels {
            for (m, n, k) in sizes {
                for (la, lb) in [(0, 0), (0, 1), (1, 0), (1, 1), (2, 1), (0, 2), (2, 2)] {
                    for beta: Float in [0, 0.5] {
                        let (ars, acs, asize) = strides(m, k, la), (brs, bcs, bsize) = strides(k, n, lb)
                        let a = (0..<asize).map { value($0) }, b = (0..<bsize).map { value($0 + 7919) }
                        let start = (0..<(m * n)).map { value($0 + 104_729) }
                        var c = beta == 0 ? [Float](repeating: .nan, count: m * n) : start
                        gt_gemm_small(m, n, k, a, ars, acs, b, brs, bcs, beta, &c, n, level)
                        for i in 0..<m {
                            for j in 0..<n {
                                var exact = Double(beta) * Double(start[i * n + j])
                                for p in 0..<k { exact += Double(a[i * ars + p * acs]) * Double(b[p * brs + j * bcs]) }
                                XCTAssertEqual(Double(c[i * n + j]), exact, accuracy: 1e-5 * Double(k + 1),
                                               "level \(level) \(m)x\(n)x\(k) layouts \(la),\(lb) beta \(beta): C[\(i), \(j)]")
                            }
                        }
                    }
                }
            }
        }
    }

    /// Rounding to bfloat16 (ties to even, NaN quiet, infinities and overflow to infinity) and
    /// widening back, as `BFloat16` does, at every level and across the vector loops' tails.
    func testBFloat16Conversions() {
        var values: [Float] = [0, -0, 1, -1, .infinity, -.infinity, .nan, .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
                               .leastNonzeroMagnitude, Float(bitPattern: 0x3F80_8000), Float(bitPattern: 0x3F81_8000),
                               Float(bitPattern: 0x7F7F_FFFF), Float(bitPattern: 0x7FA0_0000)]
        values += (0..<1000).map { Float(bitPattern: UInt32(truncatingIfNeeded: UInt64($0) &* 0x9E37_79B9_7F4A_7C15 >> 16)) }
        for level in levels {
            var rounded = [UInt16](repeating: 0, count: values.count)
            var widened = [Float](repeating: 0, count: values.count)
            gt_f32_to_bf16(values, &rounded, values.count, level)
            gt_bf16_to_f32(rounded, &widened, values.count, level)
            for (i, v) in values.enumerated() {
                XCTAssertEqual(rounded[i], BFloat16(v).bitPattern, "level \(level): \(v)")
                XCTAssertEqual(widened[i].bitPattern, BFloat16(bitPattern: rounded[i]).floatValue.bitPattern)
            }
        }
    }

    /// The unscale pass multiplies every value and reports a non-finite one wherever it is.
    func testUnscale() {
        for level in levels {
            for bad in [nil, 0, 8, 37, 99] as [Int?] {
                for special in [Float.infinity, -.infinity, .nan] {
                    var values = (0..<100).map { Float($0) - 50 }
                    if let bad { values[bad] = special }
                    let found = gt_unscale_f32(&values, values.count, 0.25, level)
                    XCTAssertEqual(found != 0, bad != nil, "level \(level), non-finite at \(String(describing: bad))")
                    for (i, v) in values.enumerated() where i != bad { XCTAssertEqual(v, (Float(i) - 50) * 0.25) }
                }
            }
        }
    }
}
