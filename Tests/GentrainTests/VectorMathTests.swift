import XCTest
@testable import GentrainCore
import CGentrainKernels
import Foundation

/// The activations' float32 math (CGentrainKernels' vector_math.h and activations.c) against
/// float64 libm: the scalar functions as the engine's baseline code compiles them, and the loops
/// in every build this CPU runs (baseline; AVX2 + FMA; AVX-512).
final class VectorMathTests: XCTestCase {
    /// The distance in units in the last place between a float32 result and the exact value.
    private func ulps(_ got: Float, _ exact: Double) -> Double {
        let rounded = Float(exact)
        if got == rounded { return 0 }
        let ulp = Double(rounded.isFinite && rounded != 0 ? rounded.ulp : Float.leastNonzeroMagnitude)
        return Swift.abs(Double(got) - exact) / ulp
    }

    /// The C loops' builds this CPU runs.
    private let levels: [Int32] = [Int32(GT_LEVEL_BASELINE)] + (CPU.kernels >= .avx2 ? [Int32(GT_LEVEL_AVX2)] : [])
        + (CPU.kernels == .avx512 ? [Int32(GT_LEVEL_AVX512)] : [])

    private typealias Loop = (UnsafePointer<Float>?, UnsafeMutablePointer<Float>?, Int, Int32) -> Void

    /// A loop's output for `x`, out of place, and in place on a copy (each must give the same).
    private func run(_ loop: Loop, _ x: [Float], _ level: Int32) -> [Float] {
        var y = [Float](repeating: 0, count: x.count), inPlace = x
        loop(x, &y, x.count, level)
        inPlace.withUnsafeMutableBufferPointer { loop($0.baseAddress, $0.baseAddress, $0.count, level) }
        for (a, b) in zip(y, inPlace) where !(a.isNaN && b.isNaN) { XCTAssertEqual(a, b, "in place") }
        return y
    }

    /// -120 ... 120 in small steps, and the same scaled toward 0.
    private let wide: [Float] = stride(from: Float(-120), to: 120, by: 0.00137).flatMap { [$0, $0 / 1000, $0 / 1e6] }

    func testAgainstDoublePrecisionOverTheWholeRange() {
        let exact: [(String, Loop, (Float) -> Float, (Double) -> Double)] = [
            ("exp", gt_exp_f32, gt_expf, { Foundation.exp($0) }), ("tanh", gt_tanh_f32, gt_tanhf, { Foundation.tanh($0) }),
            ("sigmoid", gt_sigmoid_f32, gt_sigmoidf, { 1 / (1 + Foundation.exp(-$0)) })]
        for (name, loop, scalar, f) in exact {
            var worst = 0.0
            for v in wide { worst = Swift.max(worst, ulps(scalar(v), f(Double(v)))) }
            XCTAssertLessThanOrEqual(worst, 3, "\(name) (scalar)")
            for level in levels {
                let y = run(loop, wide, level)
                worst = zip(wide, y).map { ulps($1, f(Double($0))) }.max()!
                XCTAssertLessThanOrEqual(worst, 3, "\(name) (level \(level))")
            }
        }
    }

    /// erf and GELU's normal CDF within a few ulp; the CDF's lower tail within what rounding its
    /// argument to float32 implies (relative, not lost to cancellation). GELU and SiLU and their
    /// slopes, as the loops compute them, against their float64 values.
    func testErfNormalCDFAndTheActivations() {
        let x = stride(from: Float(-12), to: 12, by: 0.000731).flatMap { [$0, $0 / 1000, $0 / 1e6] }
        let cdf = { (d: Double) in 0.5 * Foundation.erfc(-d / 2.0.squareRoot()) }
        var worstErf = 0.0, worstCDF = 0.0
        for v in x {
            let d = Double(v)
            worstErf = Swift.max(worstErf, ulps(gt_erff(v), Foundation.erf(d)))
            if v >= 0 {
                worstCDF = Swift.max(worstCDF, ulps(gt_normal_cdff(v), cdf(d)))
            } else {   // the lower tail: rounding x/√2 and x² to float32 alone moves Φ by ~x²·2⁻²⁴ relative
                XCTAssertEqual(Double(gt_normal_cdff(v)), cdf(d), accuracy: (8 + 4 * d * d) * 6e-8 * cdf(d) + 1e-44, "Φ(\(v))")
            }
        }
        XCTAssertLessThanOrEqual(worstErf, 4, "erf")
        XCTAssertLessThanOrEqual(worstCDF, 4, "normal CDF")
        let silu = { (d: Double) in d / (1 + Foundation.exp(-d)) }
        let siluSlope = { (d: Double) -> Double in let s = 1 / (1 + Foundation.exp(-d)); return s * (1 + d * (1 - s)) }
        let geluSlope = { (d: Double) in cdf(d) + d * Foundation.exp(-0.5 * d * d) / (2 * Double.pi).squareRoot() }
        let ones = [Float](repeating: 1, count: x.count)
        let slope = { (f: @escaping (UnsafePointer<Float>?, UnsafePointer<Float>?, UnsafeMutablePointer<Float>?, Int, Int32) -> Void) -> Loop in
            { x, y, n, level in ones.withUnsafeBufferPointer { f($0.baseAddress, x, y, n, level) } }
        }
        // GELU's lower tail inherits Φ's (see above).
        let tail = { (d: Double) in d < 0 ? (8 + 4 * d * d) * 6e-8 : 0 }
        // The slopes are sums of two terms that cancel where they cross 0: errors relative to the terms.
        let geluTerms = { (d: Double) in cdf(d) + Swift.abs(d) * Foundation.exp(-0.5 * d * d) / (2 * Double.pi).squareRoot() }
        // (SiLU's 1 − σ(x) is rounded in float32 before x multiplies it: an error of x·ulp(σ).)
        let siluTerms = { (d: Double) -> Double in let s = 1 / (1 + Foundation.exp(-d)); return s * (1 + Swift.abs(d)) }
        // GELU's tanh approximation is x·σ(2u): σ of a rounded 2u moves by |2u|·ulp relative.
        let u2 = { (d: Double) in 1.5957691216057308 * (d + 0.044715 * d * d * d) }
        let sig = { (z: Double) in 1 / (1 + Foundation.exp(-z)) }
        let geluTanh = { (d: Double) in d * sig(u2(d)) }
        let geluTanhSlope = { (d: Double) -> Double in
            let s = sig(u2(d))
            return s + d * s * (1 - s) * 1.5957691216057308 * (1 + 0.134145 * d * d)
        }
        let geluTanhTerms = { (d: Double) -> Double in
            let s = sig(u2(d))
            return s + Swift.abs(d * s * (1 - s) * 1.5957691216057308 * (1 + 0.134145 * d * d))
        }
        let rounded2u = { (d: Double) in 5e-7 + 4 * Swift.abs(u2(d)) * 6e-8 }
        // (name, loop, exact, relative tolerance, the magnitude it is relative to)
        let cases: [(String, Loop, (Double) -> Double, (Double) -> Double, (Double) -> Double)] = [
            ("erf", gt_erf_f32, { Foundation.erf($0) }, { _ in 5e-7 }, { Swift.abs(Foundation.erf($0)) }),
            ("gelu", gt_gelu_f32, { $0 * cdf($0) }, { 5e-7 + tail($0) }, { Swift.abs($0 * cdf($0)) }),
            ("silu", gt_silu_f32, silu, { _ in 5e-7 }, { Swift.abs(silu($0)) }),
            ("gelu tanh", gt_gelu_tanh_f32, geluTanh, rounded2u, { Swift.abs(geluTanh($0)) }),
            ("gelu tanh slope", slope(gt_gelu_tanh_backward_f32), geluTanhSlope, rounded2u, geluTanhTerms),
            ("gelu slope", slope(gt_gelu_backward_f32), geluSlope, { 5e-7 + tail($0) }, geluTerms),
            ("silu slope", slope(gt_silu_backward_f32), siluSlope, { _ in 5e-7 }, siluTerms)]
        for (name, loop, f, tolerance, magnitude) in cases {
            for level in levels {
                for (v, y) in zip(x, name.hasSuffix("slope") ? slopeRun(loop, x, level) : run(loop, x, level)) {
                    let d = Double(v), e = f(d)
                    XCTAssertEqual(Double(y), e, accuracy: tolerance(d) * magnitude(d) + 1e-37, "\(name)(\(v)) level \(level)")
                }
            }
        }
    }

    /// A slope loop writes a third buffer (no in-place form).
    private func slopeRun(_ loop: Loop, _ x: [Float], _ level: Int32) -> [Float] {
        var y = [Float](repeating: 0, count: x.count)
        loop(x, &y, x.count, level)
        return y
    }

    func testSpecialValuesAndRemainders() {
        XCTAssertEqual(gt_expf(0), 1)
        XCTAssertEqual(gt_expf(-.infinity), 0)
        XCTAssertEqual(gt_expf(.infinity), .infinity)
        XCTAssertEqual(gt_expf(89), .infinity)          // overflows as expf does
        XCTAssertEqual(gt_expf(-104), 0)
        XCTAssertGreaterThan(gt_expf(-100), 0)          // subnormal, not flushed
        XCTAssertTrue(gt_expf(.nan).isNaN)
        XCTAssertEqual(gt_tanhf(.infinity), 1)
        XCTAssertEqual(gt_tanhf(-.infinity), -1)
        XCTAssertTrue(gt_tanhf(.nan).isNaN)
        XCTAssertEqual(gt_tanhf(-0.0).sign, .minus)
        XCTAssertEqual(gt_sigmoidf(-200), 0)
        XCTAssertEqual(gt_sigmoidf(200), 1)
        XCTAssertTrue(gt_sigmoidf(.nan).isNaN)
        XCTAssertEqual(gt_erff(.infinity), 1)
        XCTAssertEqual(gt_erff(-.infinity), -1)
        XCTAssertTrue(gt_erff(.nan).isNaN)
        XCTAssertEqual(gt_normal_cdff(-.infinity), 0)
        XCTAssertEqual(gt_normal_cdff(.infinity), 1)
        // Every build gives the scalar function's special values, in vector bodies and remainders.
        let specials: [Float] = [0, -0.0, .infinity, -.infinity, .nan, 1e-30, -1e-30, 88.5, -103, 3]
        for (loop, scalar) in [(gt_exp_f32, gt_expf), (gt_tanh_f32, gt_tanhf), (gt_sigmoid_f32, gt_sigmoidf),
                               (gt_erf_f32, gt_erff), (gt_gelu_f32, gt_geluf), (gt_silu_f32, gt_siluf)] as [(Loop, (Float) -> Float)] {
            for level in levels {
                for count in [specials.count, 7, 33] {
                    let x = (0..<count).map { specials[$0 % specials.count] }
                    for (v, y) in zip(x, run(loop, x, level)) {
                        let e = scalar(v)
                        if e.isNaN { XCTAssertTrue(y.isNaN, "\(v)") } else { XCTAssertEqual(y, e, accuracy: 4 * e.ulp + 1e-37, "\(v)") }
                    }
                }
            }
        }
    }

    /// The ops use them: a float32 tensor agrees with its float64 twin.
    func testTensorOpsUseThem() throws {
        let x = try Tensor.arange(-30, 30, step: 0.06, dtype: .float32)
        let x64 = try x.to(.float64)
        for (f, name) in [({ try $0.exp() }, "exp"), ({ try $0.tanh() }, "tanh"), ({ try $0.sigmoid() }, "sigmoid"),
                          ({ try $0.erf() }, "erf")] as [((Tensor) throws -> Tensor, String)] {
            let a = try f(x).toArray(Double.self), b = try f(x64).toArray(Double.self)
            for (u, v) in zip(a, b) { XCTAssertEqual(u, v, accuracy: 3e-7 * Swift.max(1, Swift.abs(v)), name) }
        }
    }
}
