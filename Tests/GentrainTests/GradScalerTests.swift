import XCTest
import Gentrain

/// GradScaler from Swift, against PyTorch's run in Golden/grad_scaler.json: 40 iterations with
/// infinities and NaNs injected, two optimizers, unscale_ by hand on some steps.
final class GradScalerTests: XCTestCase {
    func testMatchesPyTorch() throws {
        let g = Golden.json("grad_scaler.json")
        func floats(_ v: Any) -> [Double] { (v as! [Any]).map { $0 as! Double } }
        let p = try Tensor(floats(g["p0"]!), dtype: .float32), q = try Tensor(floats(g["q0"]!), dtype: .float32)
        try p.setRequiresGrad(true)
        try q.setRequiresGrad(true)
        let optP = try SGD([p], lr: 0.1), optQ = try SGD([q], lr: 0.05, momentum: 0.9)
        let scaler = try GradScaler(initScale: 1024, growthFactor: 2, backoffFactor: 0.5, growthInterval: 3)
        var bad: [Int: (String, Double)] = [:]
        for entry in g["bad"] as! [[Any]] {
            bad[Int(entry[0] as! Double)] = (entry[1] as! String, Double(entry[2] as! String)!)
        }
        let unscaleFirst = Set((g["unscale_first"] as! [Any]).map { Int($0 as! Double) })
        for (i, (grads, expected)) in zip(g["grads"] as! [[Any]], g["steps"] as! [[String: Any]]).enumerated() {
            let gp = try Tensor(floats(grads[0]), dtype: .float32), gq = try Tensor(floats(grads[1]), dtype: .float32)
            try scaler.scale(p.mul(gp).sum().add(q.mul(gq).sum())).backward()
            if let (which, value) = bad[i] {
                for (name, param, index) in [("p", p, 1), ("q", q, 0)] where which == name || which == "both" {
                    var values = try param.grad!.toArray(Float.self)
                    values[index] = Float(value)
                    param.grad = try Tensor(values.map(Double.init), dtype: .float32)
                }
            }
            if unscaleFirst.contains(i) { try scaler.unscale_(optP) }
            try scaler.step(optP)
            try scaler.step(optQ)
            try scaler.update()
            XCTAssertEqual(scaler.currentScale, expected["scale"] as! Double, "scale after step \(i)")
            XCTAssertEqual(Double(scaler.currentGrowthTracker), expected["tracker"] as! Double, "tracker after step \(i)")
            assertClose(try p.toArray(Float.self).map(Double.init), floats(expected["p"]!), atol: 1e-6, rtol: 1e-6, "p after step \(i)")
            assertClose(try q.toArray(Float.self).map(Double.init), floats(expected["q"]!), atol: 1e-6, rtol: 1e-6, "q after step \(i)")
            try optP.zeroGrad()
            try optQ.zeroGrad()
        }
    }
}
