import XCTest
import Gentrain

/// Autocast from Swift: the policy's dtypes, the weight-cast cache (one cast per parameter per
/// region, dropped when the outermost region ends), and gradients in the inputs' dtypes.
final class AutocastTests: XCTestCase {
    func testPolicyCacheAndGradients() throws {
        let x = try Tensor.randn([3, 5]), w = try Tensor.randn([4, 5])
        try w.setRequiresGrad(true)
        let loss = try Autocast.region {
            let y = try linear(x, w)
            XCTAssertEqual(y.dtype, .bfloat16)
            // The parameter's cast is made once in the region: both products see one tensor.
            let a = try x.matmul(w.t()), b = try x.matmul(w.t())
            XCTAssertEqual(a.dtype, .bfloat16)
            XCTAssertEqual(try a.to(.float64).toArray(Double.self), try b.to(.float64).toArray(Double.self))
            XCTAssertEqual(try Autocast.region(enabled: false) { try x.matmul(w.t()) }.dtype, .float32)
            let l = try mseLoss(y, Tensor.zeros([3, 4]))
            XCTAssertEqual(l.dtype, .float32)
            return l
        }
        XCTAssertFalse(Autocast.isEnabled)
        try loss.backward()
        XCTAssertEqual(w.grad?.dtype, .float32)
        XCTAssertThrowsError(try Autocast.region(dtype: .float32) {})
    }
}
