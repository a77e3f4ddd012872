import XCTest
import Gentrain

/// In-place ops under autograd: history taken over, version counters, and PyTorch's refusals.
final class InPlaceTests: XCTestCase {
    private func leaf(_ shape: [Int], seed: UInt64) throws -> Tensor {
        let t = try Tensor.randn(shape, dtype: .float64, generator: Generator(seed: seed))
        try t.setRequiresGrad(true)
        return t
    }

    private func grads(_ loss: Tensor, _ inputs: [Tensor]) throws -> [[Double]] {
        try Autograd.grad(outputs: [loss], inputs: inputs, retainGraph: true).map { try values($0) }
    }

    func testInPlaceOpsGiveTheOutOfPlaceGradients() throws {
        let x = try leaf([3, 4], seed: 1), y = try leaf([4], seed: 2), w = try leaf([3, 4], seed: 3)
        // h = clamp((x·2 + y) · y / 3 − y, −1, 1), then masked where x > 0.5, written in place step by step.
        let h = try x.mul(2)
        try h.add_(y).mul_(y).div_(Tensor.scalar(3, dtype: .float64)).sub_(y).clamp_(min: -1, max: 1)
        try h.maskedFill_(x.gt(0.5), 0.25)
        let expected = try Tensor.where(x.gt(0.5), Tensor.scalar(0.25, dtype: .float64),
                                        x.mul(2).add(y).mul(y).div(3).sub(y).clamp(min: -1, max: 1))
        XCTAssertEqual(try values(h), try values(expected))
        XCTAssertEqual(try grads((h * w).sum(), [x, y, w]), try grads((expected * w).sum(), [x, y, w]))
        XCTAssertGreaterThan(h.version, 0)
    }

    /// `addInPlace` into a strided view (every third column, the middle rows) writes exactly
    /// the view's elements, for each dtype path (float32 and float64 in place, bfloat16 through
    /// float32) and with a scale.
    func testAddInPlaceIntoAStridedView() throws {
        for (dtype, alpha) in [(DType.float32, 1.0), (.float64, 1.0), (.float32, -2.0), (.bfloat16, 1.0)] {
            let base = try Tensor.zeros([4, 8], dtype: dtype)
            let view = try base.slice(1, step: 3).narrow(0, start: 1, length: 2)   // [2, 3], strides [8, 3]
            try view.addInPlace(try Tensor((1...6).map(Double.init), shape: [2, 3], dtype: dtype), alpha: alpha)
            var expected = [Double](repeating: 0, count: 32)
            for (i, r) in [1, 2].enumerated() { for (j, c) in [0, 3, 6].enumerated() { expected[r * 8 + c] = alpha * Double(i * 3 + j + 1) } }
            XCTAssertEqual(try base.toArray(Double.self), expected, "\(dtype), alpha \(alpha)")
        }
        XCTAssertThrowsError(try Tensor.zeros([2, 3]).addInPlace(try Tensor.zeros([3, 2])))
        // An expanded view: its three elements are one memory location.
        XCTAssertThrowsError(try Tensor.zeros([1]).expand([3]).addInPlace(try Tensor.ones([3])))
    }

    func testAssignmentIntoAViewIsRecordedOnTheBase() throws {
        let v = try leaf([4], seed: 4), w = try leaf([3, 4], seed: 5)
        let out = try Tensor.zeros([3, 4], dtype: .float64)
        try out.assign_(view: out.select(0, 1), v)            // out[1] = v
        try out.assign_(view: out.slice(1, start: 0, end: 4, step: 3), v.sum())  // out[:, ::3] = v.sum()
        XCTAssertTrue(out.requiresGrad)
        let g = try grads((out * w).sum(), [v])[0]
        let wv = try values(w)
        // v's elements reach out[1, 1] and out[1, 2] alone; out[1, 0] and out[1, 3] were overwritten
        // by v.sum(), which reaches column 0 and 3 of every row.
        var sumPart = 0.0
        for row in 0..<3 { sumPart += wv[row * 4] + wv[row * 4 + 3] }
        assertClose(g, [sumPart, wv[5] + sumPart, wv[6] + sumPart, sumPart], atol: 1e-12, rtol: 1e-12, "d/dv")
        // An infinite old value inside the region is replaced, not kept as inf · 0 = NaN.
        let inf = try Tensor([1, .infinity, 3] as [Double])
        try inf.assign_(view: inf.slice(0, start: 1, end: 2), Tensor.scalar(7, dtype: .float64).mul(v.sum().mul(0).add(1)))
        XCTAssertEqual(try values(inf), [1, 7, 3])
        // Second order through the assignment: d/dv of Σ (out · w)² is 2·(out·w) routed the same way.
        let gg = try Autograd.grad(outputs: [try (out * w).square().sum()], inputs: [v], createGraph: true)[0]
        XCTAssertNotNil(try Autograd.grad(outputs: [gg.sum()], inputs: [v])[0])
    }

    func testAWriteToASavedTensorIsAnErrorAtBackward() throws {
        let x = try leaf([3], seed: 6), w = try leaf([3], seed: 7)
        let a = try x.add(1)            // not a leaf: may be written in place
        let y = try (a * w).sum()       // MulBackward reads a
        try a.add_(Tensor.scalar(1, dtype: .float64))
        XCTAssertThrowsError(try y.backward()) { error in
            XCTAssertTrue("\(error)".contains("modified by an inplace operation"), "\(error)")
        }
        // An op that reads no values (add) does not mind.
        let b = try x.add(1), z = try (b + w).sum()
        try b.mul_(Tensor.scalar(2, dtype: .float64))
        XCTAssertNoThrow(try z.backward())
    }

    func testAnOptimizerStepBetweenForwardAndBackwardIsAnError() throws {
        let layer = try Linear(3, 2)
        let opt = try SGD(layer.parameters(), lr: 0.1)
        let loss = try layer(Tensor.randn([4, 3])).sum()
        try loss.backward(retainGraph: true)
        try opt.step()   // writes the weight LinearBackward saved
        XCTAssertThrowsError(try loss.backward()) { error in
            XCTAssertTrue("\(error)".contains("modified by an inplace operation"), "\(error)")
        }
    }

    func testAWriteToAViewIsRecordedOnItsBase() throws {
        let x = try leaf([3], seed: 8), y = try leaf([2], seed: 9)
        let h = try x.mul(2), view = try h.slice(0, start: 0, end: 2)
        try view.mul_(y)                                     // h[:2] *= y
        let g = try grads(h.square().sum(), [x, y])
        let expected = try x.mul(2).mul(Tensor.cat([y, Tensor.ones([1], dtype: .float64)], dim: 0))
        XCTAssertEqual(try values(h), try values(expected))
        XCTAssertEqual(g, try grads(expected.square().sum(), [x, y]))
        XCTAssertEqual(try grads(view.sum(), [y]), try grads(x.slice(0, start: 0, end: 2).mul(2).mul(y).sum(), [y]))
    }

    func testAnOperandThatIsTheTensorItselfOrItsView() throws {
        let x = try leaf([4], seed: 10)
        weak var node: Node?
        do {
            let h = try x.mul(1)
            try h.mul_(h)                                    // h = x²
            try h.add_(h.slice(0, start: 0, end: 4))         // h = 2x², through a view of itself
            node = h.gradFn
            XCTAssertEqual(try grads(h.sum(), [x])[0], try values(x.mul(4)))
        }
        XCTAssertNil(node, "the write's node holds the tensor whose history it is (a reference cycle)")
        // An operand whose history saved the tensor: refused (its backward could not run anyway).
        let t = try x.mul(1)
        XCTAssertThrowsError(try t.div_(t.mul(t)))
    }

    func testLeavesAndCastsAreRefused() throws {
        let x = try leaf([3], seed: 8)
        XCTAssertThrowsError(try x.add_(Tensor.scalar(1, dtype: .float64)))
        XCTAssertThrowsError(try x.slice(0, start: 0, end: 2).add_(Tensor.scalar(1, dtype: .float64)))   // a view of a leaf
        try withNoGrad { try x.add_(Tensor.scalar(1, dtype: .float64)) }   // allowed under no_grad
        XCTAssertThrowsError(try Tensor.zeros([2], dtype: .int64).add_(Tensor.scalar(0.5, dtype: .float64)))
        XCTAssertThrowsError(try Tensor.zeros([2]).add_(Tensor.zeros([3, 2])))
    }
}
