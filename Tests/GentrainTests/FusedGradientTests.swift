import XCTest
import Gentrain

/// The ops whose first-order gradient is a fused kernel (`fusedGradient`) and whose gradient under
/// create_graph is composed of differentiable ops: both writings of each derivative agree, in
/// float32 (the wide kernels of this CPU) and float64.
final class FusedGradientTests: XCTestCase {
    private let ops: [(String, (Tensor) throws -> Tensor)] = [
        ("tanh", { try $0.tanh() }), ("sigmoid", { try $0.sigmoid() }), ("silu", { try $0.silu() }),
        ("gelu", { try $0.gelu() }), ("gelu tanh", { try $0.gelu(approximate: .tanh) }),
    ]

    func testFusedAndComposedGradientsAgree() throws {
        // Enough elements for the wide kernels' main loops and their tails; values over [-8, 8].
        let values = (0..<203).map { Double($0) / 202 * 16 - 8 }
        for dtype in [DType.float32, .float64] {
            for (name, op) in ops {
                let x = try Tensor(values, shape: [values.count], dtype: dtype)
                try x.setRequiresGrad(true)
                let w = try Tensor((0..<values.count).map { 0.5 + Double($0 % 7) / 7 }, shape: [values.count], dtype: dtype)
                let fused = try Autograd.grad(outputs: [op(x).mul(w).sum()], inputs: [x])[0]
                let composed = try Autograd.grad(outputs: [op(x).mul(w).sum()], inputs: [x], createGraph: true)[0]
                let a = try fused.to(.float64).toArray(Double.self), b = try composed.to(.float64).toArray(Double.self)
                let tolerance = dtype == .float32 ? 2e-6 : 1e-13
                for i in 0..<a.count {
                    XCTAssertEqual(a[i], b[i], accuracy: tolerance * max(1, abs(b[i])), "\(name) [\(dtype)] at x = \(values[i])")
                }
            }
        }
    }
}
