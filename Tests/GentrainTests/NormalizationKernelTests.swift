import XCTest
@testable import GentrainCore
import CGentrainKernels

/// The normalizations' float32 loops (CGentrainKernels' normalization.c) in every build this CPU
/// runs, against float64 sums written out here: run lengths around the eight-lane vectors (the
/// tails included), the same bits from every build, and the layer norm that uses them against
/// its float64 twin.
final class NormalizationKernelTests: XCTestCase {
    private let levels: [Int32] = [Int32(GT_LEVEL_BASELINE)] + (CPU.kernels >= .avx2 ? [Int32(GT_LEVEL_AVX2)] : [])
        + (CPU.kernels == .avx512 ? [Int32(GT_LEVEL_AVX512)] : [])
    private let lengths = [0, 1, 7, 8, 9, 16, 23, 100, 517]

    private func values(_ n: Int, seed: Int) -> [Float] {
        (0..<n).map { Float(sin(Double($0 * 7 + seed)) * 3 + 0.5) }
    }

    func testSumsAgainstFloat64AndTheSameBitsInEveryBuild() {
        for n in lengths {
            let (a, b, c) = (values(n, seed: 1), values(n, seed: 2), values(n, seed: 3))
            let m = 0.25
            var expected = [Double](repeating: 0, count: 4)
            for j in 0..<n {
                let (u, v, w) = (Double(a[j]), Double(b[j]), Double(c[j]))
                expected[0] += u
                expected[1] += (u - m) * (u - m)
                expected[2] += u * v
                expected[3] += u * v * w
            }
            var first: [Double]?
            for level in levels {
                let got = [gt_sum_f32(a, n, level), gt_squared_deviations_f32(a, n, m, level), gt_dot_f32(a, b, nil, n, level),
                           gt_dot_f32(a, b, c, n, level)]
                for (g, e) in zip(got, expected) { XCTAssertEqual(g, e, accuracy: 1e-12 * Swift.max(1, Swift.abs(e)), "n \(n), level \(level)") }
                if let first { XCTAssertEqual(got, first, "n \(n): level \(level) differs from the baseline") } else { first = got }
            }
        }
    }

    func testElementwisePassesWithAndWithoutTheAffine() {
        for n in lengths {
            let (x, g, w, b) = (values(n, seed: 4), values(n, seed: 5), values(n, seed: 6), values(n, seed: 7))
            for level in levels {
                for (useW, useB) in [(true, true), (true, false), (false, true), (false, false)] {
                    var y = [Float](repeating: .nan, count: n)
                    w.withUnsafeBufferPointer { pw in
                        b.withUnsafeBufferPointer { pb in
                            gt_scale_shift_f32(x, &y, n, 1.5, -0.25, useW ? pw.baseAddress : nil, useB ? pb.baseAddress : nil, level)
                        }
                    }
                    for j in 0..<n {
                        let e = (Double(x[j]) * 1.5 - 0.25) * (useW ? Double(w[j]) : 1) + (useB ? Double(b[j]) : 0)
                        XCTAssertEqual(Double(y[j]), e, accuracy: 1e-5 * Swift.max(1, Swift.abs(e)), "scale_shift n \(n) level \(level)")
                    }
                }
                for useW in [true, false] {
                    var dx = [Float](repeating: .nan, count: n)
                    w.withUnsafeBufferPointer { pw in gt_norm_input_grad_f32(g, useW ? pw.baseAddress : nil, x, &dx, n, 0.5, -2, 0.125, 3, level) }
                    for j in 0..<n {
                        let e = 0.5 * Double(g[j]) * (useW ? Double(w[j]) : 1) - 2 * (Double(x[j]) - 0.125) + 3
                        XCTAssertEqual(Double(dx[j]), e, accuracy: 1e-5 * Swift.max(1, Swift.abs(e)), "input_grad n \(n) level \(level)")
                    }
                }
                var (dw, db) = ([Double](repeating: 1, count: n), [Double](repeating: 2, count: n))
                gt_affine_grad_accumulate_f32(g, x, n, 0.5, 2, &dw, &db, level)
                for j in 0..<n {
                    XCTAssertEqual(dw[j], 1 + Double(g[j]) * (Double(x[j]) - 0.5) * 2, accuracy: 1e-12 * Swift.max(1, Swift.abs(dw[j])))
                    XCTAssertEqual(db[j], 2 + Double(g[j]), accuracy: 1e-12)
                }
            }
        }
    }

    /// Layer norm over rows of 517 (vectors and a tail), forward and backward, float32 against float64.
    func testLayerNormUsesThem() throws {
        let g = Generator(seed: 9)
        let x = try Tensor.randn([6, 517], generator: g).mul(3).add(1).requiringGrad()
        let w = try Tensor.randn([517], generator: g).requiringGrad(), b = try Tensor.randn([517], generator: g).requiringGrad()
        let up = try Tensor.randn([6, 517], generator: g)
        let (x64, w64, b64) = (try x.detach().to(.float64).requiringGrad(), try w.detach().to(.float64).requiringGrad(),
                               try b.detach().to(.float64).requiringGrad())
        let y = try x.normalizedGroups(outer: 1, groups: 6, inner: 517, eps: 1e-5, weight: w, bias: b, affine: .perPosition).normalized
        let y64 = try x64.normalizedGroups(outer: 1, groups: 6, inner: 517, eps: 1e-5, weight: w64, bias: b64, affine: .perPosition).normalized
        try y.mul(up).sum().backward()
        try y64.mul(up.to(DType.float64)).sum().backward()
        for (name, a, e) in [("y", y, y64), ("dx", x.grad!, x64.grad!), ("dw", w.grad!, w64.grad!), ("db", b.grad!, b64.grad!)] {
            for (u, v) in zip(try a.toArray(Double.self), try e.toArray(Double.self)) {
                XCTAssertEqual(u, v, accuracy: 2e-5 * Swift.max(1, Swift.abs(v)), name)
            }
        }
    }
}
