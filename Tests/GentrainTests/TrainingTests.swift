import XCTest
import Gentrain

/// End to end against PyTorch: the WGAN-GP penalty of an MLP critic (double backward) and
/// ten training steps of a small classifier under each optimizer, from the same weights.
final class TrainingTests: XCTestCase {
    /// D = Linear(2,16) → tanh → Linear(16,16) → leaky_relu(0.2) → Linear(16,1), weights from the golden file.
    private func critic(_ params: [String: Tensor]) -> (Tensor) throws -> Tensor {
        { x in
            let h1 = try linear(x, params["0.weight"]!, params["0.bias"]!).tanh()
            let h2 = try linear(h1, params["2.weight"]!, params["2.bias"]!).leakyRelu(negativeSlope: 0.2)
            return try linear(h2, params["4.weight"]!, params["4.bias"]!)
        }
    }

    private func penalty(_ params: [String: Tensor], _ x: Tensor) throws -> Tensor {
        let d = critic(params)
        let g = try Autograd.grad(outputs: [d(x).sum()], inputs: [x], createGraph: true)[0]
        return try (g.norm(dims: [1]) - 1).pow(2).mean()
    }

    func testWGANGradientPenaltyMatchesPyTorchAndFiniteDifferences() throws {
        let json = Golden.json("wgan_gp.json")
        let names = ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
        let stored = json["params"] as! [String: Any]
        var params: [String: Tensor] = [:]
        for n in names {
            params[n] = try StoredTensor(stored[n]!).tensor(.float64)
            try params[n]!.setRequiresGrad(true)
        }
        let x = try StoredTensor(json["x"]!).tensor(.float64)
        try x.setRequiresGrad(true)
        let p = try penalty(params, x)
        XCTAssertEqual(try p.item(), json["penalty"] as! Double, accuracy: 1e-12)

        let grads = try Autograd.grad(outputs: [p], inputs: names.map { params[$0]! }, allowUnused: true)
        let expected = json["grads"] as! [String: Any]
        for (n, g) in zip(names, grads) {
            let want = StoredTensor(expected[n]!).data
            assertClose(try g.map(values) ?? [Double](repeating: 0, count: want.count), want,
                        atol: 1e-10, rtol: 1e-8, "d penalty / d \(n)")
        }
        // Central differences on the weights that the penalty depends on smoothly.
        for (n, g) in zip(names, grads) where n == "0.weight" || n == "0.bias" || n == "2.weight" {
            let numeric = try numericGradient([params[n]!], 0) { xs in
                var shifted = params
                shifted[n] = xs[0]
                return try penalty(shifted, x).item()
            }
            assertClose(try values(g), numeric, atol: 1e-6, rtol: 1e-5, "finite differences of \(n)")
        }
    }

    func testOptimizersMatchPyTorchTrajectories() throws {
        let json = Golden.json("training.json")
        let x = try StoredTensor(json["x"]!).tensor(.float64)
        let y = try StoredTensor(json["y"]!).tensor(.float64)
        let initial = json["init"] as! [String: Any]
        let makers: [String: ([Tensor]) throws -> Optimizer] = [
            "sgd": { try SGD($0, lr: 0.1) },
            "sgd_momentum": { try SGD($0, lr: 0.1, momentum: 0.9) },
            "sgd_nesterov_wd": { try SGD($0, lr: 0.05, momentum: 0.9, weightDecay: 1e-2, nesterov: true) },
            "sgd_dampening_maximize": { try SGD($0, lr: 0.05, momentum: 0.5, dampening: 0.3, maximize: true) },
            "adam": { try Adam($0, lr: 1e-2) },
            "adam_defaults": { try Adam($0) },
            "adam_amsgrad_wd": { try Adam($0, lr: 1e-2, betas: (0.8, 0.99), eps: 1e-6, weightDecay: 0.1, amsgrad: true) },
        ]
        let runs = json["runs"] as! [String: Any]
        XCTAssertEqual(Set(runs.keys), Set(makers.keys))
        for (name, make) in makers {
            let model = try Sequential([Linear(4, 8, dtype: .float64), ReLU(), Linear(8, 3, dtype: .float64)])
            for (n, p) in model.namedParameters() {
                try withNoGrad { try p.copy_(StoredTensor(initial[n]!).tensor(.float64)) }
            }
            let optimizer = try make(model.parameters())
            var losses: [Double] = []
            for _ in 0..<10 {
                try optimizer.zeroGrad()
                let loss = try crossEntropy(model(x), y)
                try Autograd.backward([loss])
                try optimizer.step()
                losses.append(try loss.item())
            }
            let run = runs[name] as! [String: Any]
            assertClose(losses, run["losses"] as! [Double], atol: 1e-12, rtol: 1e-10, "\(name) losses")
            let final = run["final"] as! [String: Any]
            for (n, p) in model.namedParameters() {
                assertClose(try values(p), StoredTensor(final[n]!).data, atol: 1e-12, rtol: 1e-10, "\(name) \(n)")
            }
        }
    }
}
