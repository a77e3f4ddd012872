import XCTest
@testable import GentrainCore
import Gentrain

/// Ops with several outputs (one autograd node for all): split, chunk, unbind and the fused
/// recurrent gates; and the two matrix-product backends.
final class MultiOutputTests: XCTestCase {
    private func leaf(_ shape: [Int]) throws -> Tensor {
        let t = try Tensor.randn(shape, dtype: .float64)
        try t.setRequiresGrad(true)
        return t
    }

    /// Pieces nothing uses get zero gradient; pieces used twice accumulate; second order works.
    func testSplitAndUnbindGradients() throws {
        let x = try leaf([4, 6])
        let f: ([Tensor]) throws -> Tensor = { xs in
            let pieces = try xs[0].split(sizes: [1, 3, 2], dim: 1)   // the middle one unused
            let rows = try xs[0].unbind(0)
            return try Tensor.cat([pieces[0].square().mul(pieces[2].narrow(1, start: 0, length: 1)), pieces[0]], dim: 1)
                .sum(dims: [1]).add(rows[3].sum()).add(rows[3].sum())
        }
        let w = try Tensor.randn([4], dtype: .float64)
        let g = try firstOrder(f, [x], w)[0]
        let numeric = try numericGradient([x], 0) { xs in try weightedSum(f(xs), w).item() }
        assertClose(try values(g), numeric, atol: 1e-7, rtol: 1e-6, "split/unbind first order")
        XCTAssertEqual(try values(g.narrow(1, start: 1, length: 3).narrow(0, start: 0, length: 3)), [Double](repeating: 0, count: 9))
        let v = try Tensor.randn([4, 6], dtype: .float64)
        let second = try secondOrder(f, [x], w, [v])[0]
        let numeric2 = try numericGradient([x], 0) { xs in try (firstOrder(f, xs, w)[0] * v).sum().item() }
        assertClose(try values(second), numeric2, atol: 1e-6, rtol: 1e-5, "split/unbind second order")
    }

    /// `grad` with respect to one output of a multi-output op.
    func testGradWithRespectToOnePiece() throws {
        let x = try leaf([3, 2])
        let rows = try x.unbind(0)
        let y = try (rows[1] * rows[2]).sum()
        let grads = try Autograd.grad(outputs: [y], inputs: [rows[2], rows[1]])
        XCTAssertEqual(try values(grads[0]), try values(rows[1]))
        XCTAssertEqual(try values(grads[1]), try values(rows[2]))
        XCTAssertEqual(try x.chunk(2, dim: 1).count, 2)
        XCTAssertThrowsError(try Tensor.scalar(1).unbind())
    }

    /// The fused gates' first-order kernels equal their differentiable formulas (used under
    /// create_graph), for every input, with gradients arriving at h only, c only, or both.
    func testFusedGateKernelsMatchTheirFormulas() throws {
        let (n, h) = (3, 5)
        for kind in ["lstm", "gru"] {
            let k = kind == "lstm" ? 4 : 3
            let inputs = try [leaf([n, k * h]), leaf([n, k * h]), leaf([n, h])]
            for use in 0..<3 where kind == "lstm" || use == 0 {
                let (wh, wc) = try (Tensor.randn([n, h], dtype: .float64), Tensor.randn([n, h], dtype: .float64))
                let loss: () throws -> Tensor = {
                    if kind == "gru" { return try weightedSum(gruGates(inputs[0], inputs[1], inputs[2]), wh) }
                    let (h2, c2) = try lstmGates(inputs[0], inputs[1], inputs[2])
                    return use == 0 ? try weightedSum(h2, wh) : use == 1 ? try weightedSum(c2, wc) : try weightedSum(h2, wh) + weightedSum(c2, wc)
                }
                let kernel = try Autograd.grad(outputs: [loss()], inputs: inputs)
                let formula = try Autograd.grad(outputs: [loss()], inputs: inputs, createGraph: true)
                for i in 0..<3 {
                    assertClose(try values(kernel[i]), try values(formula[i]), atol: 1e-12, rtol: 1e-12, "\(kind) input \(i), use \(use)")
                }
            }
        }
    }

    /// One gradient tensor serves both projections: the two leaves' `.grad`s must not alias.
    func testSharedGradientDoesNotAliasLeafGrads() throws {
        let gi = try leaf([2, 8]), gh = try leaf([2, 8]), c = try leaf([2, 2])
        let y = try lstmGates(gi, gh, c).h.sum()
        try Autograd.backward([y], retainGraph: true)
        let once = try values(gi.grad)
        try Autograd.backward([y])
        XCTAssertEqual(try values(gi.grad), once.map { 2 * $0 })
        XCTAssertEqual(try values(gh.grad), once.map { 2 * $0 })
    }

    /// Elementwise ops whose first-order backward is one fused kernel agree with the same
    /// formula in ops (what `create_graph` runs).
    func testFusedElementwiseBackwardsMatchTheirFormulas() throws {
        let x = try leaf([5, 7]), w = try Tensor.randn([5, 7], dtype: .float64)
        let ops: [(String, (Tensor) throws -> Tensor)] = [("tanh", { try $0.tanh() }), ("sigmoid", { try $0.sigmoid() }),
                                                           ("leaky_relu", { try $0.leakyRelu(negativeSlope: 0.2) }),
                                                           ("gelu", { try $0.gelu() }), ("silu", { try $0.silu() })]
        for (name, f) in ops {
            let fused = try Autograd.grad(outputs: [weightedSum(f(x), w)], inputs: [x])[0]
            let formula = try Autograd.grad(outputs: [weightedSum(f(x), w)], inputs: [x], createGraph: true)[0]
            assertClose(try values(fused), try values(formula), atol: 1e-15, rtol: 1e-14, name)
        }
    }

    func testGateShapesAreChecked() throws {
        let x = try Tensor.randn([2, 8])
        XCTAssertThrowsError(try lstmGates(x, x, Tensor.randn([2, 3])))
        XCTAssertThrowsError(try gruGates(x, x, Tensor.randn([2, 2])))
        XCTAssertThrowsError(try lstmGates(x, x.to(.float64), Tensor.randn([2, 2])))
    }

    /// A batch of empty products returns at once, however long the batch (it looped over 2^48 empty
    /// products, found by fuzz_capi).
    func testEmptyBatchedProductsReturnAtOnce() throws {
        let a = try Tensor(empty: [1 << 40, 0, 3]), b = try Tensor.randn([3, 2])
        XCTAssertEqual(try a.matmul(b).shape, [1 << 40, 0, 2])
        XCTAssertEqual(try b.t().matmul(a.transpose(1, 2)).shape, [1 << 40, 2, 0])
    }

    /// An empty shape's other sizes are bounded as any shape's (2^48 in all), also through reshape:
    /// [2^62, 0, 2^62] was accepted, and a slice of it overflowed computing its offset (fuzz_capi).
    func testReshapeBoundsAnEmptyShapeLikeAnyOther() throws {
        let empty = try Tensor(empty: [1, 0, 0])
        XCTAssertThrowsError(try empty.reshape([1 << 62, 0, 1 << 62])) { XCTAssertEqual(($0 as! GentrainError).kind, .outOfMemory) }
        XCTAssertThrowsError(try Tensor(empty: [1 << 62, 0, 1 << 62])) { XCTAssertEqual(($0 as! GentrainError).kind, .outOfMemory) }
        let fine = try empty.reshape([1 << 20, 0, 1 << 20])
        XCTAssertEqual(try fine.slice(2, start: 1 << 19).shape, [1 << 20, 0, 1 << 19])
    }

    /// Every backend (oneDNN, OpenBLAS, the packing GEMM, the in-place kernel) gives the same float32
    /// products, for transposed operands and a bias.
    func testGemmBackendsAgree() throws {
        guard OneDNN.library != nil else { throw XCTSkip("oneDNN is not installed") }
        let before = GemmBackend.current
        defer { try? GemmBackend.set(before) }
        let threads = Threads.count
        defer { try? Threads.set(threads) }
        try Threads.set(2)   // middle-sized products are split across the threads
        let a = try Tensor.randn([37, 53]), b = try Tensor.randn([29, 53]), bias = try Tensor.randn([29])
        let tall = try Tensor.randn([300, 100]), wide = try Tensor.randn([100, 400])   // 12 and 24 MFLOP
        let p = try Tensor.randn([64, 1024]), q = try Tensor.randn([256, 1024]), qb = try Tensor.randn([256])   // A·Bᵀ, long K
        let dG = try Tensor.randn([2048, 512]), hs = try Tensor.randn([2048, 64])   // Aᵀ·B, long K: a weight gradient
        var results: [[Double]] = []
        let backends = GemmBackend.allCases.filter(\.isAvailable)
        for backend in backends {
            try GemmBackend.set(backend)
            results.append(try values(linear(a, b, bias)) + values(a.t().matmul(a)) + values(b.matmul(a.t()))
                           + values(tall.matmul(wide.narrow(1, start: 0, length: 200))) + values(tall.t().t().matmul(wide))
                           + values(wide.t().matmul(tall.t())) + values(linear(tall, wide.t(), nil))
                           + values(linear(p, q, qb)) + values(p.matmul(q.t())) + values(dG.t().matmul(hs)))
        }
        for (backend, result) in zip(backends, results).dropFirst() {
            assertClose(result, results[0], atol: 1e-3, rtol: 1e-5, "\(backend) vs \(backends[0])")
        }
    }
}
