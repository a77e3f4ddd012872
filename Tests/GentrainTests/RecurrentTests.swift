import XCTest
import Gentrain

/// LSTM and GRU against PyTorch (golden `recurrent.json`): outputs, final states and the
/// gradients with respect to the input and every weight, with PyTorch's parameter names.
final class RecurrentTests: XCTestCase {
    private func tensor(_ json: Any) throws -> Tensor { try StoredTensor(json).tensor(.float32) }

    /// Loads the case's weights into `module`, runs `run` on its input and checks everything.
    private func check(_ name: String, _ module: Module, _ run: (Tensor, [String: Any]) throws -> [Tensor]) throws {
        let json = Golden.json("recurrent.json")[name] as! [String: Any]
        let state = json["state"] as! [String: Any]
        XCTAssertEqual(Set(module.stateDict().map(\.0)), Set(state.keys), "\(name): PyTorch's parameter names")
        try module.loadStateDict(state.map { ($0.key, try tensor($0.value)) })
        let x = try tensor(json["input"]!)
        try x.setRequiresGrad(true)
        let outs = try run(x, json)
        let expected = [json["output"]!] + (json["finals"] as! [Any])
        for (o, e) in zip(outs, expected) {
            XCTAssertEqual(o.shape, StoredTensor(e).shape)
            assertClose(try values(o), StoredTensor(e).data, atol: 1e-6, rtol: 1e-5, "\(name) forward")
        }
        var loss = try outs[0].mul(tensor(json["w"]!)).sum()
        for (i, f) in outs.dropFirst().enumerated() { loss = try loss.add(f.mul(Double(i + 1)).sum()) }
        XCTAssertEqual(try loss.item(), json["loss"] as! Double, accuracy: 1e-5 * abs(json["loss"] as! Double))
        let grads = json["grads"] as! [String: Any]
        let params = module.namedParameters()
        let got = try Autograd.grad(outputs: [loss], inputs: [x] + params.map(\.1))
        for (n, g) in zip(["input"] + params.map(\.0), got) {
            assertClose(try values(g), StoredTensor(grads[n]!).data, atol: 1e-5, rtol: 1e-4, "\(name) d/d\(n)")
        }
    }

    func testTwoLayerLSTMWithAGivenStateMatchesPyTorch() throws {
        let lstm = try LSTM(3, 4, numLayers: 2)
        try check("lstm", lstm) { x, json in
            let (y, h, c) = try lstm(x, (try tensor(json["h0"]!), try tensor(json["c0"]!)))
            return [y, h, c]
        }
    }

    func testBatchFirstGRUMatchesPyTorch() throws {
        let gru = try GRU(3, 4, batchFirst: true)
        try check("gru", gru) { x, json in
            let (y, h) = try gru(x, try tensor(json["h0"]!))
            return [y, h]
        }
    }

    func testBidirectionalLSTMAndGRUMatchPyTorch() throws {
        let lstm = try LSTM(3, 4, numLayers: 2, bidirectional: true)
        try check("lstm_bidirectional", lstm) { x, json in
            let (y, h, c) = try lstm(x, (try tensor(json["h0"]!), try tensor(json["c0"]!)))
            return [y, h, c]
        }
        let gru = try GRU(3, 4, numLayers: 2, batchFirst: true, bidirectional: true)
        try check("gru_bidirectional", gru) { x, json in
            let (y, h) = try gru(x, try tensor(json["h0"]!))
            return [y, h]
        }
    }

    func testCellsAreOneStepOfTheLayersAndShapesAreChecked() throws {
        let lstm = try LSTM(3, 5), cell = try LSTMCell(3, 5)
        try cell.loadStateDict(lstm.stateDict().map { (String($0.0.dropLast(3)), $0.1) })   // "weight_ih_l0" → "weight_ih"
        let x = try Tensor.randn([1, 2, 3])
        let (y, _, c) = try lstm(x)
        let (h1, c1) = try cell(x.select(0, 0))
        // The same sums in another order (the layer adds both biases before its products).
        assertClose(try values(y.select(0, 0)), try values(h1), atol: 1e-6, rtol: 1e-6, "LSTM cell h")
        assertClose(try values(c.select(0, 0)), try values(c1), atol: 1e-6, rtol: 1e-6, "LSTM cell c")
        let gru = try GRU(3, 5), gcell = try GRUCell(3, 5)
        try gcell.loadStateDict(gru.stateDict().map { (String($0.0.dropLast(3)), $0.1) })
        assertClose(try values(gru(x, nil).output.select(0, 0)), try values(gcell(x.select(0, 0), nil)), atol: 1e-6, rtol: 1e-6, "GRU cell")
        XCTAssertThrowsError(try lstm(Tensor.randn([2, 3])))                                  // not [T, N, I]
        XCTAssertThrowsError(try lstm(x, (Tensor.zeros([2, 2, 5]), Tensor.zeros([1, 2, 5]))))    // h0 shape
        XCTAssertThrowsError(try LSTM(3, 0))
        XCTAssertEqual(try GRU(3, 4, numLayers: 3, bias: false).namedParameters().map(\.0),
                       ["weight_ih_l0", "weight_hh_l0", "weight_ih_l1", "weight_hh_l1", "weight_ih_l2", "weight_hh_l2"])
    }

    func testSecondOrderGradientsThroughTimeMatchCentralDifferences() throws {
        // A 2-step GRU and LSTM in float64: d/dθ Σ (∂L/∂θ)·v against central differences of it.
        for kind in ["lstm", "gru"] {
            let g = kind == "lstm" ? 4 : 3
            let inputs = try [Tensor.randn([2, 2, 3], dtype: .float64), Tensor.randn([g * 2, 3], dtype: .float64),
                              Tensor.randn([g * 2, 2], dtype: .float64), Tensor.randn([g * 2], dtype: .float64)]
            for t in inputs { try t.setRequiresGrad(true) }
            let f: ([Tensor]) throws -> Tensor = { x in
                let w = RecurrentWeights(ih: x[1], hh: x[2], biasIH: x[3], biasHH: nil)
                return kind == "lstm" ? try lstm(x[0], layers: [w]).output : try gru(x[0], layers: [w]).output
            }
            let w = try Tensor.randn([2, 2, 2], dtype: .float64)
            let v = try inputs.map { try Tensor.randn($0.shape, dtype: .float64) }
            try assertSecondOrderMatchesCentralDifferences(f, inputs, w, v, atol: 1e-6, rtol: 1e-5, "\(kind) second order")
        }
    }

    func testDropoutBetweenLayersInTrainingOnly() throws {
        let net = try LSTM(3, 4, numLayers: 2, dropout: 1)
        let x = try Tensor.randn([5, 2, 3])
        // p = 1 zeroes the first layer's outputs: the second layer then runs on zeros.
        let trained = try net(x).output
        let alone = try lstm(Tensor.zeros([5, 2, 4]), layers: [net.layers[1]]).output
        XCTAssertEqual(try values(trained), try values(alone))
        net.eval()
        let plain = try lstm(x, layers: net.layers).output
        XCTAssertEqual(try values(net(x).output), try values(plain))
        XCTAssertNotEqual(try values(plain), try values(alone))
        XCTAssertThrowsError(try GRU(3, 4, dropout: 1.5))
    }

    /// The sequence ops' gradients of everything, initial states included, equal those of the
    /// same recurrence run cell by cell (float64, first order: the fused kernels), also with the
    /// batch split across two threads.
    func testLayerGradientsEqualCellByCell() throws {
        let threads = Threads.count
        defer { try? Threads.set(threads) }
        for (batch, threadCount) in [(2, 2), (20, 1), (20, 2)] {
            try Threads.set(threadCount)
            try checkLayerAgainstCells(batch: batch)
        }
    }

    private func checkLayerAgainstCells(batch n: Int) throws {
        func leaf(_ shape: [Int]) throws -> Tensor {
            let t = try Tensor.randn(shape, dtype: .float64)
            try t.setRequiresGrad(true)
            return t
        }
        for kind in ["lstm", "gru"] {
            let g = kind == "lstm" ? 4 : 3
            let x = try leaf([5, n, 3]), h0 = try leaf([n, 4]), c0 = try leaf([n, 4])
            let w = try [leaf([g * 4, 3]), leaf([g * 4, 4]), leaf([g * 4]), leaf([g * 4])]
            let wy = try Tensor.randn([5, n, 4], dtype: .float64), wh = try Tensor.randn([n, 4], dtype: .float64)
            let inputs = kind == "lstm" ? [x, h0, c0] + w : [x, h0] + w
            // The layer op.
            var loss: Tensor
            if kind == "lstm" {
                let r = try lstmLayer(x, h0, c0, weightIH: w[0], weightHH: w[1], biasIH: w[2], biasHH: w[3])
                loss = try (r.output * wy).sum() + (r.h * wh).sum() + (r.c * wh).sum()
            } else {
                let r = try gruLayer(x, h0, weightIH: w[0], weightHH: w[1], biasIH: w[2], biasHH: w[3])
                loss = try (r.output * wy).sum() + (r.h * wh).sum()
            }
            let layer = try Autograd.grad(outputs: [loss], inputs: inputs)
            // The same, cell by cell.
            var h = h0, c = c0, outs: [Tensor] = []
            for t in 0..<5 {
                if kind == "lstm" {
                    (h, c) = try lstmCell(x.select(0, t), h, c, weightIH: w[0], weightHH: w[1], biasIH: w[2], biasHH: w[3])
                } else {
                    h = try gruCell(x.select(0, t), h, weightIH: w[0], weightHH: w[1], biasIH: w[2], biasHH: w[3])
                }
                outs.append(h)
            }
            var cellLoss = try (Tensor.stack(outs) * wy).sum() + (h * wh).sum()
            if kind == "lstm" { cellLoss = try cellLoss + (c * wh).sum() }
            let cells = try Autograd.grad(outputs: [cellLoss], inputs: inputs)
            for (i, (a, b)) in zip(layer, cells).enumerated() {
                assertClose(try values(a), try values(b), atol: 1e-12, rtol: 1e-10, "\(kind) input \(i), batch \(n), \(Threads.count) threads")
            }
        }
    }

    /// float32 layers against the same layers in float64 (whose products never use the packing
    /// GEMM), for hidden sizes and batches around the packing GEMM's tiles (6 rows by 16 columns)
    /// and batches split unevenly between two threads: the recurrences' weights packed once per
    /// call and their blocks of rows, outputs and every gradient.
    func testFloat32LayersAgreeWithFloat64AcrossSizes() throws {
        let threads = Threads.count
        defer { try? Threads.set(threads) }
        for threadCount in [1, 2] {
            try Threads.set(threadCount)
            // (128, 64): W_hh's packing splits over two threads.
            for (hidden, batch) in [(5, 7), (16, 16), (33, 33), (16, 33), (128, 64)] {
                for kind in ["lstm", "gru"] {
                    let g = kind == "lstm" ? 4 : 3
                    let data = try [Tensor.randn([4, batch, 3]), Tensor.randn([batch, hidden]), Tensor.randn([batch, hidden]),
                                    Tensor.randn([g * hidden, 3]) * 0.3, Tensor.randn([g * hidden, hidden]) * 0.3,
                                    Tensor.randn([g * hidden]) * 0.3, Tensor.randn([g * hidden]) * 0.3]
                    let single = try layerRun(kind, data, .float32) { try $0.square().sum() }
                    let double = try layerRun(kind, data, .float64) { try $0.square().sum() }
                    assertCloseAtScale(single, double, "\(kind) hidden \(hidden) batch \(batch), \(threadCount) threads")
                }
            }
        }
    }

    /// float32 layers with the batch split across threads give what one thread gives (to the
    /// rounding of differently blocked products): outputs and every gradient.
    func testFloat32LayersOnTwoThreadsEqualOne() throws {
        let threads = Threads.count
        defer { try? Threads.set(threads) }
        for kind in ["lstm", "gru"] {
            let g = kind == "lstm" ? 4 : 3
            // Weights at PyTorch's init scale (1/√H): with unit weights the recurrence amplifies
            // rounding differences through time by orders of magnitude.
            // 8 · 64 rows: the LSTM's bias gradient sums its columns in two blocks.
            let data = try [Tensor.randn([8, 64, 16]), Tensor.randn([64, 64]), Tensor.randn([64, 64]), Tensor.randn([g * 64, 16]) * 0.125,
                            Tensor.randn([g * 64, 64]) * 0.125, Tensor.randn([g * 64]) * 0.125, Tensor.randn([g * 64]) * 0.125]
            let wy = try Tensor.randn([8, 64, 64])
            let results = try [1, 2].map { n in   // per thread count: the output, then each gradient
                try Threads.set(n)
                return try layerRun(kind, data, .float32) { try ($0 * wy).sum() }
            }
            assertCloseAtScale(results[1], results[0], "\(kind), 2 threads vs 1")
        }
    }

    /// The layer `kind` ("lstm" or "gru") on new leaves made of `data` (x, h0, c0, weight_ih,
    /// weight_hh, bias_ih, bias_hh; a GRU ignores c0) in `dtype`: its output, then the gradients of
    /// `loss(output)` with respect to each input.
    private func layerRun(_ kind: String, _ data: [Tensor], _ dtype: DType, loss: (Tensor) throws -> Tensor) throws -> [[Double]] {
        let leaves = try data.map { t -> Tensor in
            let l = try t.to(dtype).detach()
            try l.setRequiresGrad(true)
            return l
        }
        let inputs = kind == "lstm" ? leaves : [leaves[0], leaves[1]] + leaves[3...]
        let out = kind == "lstm"
            ? try lstmLayer(leaves[0], leaves[1], leaves[2], weightIH: leaves[3], weightHH: leaves[4], biasIH: leaves[5], biasHH: leaves[6]).output
            : try gruLayer(leaves[0], leaves[1], weightIH: leaves[3], weightHH: leaves[4], biasIH: leaves[5], biasHH: leaves[6]).output
        let grads = try Autograd.grad(outputs: [loss(out)], inputs: inputs)
        return try [values(out)] + grads.map { try values($0) }
    }

    /// Each tensor of `actual` close to `expected`'s to float32 rounding at its own scale (a gradient
    /// sums the terms of every step and row).
    private func assertCloseAtScale(_ actual: [[Double]], _ expected: [[Double]], _ what: String) {
        for (i, (a, e)) in zip(actual, expected).enumerated() {
            let scale = e.map(Swift.abs).max() ?? 1
            assertClose(a, e, atol: 1e-5 * scale, rtol: 1e-4, "\(what): tensor \(i)")
        }
    }
}
