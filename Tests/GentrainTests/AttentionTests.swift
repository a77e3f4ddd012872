import XCTest
import Gentrain

/// Multi-head and scaled dot-product attention against PyTorch (golden `attention.json`, float64):
/// outputs, attention weights, and gradients with respect to the inputs and every parameter.
final class AttentionTests: XCTestCase {
    private func tensor(_ json: Any) throws -> Tensor { try StoredTensor(json).tensor(.float64) }

    private func checkMultihead(_ name: String, batchFirst: Bool,
                                _ run: (MultiheadAttention, [Tensor], [String: Tensor]) throws -> (Tensor, Tensor?)) throws {
        let json = Golden.json("attention.json")[name] as! [String: Any]
        let mha = try MultiheadAttention(8, 2, batchFirst: batchFirst)
        let state = json["state"] as! [String: Any]
        XCTAssertEqual(Set(mha.stateDict().map(\.0)), Set(state.keys), "\(name): PyTorch's parameter names")
        try mha.loadStateDict(state.map { ($0.key, try tensor($0.value)) })
        for p in mha.parameters() { XCTAssertEqual(p.dtype, .float32) }   // loading converts into the module's dtype
        // float64 run: the same parameters as float64 leaves.
        let params = try mha.namedParameters().map { n, _ in (n, try tensor(state[n]!)) }
        for (_, p) in params { try p.setRequiresGrad(true) }
        let weights = AttentionWeights(inProj: params[0].1, inProjBias: params[1].1, outProj: params[2].1, outProjBias: params[3].1)
        XCTAssertEqual(params.map(\.0), ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"])
        let inputs = try (json["inputs"] as! [Any]).map(tensor)
        let masks = try (json["masks"] as! [String: Any]).mapValues(tensor)
        let (y, w) = try run(mha, inputs, masks)
        XCTAssertEqual(y.shape, StoredTensor(json["output"]!).shape)
        assertClose(try values(y), StoredTensor(json["output"]!).data, atol: 1e-5, rtol: 1e-4, "\(name) float32 output")
        let (y64, w64) = try multiHeadAttention(query: inputs[0], key: inputs[inputs.count > 1 ? 1 : 0], value: inputs[inputs.count > 1 ? 2 : 0],
                                                numHeads: 2, weights: weights, keyPaddingMask: masks["key_padding_mask"],
                                                attnMask: masks["attn_mask"], averageAttnWeights: name == "cross",
                                                isCausal: name == "causal", batchFirst: batchFirst)
        assertClose(try values(y64), StoredTensor(json["output"]!).data, atol: 1e-12, rtol: 1e-10, "\(name) output")
        XCTAssertEqual(w64!.shape, StoredTensor(json["weights"]!).shape)
        assertClose(try values(w64), StoredTensor(json["weights"]!).data, atol: 1e-12, rtol: 1e-10, "\(name) weights")
        XCTAssertEqual(w!.shape, w64!.shape)
        let loss = try (y64 * tensor(json["wy"]!)).sum() + (w64! * tensor(json["ww"]!)).sum()
        let grads = try Autograd.grad(outputs: [loss], inputs: inputs + params.map(\.1))
        for (i, (g, e)) in zip(grads, json["grads"] as! [Any]).enumerated() {
            assertClose(try values(g), StoredTensor(e).data, atol: 1e-11, rtol: 1e-9, "\(name) gradient \(i)")
        }
    }

    func testCrossAttentionWithPaddingAndFloatMaskMatchesPyTorch() throws {
        try checkMultihead("cross", batchFirst: true) { mha, x, m in
            try mha(x[0].to(.float32), x[1].to(.float32), x[2].to(.float32), keyPaddingMask: m["key_padding_mask"],
                    attnMask: m["attn_mask"])
        }
    }

    func testCausalSelfAttentionMatchesPyTorch() throws {
        try checkMultihead("causal", batchFirst: false) { mha, x, _ in
            let x32 = try x[0].to(.float32)
            let (y, w) = try mha(x32, x32, x32, averageAttnWeights: false, isCausal: true)
            // As a Sequential layer: self-attention, output only.
            XCTAssertEqual(try values(mha.forward(x32)), try values(mha(x32, x32, x32).output))
            return (y, w)
        }
    }

    func testScaledDotProductAttentionMatchesPyTorch() throws {
        for name in ["sdpa_mask", "sdpa_causal"] {
            let json = Golden.json("attention.json")[name] as! [String: Any]
            let x = try (json["inputs"] as! [Any]).map(tensor)
            let y = name == "sdpa_mask"
                ? try scaledDotProductAttention(x[0], x[1], x[2], attnMask: tensor(json["mask"]!), scale: json["scale"] as? Double)
                : try scaledDotProductAttention(x[0], x[1], x[2], isCausal: true)
            assertClose(try values(y), StoredTensor(json["output"]!).data, atol: 1e-12, rtol: 1e-10, "\(name) output")
            let grads = try Autograd.grad(outputs: [(y * tensor(json["w"]!)).sum()], inputs: x)
            for (i, (g, e)) in zip(grads, json["grads"] as! [Any]).enumerated() {
                assertClose(try values(g), StoredTensor(e).data, atol: 1e-11, rtol: 1e-9, "\(name) gradient \(i)")
            }
        }
    }

    /// Second order through attention (softmax, batched products, masks) against central differences.
    func testSecondOrderGradients() throws {
        let inputs = try [Tensor.randn([1, 3, 4], dtype: .float64), Tensor.randn([12, 4], dtype: .float64),
                          Tensor.randn([4, 4], dtype: .float64)]
        for t in inputs { try t.setRequiresGrad(true) }
        let f: ([Tensor]) throws -> Tensor = { x in
            try multiHeadAttention(query: x[0], key: x[0], value: x[0], numHeads: 2,
                                   weights: AttentionWeights(inProj: x[1], inProjBias: nil, outProj: x[2], outProjBias: nil),
                                   needWeights: false, isCausal: true, batchFirst: true).output
        }
        let w = try Tensor.randn([1, 3, 4], dtype: .float64)
        let v = try inputs.map { try Tensor.randn($0.shape, dtype: .float64) }
        try assertSecondOrderMatchesCentralDifferences(f, inputs, w, v, atol: 1e-6, rtol: 1e-5, "attention")
    }

    func testErrors() throws {
        XCTAssertThrowsError(try MultiheadAttention(8, 3))
        let mha = try MultiheadAttention(8, 2)
        let x = try Tensor.randn([5, 2, 8])
        XCTAssertThrowsError(try mha(x, x, try Tensor.randn([5, 3, 8])))                       // batch sizes differ
        XCTAssertThrowsError(try mha(x, x, x, attnMask: try Tensor.zeros([4, 5])))              // mask shape
        XCTAssertThrowsError(try mha(x, x, x, keyPaddingMask: try Tensor.zeros([5, 2], dtype: .bool)))
        XCTAssertThrowsError(try scaledDotProductAttention(x, x, x, attnMask: try Tensor.ones([5, 5], dtype: .bool), isCausal: true))
        // Every key blocked: nan, as PyTorch.
        let blocked = try mha(x, x, x, keyPaddingMask: try Tensor.ones([2, 5], dtype: .bool)).output
        XCTAssertTrue(try values(blocked).allSatisfy(\.isNaN))
    }
}
