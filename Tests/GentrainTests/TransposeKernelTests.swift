import XCTest
@testable import GentrainCore
import CGentrainKernels

/// The matrix transpose (CGentrainKernels' transpose.c) in every build this CPU runs, against the
/// definition: sizes around the 8 x 8 blocks (edges in both directions), leading dimensions wider
/// than the matrices (what lies beside the destination stays untouched), beta 0 (the destination's
/// old values, NaN here, never read; the bits of non-float elements kept) and beta 0.5.
final class TransposeKernelTests: XCTestCase {
    private let levels: [Int32] = [Int32(GT_LEVEL_BASELINE)] + (CPU.kernels >= .avx2 ? [Int32(GT_LEVEL_AVX2)] : [])

    func testAgainstTheDefinitionInEveryBuild() {
        for (rows, cols) in [(1, 1), (3, 5), (8, 8), (9, 17), (16, 7), (33, 40), (64, 3)] {
            let (lds, ldd) = (rows + 3, cols + 2)
            let src = (0..<(cols * lds)).map { Float($0 % 97) - 40.5 }
            let old = (0..<(rows * ldd)).map { Float($0 % 13) * 0.25 }
            for level in levels {
                for beta: Float in [0, 0.5] {
                    var dst = beta == 0 ? [Float](repeating: .nan, count: rows * ldd) : old
                    gt_transpose_f32(rows, cols, src, lds, &dst, ldd, beta, level)
                    for i in 0..<rows {
                        for j in 0..<ldd {
                            let got = dst[i * ldd + j], at = "\(rows)x\(cols) level \(level) beta \(beta) (\(i), \(j))"
                            if j >= cols {
                                XCTAssertEqual(got.bitPattern, (beta == 0 ? Float.nan : old[i * ldd + j]).bitPattern, "beside the matrix: \(at)")
                            } else {
                                XCTAssertEqual(got, src[j * lds + i] + (beta == 0 ? 0 : beta * old[i * ldd + j]), at)
                            }
                        }
                    }
                }
            }
        }
    }

    func testBetaZeroCopiesBitsAsTheyAre() {
        let (rows, cols) = (11, 10)
        let patterns: [UInt32] = [0x7FA0_0001, 0xFF80_0000, 0x0000_0001, 0x8000_0000, 0x1234_5678]   // a signaling NaN, -inf, ...
        let src = (0..<(rows * cols)).map { Float(bitPattern: patterns[$0 % patterns.count] &+ UInt32($0 / patterns.count)) }
        for level in levels {
            var dst = [Float](repeating: 0, count: rows * cols)
            gt_transpose_f32(rows, cols, src, rows, &dst, cols, 0, level)
            for i in 0..<rows {
                for j in 0..<cols { XCTAssertEqual(dst[i * cols + j].bitPattern, src[j * rows + i].bitPattern, "level \(level) (\(i), \(j))") }
            }
        }
    }
}
