import XCTest
import Gentrain

/// The autograd engine's behaviour: accumulation, graph lifetime, grad mode, and its errors.
final class AutogradTests: XCTestCase {
    private func leaf(_ v: [Double], _ shape: [Int]? = nil) throws -> Tensor {
        let t = try Tensor(v, shape: shape, dtype: .float64)
        try t.setRequiresGrad(true)
        return t
    }

    /// A graph as deep as a long unrolled loop is freed (and differentiated) without recursion: each
    /// node freed inside its consumer's deinit overflowed the stack at 100,000 ops (debug build) or 200,000 (release).
    func testAVeryDeepGraphIsFreedWithoutOverflowingTheStack() throws {
        let a = try Tensor([1] as [Float]), w = try Tensor([1] as [Float])
        try a.setRequiresGrad(true)
        try w.setRequiresGrad(true)
        var x = a
        for i in 0..<100_000 { x = i % 2 == 0 ? try x.add(1) : try x.mul(w).tanh() }   // ops that save tensors, and one that does not
        try x.sum().backward()
        XCTAssertNotNil(a.grad)
        x = a   // the last reference to the chain's end
        XCTAssertEqual(try x.toArray(Float.self), [1])
    }

    /// The first `NodeRemains.inlineDepth` levels of a freed graph are freed recursively: on a
    /// thread with a 512 KB stack (a small one for a host's thread), a graph kept whole (backward
    /// never ran: its backward functions still hold the tensors they saved) is freed without a crash.
    func testADeepGraphIsFreedOnAThreadWithASmallStack() throws {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var failure: Error?
        let thread = Thread {
            defer { done.signal() }
            do {
                let a = try Tensor([1] as [Float]), w = try Tensor([1] as [Float])
                try a.setRequiresGrad(true)
                try w.setRequiresGrad(true)
                var x = a
                for i in 0..<20_000 { x = i % 2 == 0 ? try x.add(1) : try x.mul(w).tanh() }
                x = a
            } catch { failure = error }
        }
        thread.stackSize = 512 << 10
        thread.start()
        done.wait()
        XCTAssertNil(failure)
    }

    func testBackwardAccumulatesIntoLeaves() throws {
        let x = try leaf([1, 2, 3])
        let y = try (x * x).sum()
        try Autograd.backward([y], retainGraph: true)
        XCTAssertEqual(try values(x.grad), [2, 4, 6])
        try Autograd.backward([y])
        XCTAssertEqual(try values(x.grad), [4, 8, 12])
        // The graph is freed now: a third backward is an error, not a crash.
        XCTAssertThrowsError(try Autograd.backward([y])) { XCTAssertEqual(($0 as! GentrainError).kind, .autograd) }
    }

    /// A leaf's own backward with a gradient that has a history adds it into `.grad` without
    /// recording (grad mode is the pass's `create_graph` from the first delivery on, as PyTorch's
    /// AccumulateGrad): recorded, `.grad` referred back to the leaf, a cycle that leaked.
    func testSeedsDeliveredToALeafRootRecordNothing() throws {
        let x = try leaf([1, 2, 3])
        let shared = try Tensor.ones([3])
        x.grad = shared.detach()   // its storage shared, so the delivery adds out of place
        weak var node: Node?
        do {
            let g = try x * 2
            try x.backward(g)
            node = g.gradFn
        }
        XCTAssertEqual(try values(x.grad), [3, 5, 7])
        XCTAssertNil(x.grad?.gradFn)
        XCTAssertFalse(x.grad!.requiresGrad)
        XCTAssertNil(node, "the gradient's graph outlived it: .grad holds a history")
    }

    func testGradientsOfFanOutAndBroadcast() throws {
        let a = try leaf([1, 2, 3], [3, 1]), b = try leaf([10, 20])
        let y = try (a * b + a).sum()
        try Autograd.backward([y])
        XCTAssertEqual(try values(a.grad), [32, 32, 32])   // Σ_j (b_j + 1)
        XCTAssertEqual(try values(b.grad), [6, 6])
        XCTAssertEqual(a.grad?.shape, [3, 1])
    }

    /// Several slices of one tensor (overlapping, strided, along either dimension): the second and
    /// later slices' gradients are added into the first one's buffer in place; with a fan-out that
    /// hands the same gradient to a leaf's `.grad` as well, that buffer is not written (the leaf's
    /// gradient would change with it). Both against central differences.
    func testGradientsOfSeveralSlicesOfOneTensor() throws {
        let x = try Tensor((0..<24).map { Double($0) / 10 - 1 }, shape: [3, 8], dtype: .float64)
        let w = try Tensor((0..<24).map { Double($0 % 5) / 4 }, shape: [3, 8], dtype: .float64)
        for fanOut in [false, true] {
            func loss(_ t: [Tensor]) throws -> Tensor {
                let y = try t[0] * t[0]
                var l = try (y.slice(1, end: 3) * 2).sum() + y.slice(1, start: 3).sin().sum()
                l = try l + y.slice(1, step: 3).pow(2).sum() + y.narrow(0, start: 1, length: 2).sum() * 3
                return fanOut ? try l + (t[1] + y).pow(2).sum() : l
            }
            let inputs = [try x.detach().requiringGrad(), try w.detach().requiringGrad()]
            try loss(inputs).backward()
            for i in 0..<(fanOut ? 2 : 1) {
                let numeric = try numericGradient(inputs, i) { try loss($0).item() }
                assertClose(try values(inputs[i].grad), numeric, atol: 1e-8, rtol: 1e-7, "fan-out \(fanOut): d/dx\(i)")
            }
        }
    }

    func testGradDoesNotTouchDotGrad() throws {
        let x = try leaf([1, 2]), z = try leaf([5])
        let y = try (x * 3).sum()
        let g = try Autograd.grad(outputs: [y], inputs: [x, z], allowUnused: true)
        XCTAssertEqual(try values(g[0]), [3, 3])
        XCTAssertNil(g[1])
        XCTAssertNil(x.grad)
        let y2 = try (x * 3).sum()
        XCTAssertThrowsError(try Autograd.grad(outputs: [y2], inputs: [z]))
    }

    func testGradWithRespectToAnIntermediate() throws {
        let x = try leaf([1, 2])
        let h = try x.exp()
        let y = try (h * h).sum()
        let g = try Autograd.grad(outputs: [y], inputs: [h])[0]
        assertClose(try values(g), [2 * Foundation.exp(1), 2 * Foundation.exp(2)], atol: 1e-12, rtol: 1e-12, "dy/dh")
    }

    func testNoGradAndDetach() throws {
        let x = try leaf([1, 2])
        let y = try withNoGrad { try x * 2 }
        XCTAssertFalse(y.requiresGrad)
        XCTAssertTrue(GradMode.isEnabled)
        XCTAssertFalse(try x.detach().mul(2).requiresGrad)
        XCTAssertThrowsError(try Autograd.backward([y]))
    }

    func testErrorsNameTheProblem() throws {
        let x = try leaf([1, 2])
        XCTAssertThrowsError(try Autograd.backward([x * 2])) { e in
            XCTAssertTrue((e as! GentrainError).message.contains("scalar outputs"))
        }
        XCTAssertThrowsError(try Tensor([1] as [Int64]).setRequiresGrad(true))
        XCTAssertThrowsError(try (x * 2).setRequiresGrad(false))
        XCTAssertThrowsError(try x.zero_())   // in-place on a leaf that requires grad
        try withNoGrad { try x.mulInPlace(2) }
        XCTAssertEqual(try values(x), [2, 4])
    }

    func testDoubleBackwardThroughBackward() throws {
        // d/dx (d/dx x³)² = d/dx 9x⁴ = 36x³
        let x = try leaf([2])
        let g = try Autograd.grad(outputs: [x.pow(3).sum()], inputs: [x], createGraph: true)[0]
        try Autograd.backward([g.pow(2).sum()])
        XCTAssertEqual(try x.grad!.item(), 288, accuracy: 1e-9)
    }

    func testGradOutputsAndSeveralRoots() throws {
        let x = try leaf([1, 2])
        let y1 = try x * 2, y2 = try x * x
        try Autograd.backward([y1, y2], gradTensors: [Tensor([1, 1] as [Double]), Tensor([0.5, 1] as [Double])])
        XCTAssertEqual(try values(x.grad), [3, 6])
    }

    func testModulesAndDropout() throws {
        let model = try Sequential([Linear(3, 4), ReLU(), Linear(4, 2, bias: false)])
        XCTAssertEqual(model.namedParameters().map(\.0), ["0.weight", "0.bias", "2.weight"])
        let w = model.parameters()[0]
        let bound = 1 / Double(3).squareRoot()
        XCTAssertTrue(try values(w).allSatisfy { abs($0) <= bound })
        model.eval()
        XCTAssertFalse(model.namedChildren[0].1.training)
        let x = try Tensor.ones([100, 100])
        XCTAssertTrue(try x.dropout(p: 0.5, training: false) === x)
        let d = try x.dropout(p: 0.5, generator: Generator(seed: 3)).toArray(Float.self)
        XCTAssertTrue(d.allSatisfy { $0 == 0 || $0 == 2 })
        XCTAssertEqual(Double(d.filter { $0 == 0 }.count) / 10000, 0.5, accuracy: 0.03)
        try model.requiresGrad_(false)
        XCTAssertFalse(w.requiresGrad)
    }

    func testCrossEntropyEdgeCases() throws {
        let logits = try leaf([1, 2, 3, 4, 5, 6], [2, 3])
        let allIgnored = try crossEntropy(logits, Tensor([-100, -100] as [Int64]))
        XCTAssertTrue(try allIgnored.item().isNaN)
        XCTAssertThrowsError(try crossEntropy(logits, Tensor([3, 0] as [Int64])))
        XCTAssertThrowsError(try crossEntropy(logits, Tensor([1.0, 0.0] as [Double])))
        XCTAssertEqual(try crossEntropy(logits, Tensor([0, 5] as [Int64]), ignoreIndex: 5, reduction: .sum).item(),
                       2.40760596444438, accuracy: 1e-12)
    }

    /// Cross-entropy's gradient computed directly (no graph recorded) equals the one composed of
    /// ops (create_graph), for weights, label smoothing, ignored rows and every reduction.
    func testCrossEntropyGradientWithAndWithoutAGraph() throws {
        let targets = try Tensor([2, 0, 4, 1, 3, 2] as [Int64])
        let weight = try Tensor([0.5, 1, 2, 1.5, 0.25] as [Double])
        for dtype in [DType.float64, .float32] {
            let x = try Tensor.randn([6, 5], dtype: dtype, generator: Generator(seed: 11))
            try x.setRequiresGrad(true)
            for reduction in [Reduction.mean, .sum, .none] {
                for (w, ignore, smoothing) in [(nil, -100, 0.0), (weight, 4, 0.0), (nil, 2, 0.2), (weight, -100, 0.1)] {
                    let loss = { try crossEntropy(x, targets, weight: w?.to(dtype), ignoreIndex: ignore, reduction: reduction,
                                                  labelSmoothing: smoothing).mul(Tensor.arange(1, reduction == .none ? 7 : 2, dtype: dtype)).sum() }
                    let direct = try Autograd.grad(outputs: [try loss()], inputs: [x])[0]
                    let composed = try Autograd.grad(outputs: [try loss()], inputs: [x], createGraph: true)[0]
                    let tol = dtype == .float64 ? 1e-14 : 1e-6
                    assertClose(try values(direct), try values(composed), atol: tol, rtol: tol, "\(dtype) \(reduction) ignore \(ignore) smoothing \(smoothing)")
                }
            }
        }
    }
}

extension AutogradTests {
    /// y = x³ with a hand-written backward 3x²·g.
    private func cube(_ x: Tensor) throws -> Tensor {
        try customOp("cube", [x], forward: { try $0[0].pow(3) }, backward: { inputs, _, g in
            [try inputs[0].pow(2).mul(3).mul(g)]
        })
    }

    func testCustomOpGradcheckFirstAndSecondOrder() throws {
        let x = try Tensor([0.5, -1.2, 2.0] as [Double])
        try x.setRequiresGrad(true)
        let g = try Autograd.grad(outputs: [cube(x).sum()], inputs: [x], createGraph: true)[0]
        let numeric = try numericGradient([x], 0) { try self.cube($0[0]).sum().item() }
        assertClose(try values(g), numeric, atol: 1e-8, rtol: 1e-7, "first order")
        try Autograd.backward([g.sum()])
        assertClose(try values(x.grad), [3, -7.2, 12], atol: 1e-12, rtol: 1e-12, "second order (6x)")
    }

    func testCustomOpChecksItsGradients() throws {
        let x = try leaf([1, 2])
        let wrong = try customOp("wrong", [x], forward: { try $0[0].mul(2) }, backward: { _, _, _ in [try Tensor.zeros([3], dtype: .float64)] })
        XCTAssertThrowsError(try Autograd.backward([wrong.sum()])) { e in
            XCTAssertTrue((e as! GentrainError).message.contains("wrong: backward returned a gradient of shape [3] for input 0 of shape [2]"))
        }
        let missing = try customOp("missing", [x], forward: { try $0[0].mul(2) }, backward: { _, _, _ in [nil] })
        XCTAssertThrowsError(try Autograd.backward([missing.sum()])) { e in
            XCTAssertTrue((e as! GentrainError).message.contains("missing: the derivative with respect to input 0 is not implemented"))
        }
    }

    /// PyTorch's spelling: `loss.backward()`, and `LeakyReLU` as a module type like `ReLU`.
    func testTensorBackwardAndLeakyReLUModule() throws {
        let x = try Tensor([-2, 3] as [Double])
        try x.setRequiresGrad(true)
        let act = LeakyReLU(negativeSlope: 0.5)
        try act(x).sum().backward()
        XCTAssertEqual(try x.grad!.toArray(Double.self), [0.5, 1])
        let y = try x.mul(x)
        try y.backward(Tensor([1, 1] as [Double]))
        XCTAssertEqual(try x.grad!.toArray(Double.self), [0.5 - 4, 1 + 6])
    }

    /// PyTorch's spelling in Swift: `grad` gives tensors (an unused input is an error) unless
    /// `allowUnused` is passed, and `norm(2, dim: 1)`.
    func testGradGivesTensorsAndNormTakesADim() throws {
        let x = try Tensor.randn([3, 4]), unused = try Tensor.randn([2])
        try x.setRequiresGrad(true)
        try unused.setRequiresGrad(true)
        let y = try x.norm(2, dim: 1)
        XCTAssertEqual(y.shape, [3])
        let g: [Tensor] = try Autograd.grad(outputs: [y.sum()], inputs: [x], retainGraph: true)
        assertClose(try values(g[0]), try values(x.div(y.unsqueeze(1))), atol: 1e-6, rtol: 1e-5, "d‖x‖/dx")
        XCTAssertThrowsError(try Autograd.grad(outputs: [y.sum()], inputs: [x, unused], retainGraph: true))
        let maybe = try Autograd.grad(outputs: [y.sum()], inputs: [x, unused], allowUnused: true)
        XCTAssertNil(maybe[1])
    }

    /// Tensor hooks see a tensor's whole gradient (a leaf used twice: the sum, through a
    /// nonlinear hook once), may replace it, run in order, and are removable; retain_grad keeps a
    /// non-leaf's gradient (after its hooks); the hooks also run for grad(). PyTorch's values.
    func testGradientHooksAndRetainGradAsPyTorch() throws {
        let a = try leaf([1, -2])
        let y = try a.mul(3)
        try y.retainGrad()
        XCTAssertTrue(y.retainsGrad)
        XCTAssertFalse(a.retainsGrad)
        var seen: [[Double]] = []
        try y.registerHook { g in seen.append(try g.toArray(Double.self)); return try g.mul(2) }
        try a.registerHook { g in try g.clamp(max: 7) }
        try y.mul(y).add(a.mul(4)).sum().backward()   // dy = 2y = [6, -12], doubled; da = 3 · dy + 4 = [40, -68], clamped
        XCTAssertEqual(seen, [[6, -12]])
        XCTAssertEqual(try y.grad!.toArray(Double.self), [12, -24])
        XCTAssertEqual(try a.grad!.toArray(Double.self), [7, -68])

        let b = try leaf([1, 2])
        let handle = try b.registerHook { g in try g.add(100) }
        XCTAssertEqual(try Autograd.grad(outputs: [b.mul(b).sum()], inputs: [b])[0].toArray(Double.self), [102, 104])
        handle.remove()
        XCTAssertEqual(try Autograd.grad(outputs: [b.mul(b).sum()], inputs: [b])[0].toArray(Double.self), [2, 4])
        XCTAssertThrowsError(try Tensor([1.0]).registerHook { $0 })
        try b.registerHook { g in try g.sum() }   // a gradient of another shape is an error
        XCTAssertThrowsError(try b.mul(b).sum().backward())
    }
}
