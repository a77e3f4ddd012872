import XCTest
import Gentrain

/// Every op of the golden table, checked against PyTorch (float64 and float32, values,
/// gradients and second-order gradients) and against float64 central differences
/// (first and second order).
final class OpGradientTests: XCTestCase {
    func testEveryGoldenCaseHasAnOp() {
        let cases = Set(Golden.cases.map(\.name))
        XCTAssertEqual(cases.subtracting(opTable.keys), [], "golden cases without an op")
        XCTAssertEqual(Set(handWrittenOps.keys).subtracting(cases), [], "hand-written ops without a golden case")
    }

    func testAgainstPyTorchFloat64() throws {
        try compareWithPyTorch(.float64, atol: 1e-10, rtol: 1e-8)
    }

    func testAgainstPyTorchFloat32() throws {
        try compareWithPyTorch(.float32, atol: 2e-5, rtol: 2e-4)
    }

    private func compareWithPyTorch(_ dtype: DType, atol: Double, rtol: Double) throws {
        for c in Golden.cases {
            let f = try XCTUnwrap(opTable[c.name], c.name)
            let inputs = try c.inputs.map { try $0.tensor(dtype) }
            let w = try c.w.tensor(dtype), v = try c.v.map { try $0.tensor(dtype) }
            let out = try f(inputs)
            XCTAssertEqual(out.shape, c.output.shape, "\(c.name) shape")
            assertClose(try values(out), c.output.data, atol: atol, rtol: rtol, "\(c.name) [\(dtype)] output")
            let grads = try firstOrder(f, inputs, w)
            for (i, (g, e)) in zip(grads, c.grads).enumerated() {
                XCTAssertEqual(g.dtype, dtype, "\(c.name) grad dtype")
                assertClose(try values(g), e.data, atol: atol, rtol: rtol, "\(c.name) [\(dtype)] grad \(i)")
            }
            let gg = try secondOrder(f, inputs, w, v)
            for (i, (g, e)) in zip(gg, c.gradGrads).enumerated() {
                assertClose(try values(g), e.data, atol: atol * 10, rtol: rtol * 10, "\(c.name) [\(dtype)] grad-grad \(i)")
            }
        }
    }

    func testFirstOrderByCentralDifferences() throws {
        for c in Golden.cases {
            let f = opTable[c.name]!
            let inputs = try c.inputs.map { try $0.tensor(.float64) }
            let w = try c.w.tensor(.float64)
            let analytic = try firstOrder(f, inputs, w)
            var k = 0
            for (i, x) in inputs.enumerated() where x.requiresGrad {
                let numeric = try numericGradient(inputs, i) { xs in try weightedSum(f(xs), w).item() }
                assertClose(try values(analytic[k]), numeric, atol: 1e-6, rtol: 1e-5, "\(c.name) d/dx\(i)")
                k += 1
            }
        }
    }

    func testSecondOrderByCentralDifferences() throws {
        for c in Golden.cases {
            let f = opTable[c.name]!
            let inputs = try c.inputs.map { try $0.tensor(.float64) }
            let w = try c.w.tensor(.float64), v = try c.v.map { try $0.tensor(.float64) }
            try assertSecondOrderMatchesCentralDifferences(f, inputs, w, v, atol: 1e-5, rtol: 1e-4, c.name)
        }
    }
}
