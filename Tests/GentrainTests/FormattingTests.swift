import XCTest
import Gentrain

/// Tensors print as PyTorch prints them (golden `print.json`: PyTorch's repr of each case).
final class FormattingTests: XCTestCase {
    func testDescriptionIsPyTorchsRepr() throws {
        let cases = Golden.json("print.json")["cases"] as! [String: [String: Any]]
        XCTAssertGreaterThan(cases.count, 10)
        for (name, c) in cases.sorted(by: { $0.key < $1.key }) {
            let dtype = DType.allCases.first { "\($0)" == c["dtype"] as! String }!
            // Numbers, or "inf", "-inf", "nan" as strings (JSON has none of them).
            let values = (c["values"] as! [Any]).map { ($0 as? Double) ?? Double($0 as! String)! }
            let t = try Tensor(values, shape: (c["shape"] as! [Double]).map { Int($0) }, dtype: dtype)
            if c["requires_grad"] as! Bool { try t.setRequiresGrad(true) }
            XCTAssertEqual(t.description, c["repr"] as! String, name)
        }
        let x = try Tensor([1, 2] as [Double], shape: [2])
        try x.setRequiresGrad(true)
        let y = try x.mul(2)
        XCTAssertTrue(y.description.hasSuffix("grad_fn=<\(y.gradFn!.name)>)"), y.description)
    }
}
