import XCTest
@testable import GentrainCore
import GentrainMath
import GentrainKernelsAVX2
import GentrainKernelsAVX512
import Foundation

/// float32 exp, tanh and sigmoid (the vectorized implementations, baseline and AVX2 builds)
/// against float64 libm.
final class VectorMathTests: XCTestCase {
    /// The distance in units in the last place between a float32 result and the exact value.
    private func ulps(_ got: Float, _ exact: Double) -> Double {
        let rounded = Float(exact)
        if got == rounded { return 0 }
        let ulp = Double(rounded.isFinite && rounded != 0 ? rounded.ulp : Float.leastNonzeroMagnitude)
        return Swift.abs(Double(got) - exact) / ulp
    }

    func testAgainstDoublePrecisionOverTheWholeRange() {
        accuracy(Separate.self)
        accuracy(Fused.self)
    }

    /// Both ways of computing the polynomial steps (separate in baseline code, fused in the wide kernels).
    private func accuracy<M: MultiplyAdd>(_: M.Type) {
        typealias VectorMath = VectorMathOf<M>
        var worst: [String: Double] = ["exp": 0, "tanh": 0, "sigmoid": 0]
        var x: Float = -120
        while x < 120 {
            for v in [x, x / 1000, x / 1e6] {
                let d = Double(v)
                worst["exp"] = Swift.max(worst["exp"]!, ulps(VectorMath.exp(v), Foundation.exp(d)))
                worst["tanh"] = Swift.max(worst["tanh"]!, ulps(VectorMath.tanh(v), Foundation.tanh(d)))
                worst["sigmoid"] = Swift.max(worst["sigmoid"]!, ulps(VectorMath.sigmoid(v), 1 / (1 + Foundation.exp(-d))))
            }
            x += 0.00137
        }
        for (name, w) in worst { XCTAssertLessThanOrEqual(w, 3, "\(name) (\(M.self))") }
    }

    /// erf and the normal CDF (GELU's factor) within a few ulp; the CDF's lower tail within what
    /// rounding its argument to float32 implies (relative, not lost to cancellation).
    func testErfAndNormalCDF() {
        erfAndNormalCDF(Separate.self)
        erfAndNormalCDF(Fused.self)
    }

    private func erfAndNormalCDF<M: MultiplyAdd>(_: M.Type) {
        typealias VectorMath = VectorMathOf<M>
        var worstErf = 0.0, worstCDF = 0.0
        var x: Float = -12
        while x < 12 {
            for v in [x, x / 1000, x / 1e6] {
                let d = Double(v)
                worstErf = Swift.max(worstErf, ulps(VectorMath.erf(v), Foundation.erf(d)))
                let cdf = 0.5 * Foundation.erfc(-d / 2.0.squareRoot())
                if v >= 0 {
                    worstCDF = Swift.max(worstCDF, ulps(VectorMath.normalCDF(v), cdf))
                } else {   // the lower tail: rounding x/√2 and x² to float32 alone moves Φ by ~x²·2⁻²⁴ relative
                    XCTAssertEqual(Double(VectorMath.normalCDF(v)), cdf, accuracy: (8 + 4 * d * d) * 6e-8 * cdf + 1e-44, "Φ(\(v))")
                }
            }
            x += 0.000731
        }
        XCTAssertLessThanOrEqual(worstErf, 4, "erf (\(M.self))")
        XCTAssertLessThanOrEqual(worstCDF, 4, "normal CDF (\(M.self))")
        XCTAssertEqual(VectorMath.erf(.infinity), 1)
        XCTAssertEqual(VectorMath.erf(-.infinity), -1)
        XCTAssertTrue(VectorMath.erf(.nan).isNaN)
        XCTAssertEqual(VectorMath.normalCDF(-.infinity), 0)
        XCTAssertEqual(VectorMath.normalCDF(.infinity), 1)
    }

    func testSpecialValues() {
        XCTAssertEqual(VectorMath.exp(0), 1)
        XCTAssertEqual(VectorMath.exp(-.infinity), 0)
        XCTAssertEqual(VectorMath.exp(.infinity), .infinity)
        XCTAssertEqual(VectorMath.exp(89), .infinity)          // overflows as expf does
        XCTAssertEqual(VectorMath.exp(-104), 0)
        XCTAssertGreaterThan(VectorMath.exp(-100), 0)          // subnormal, not flushed
        XCTAssertTrue(VectorMath.exp(.nan).isNaN)
        XCTAssertEqual(VectorMath.tanh(.infinity), 1)
        XCTAssertEqual(VectorMath.tanh(-.infinity), -1)
        XCTAssertTrue(VectorMath.tanh(.nan).isNaN)
        XCTAssertEqual(VectorMath.tanh(-0.0).sign, .minus)
        XCTAssertEqual(VectorMath.sigmoid(-200), 0)
        XCTAssertEqual(VectorMath.sigmoid(200), 1)
        XCTAssertTrue(VectorMath.sigmoid(.nan).isNaN)
    }

    /// The ops use them: a float32 tensor agrees with its float64 twin.
    func testTensorOpsUseThem() throws {
        let x = try Tensor.arange(-30, 30, step: 0.06, dtype: .float32)
        let x64 = try x.to(.float64)
        for (f, name) in [({ try $0.exp() }, "exp"), ({ try $0.tanh() }, "tanh"), ({ try $0.sigmoid() }, "sigmoid"), ({ try $0.erf() }, "erf")] as [((Tensor) throws -> Tensor, String)] {
            let a = try f(x).toArray(Double.self), b = try f(x64).toArray(Double.self)
            for (u, v) in zip(a, b) { XCTAssertEqual(u, v, accuracy: 3e-7 * Swift.max(1, Swift.abs(v)), name) }
        }
    }

    /// The AVX2 and AVX-512 loops compute what the fused scalar functions do (whose accuracy the
    /// tests above check), each where the CPU runs it.
    func testWideLoopsAgreeWithTheFusedFunctions() throws {
        guard CPU.kernels >= .avx2 else { throw XCTSkip("this CPU has no AVX2 + FMA") }
        typealias VectorMath = VectorMathOf<Fused>
        var x = (0..<4001).map { Float($0 - 2000) * 0.05 }
        x += [0, -0.0, .infinity, -.infinity, .nan, 1e-30, -1e-30, 88.5, -103]
        var y = [Float](repeating: 0, count: x.count)
        typealias Loop = (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void
        var cases: [(String, Loop, (Float) -> Float)] = [
            ("avx2 exp", GentrainKernelsAVX2.WideKernels.exp, VectorMath.exp), ("avx2 tanh", GentrainKernelsAVX2.WideKernels.tanh, VectorMath.tanh),
            ("avx2 sigmoid", GentrainKernelsAVX2.WideKernels.sigmoid, VectorMath.sigmoid),
            ("avx2 erf", GentrainKernelsAVX2.WideKernels.erf, VectorMath.erf),
            ("avx2 gelu", GentrainKernelsAVX2.WideKernels.gelu, VectorMath.gelu),
            ("avx2 gelu slope", { GentrainKernelsAVX2.WideKernels.geluBackward([Float](repeating: 1, count: $2), $0, $1, $2) }, VectorMath.geluSlope),
            ("avx2 silu", GentrainKernelsAVX2.WideKernels.silu, VectorMath.silu),
            ("avx2 silu slope", { GentrainKernelsAVX2.WideKernels.siluBackward([Float](repeating: 1, count: $2), $0, $1, $2) }, VectorMath.siluSlope)]
        if CPU.kernels == .avx512 {
            cases += [("avx512 exp", GentrainKernelsAVX512.WideKernels.exp, VectorMath.exp),
                      ("avx512 tanh", GentrainKernelsAVX512.WideKernels.tanh, VectorMath.tanh),
                      ("avx512 sigmoid", GentrainKernelsAVX512.WideKernels.sigmoid, VectorMath.sigmoid),
                      ("avx512 erf", GentrainKernelsAVX512.WideKernels.erf, VectorMath.erf),
                      ("avx512 gelu", GentrainKernelsAVX512.WideKernels.gelu, VectorMath.gelu),
                      ("avx512 gelu slope", { GentrainKernelsAVX512.WideKernels.geluBackward([Float](repeating: 1, count: $2), $0, $1, $2) },
                       VectorMath.geluSlope),
                      ("avx512 silu", GentrainKernelsAVX512.WideKernels.silu, VectorMath.silu),
                      ("avx512 silu slope", { GentrainKernelsAVX512.WideKernels.siluBackward([Float](repeating: 1, count: $2), $0, $1, $2) },
                       VectorMath.siluSlope)]
        }
        for (name, loop, scalar) in cases {
            for count in [x.count, 7, 33] {   // vector bodies and remainders
                y = [Float](repeating: 0, count: x.count)
                loop(x, &y, count)
                for (xi, yi) in zip(x.prefix(count), y) {
                    let expected = scalar(xi)
                    if expected.isNaN { XCTAssertTrue(yi.isNaN, "\(name)(\(xi))"); continue }
                    XCTAssertEqual(yi, expected, accuracy: 2 * expected.ulp + 1e-37, "\(name)(\(xi))")
                }
            }
        }
    }
}
