import XCTest
@testable import GentrainCore

/// Work the engine leaves out: gradients `grad()` was not asked for, and backward functions whose
/// incoming gradients are all known zeros (relu's double backward into the forward graph).
final class GradientPruningTests: XCTestCase {
    private func leaf(_ shape: [Int], seed: UInt64) throws -> Tensor {
        let t = try Tensor.randn(shape, dtype: .float64, generator: Generator(seed: seed))
        try t.setRequiresGrad(true)
        return t
    }

    /// An identity op that records which gradients its backward was asked for, and counts its runs.
    private final class Probe {
        var runs = 0
        var asked: [Bool] = []

        func apply(_ a: Tensor, _ b: Tensor) throws -> Tensor {
            try record(try withNoGrad { try a + b }, "ProbeBackward", a, b) { node, g in
                self.runs += 1
                self.asked = [node.needsInputGrad(0), node.needsInputGrad(1)]
                return Grads(node.needsInputGrad(0) ? g : nil, node.needsInputGrad(1) ? g : nil)
            }
        }
    }

    func testGradAsksOnlyForTheWantedLeaves() throws {
        let x = try leaf([3], seed: 1), w = try leaf([3], seed: 2)
        let probe = Probe()
        _ = try Autograd.grad(outputs: [try probe.apply(x, w).sum()], inputs: [x])
        XCTAssertEqual(probe.asked, [true, false])
        _ = try Autograd.grad(outputs: [try probe.apply(x, w).sum()], inputs: [w])
        XCTAssertEqual(probe.asked, [false, true])
        try probe.apply(x, w).sum().backward()
        XCTAssertEqual(probe.asked, [true, true])
        XCTAssertEqual(try values(w.grad), [1, 1, 1])
    }

    /// A ReLU network's gradient penalty: the derivative of relu's first-order gradient with
    /// respect to relu's input is a known zero, so the forward graph below it does not run
    /// backward again; the results equal those with the ReLU mask held constant.
    func testKnownZerosSkipTheForwardGraph() throws {
        let x = try leaf([4, 3], seed: 3), w = try leaf([3, 5], seed: 4), v = try leaf([5], seed: 5)
        let zero = try Tensor.zeros([4, 3], dtype: .float64)
        let probe = Probe()
        let pre = try probe.apply(x, zero).matmul(w)                         // [4, 5]
        let out = try (pre.relu() * v).sum()
        let g = try Autograd.grad(outputs: [out], inputs: [x], createGraph: true)[0]   // [4, 3]
        XCTAssertEqual(probe.runs, 1)
        let penalty = try g.square().sum()
        let grads = try Autograd.grad(outputs: [penalty], inputs: [x, w, v], retainGraph: true)
        XCTAssertEqual(probe.runs, 1, "the forward graph ran backward on zeros")
        XCTAssertEqual(try values(grads[0]), Array(repeating: 0, count: 12))
        XCTAssertFalse(grads[0].isKnownZero)
        XCTAssertTrue(grads[0].isContiguous)

        // The same penalty with the mask as a constant.
        let mask = try withNoGrad { try pre.relu().sign() }
        let gConst = try (mask * v).matmul(w.t())
        let expected = try Autograd.grad(outputs: [try gConst.square().sum()], inputs: [w, v])
        assertClose(try values(grads[1]), try values(expected[0]), atol: 1e-12, rtol: 1e-12, "dpenalty/dw")
        assertClose(try values(grads[2]), try values(expected[1]), atol: 1e-12, rtol: 1e-12, "dpenalty/dv")

        // backward(): x's .grad is a dense zero tensor, and later passes add into it.
        try penalty.backward()
        XCTAssertEqual(probe.runs, 1)
        XCTAssertEqual(try values(x.grad), Array(repeating: 0, count: 12))
        XCTAssertFalse(x.grad!.isKnownZero)
        try (x * 2).sum().backward()
        XCTAssertEqual(try values(x.grad), Array(repeating: 2, count: 12))
        assertClose(try values(w.grad), try values(expected[0]), atol: 1e-12, rtol: 1e-12, "w.grad")
    }

    func testAHostsBackwardRunsOnZeros() throws {
        // A custom op (a host's backward) is called even when its gradient is a known zero.
        let x = try leaf([2, 2], seed: 6), w = try leaf([2, 2], seed: 7)
        var calls = 0
        let h = try customOp("Host", [x], forward: { try $0[0] * 1 }, backward: { _, _, g in calls += 1; return [g] })
        let g = try Autograd.grad(outputs: [try h.matmul(w).relu().sum()], inputs: [x], createGraph: true)[0]
        XCTAssertEqual(calls, 1)
        let grads = try Autograd.grad(outputs: [try g.square().sum()], inputs: [x, w])
        XCTAssertEqual(calls, 2)
        XCTAssertEqual(try values(grads[0]), [0, 0, 0, 0])
    }
}
