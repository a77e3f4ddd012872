import XCTest
import Gentrain

/// The generative-model helpers beyond the golden table: sampling, the penalty helper,
/// baselines, and the numerical edge cases.
final class GenerativeLossTests: XCTestCase {
    func testVAEKLIsSafeForExtremeLogvar() throws {
        let mu = try Tensor([0, 0, 0] as [Float])
        let logvar = try Tensor([Float.infinity, -Float.infinity, 200] as [Float])
        let kl = try vaeKLDivergence(mu: mu, logvar: logvar, reduction: .none).toArray(Float.self)
        XCTAssertEqual(kl, [.infinity, .infinity, .infinity])
        let z = try vaeKLDivergence(mu: Tensor.zeros([2, 3]), logvar: Tensor.zeros([2, 3]))
        XCTAssertEqual(try z.item(), 0)
    }

    func testReparameterizeIsSeededAndDifferentiable() throws {
        let mu = try Tensor([1, 2] as [Double]), logvar = try Tensor([0, 2] as [Double])
        try mu.setRequiresGrad(true)
        try logvar.setRequiresGrad(true)
        let z = try reparameterize(mu: mu, logvar: logvar, generator: Generator(seed: 4))
        let eps = try Tensor.randn([2], dtype: .float64, generator: Generator(seed: 4)).toArray(Double.self)
        assertClose(try values(z), [1 + eps[0], 2 + Foundation.exp(1) * eps[1]], atol: 1e-12, rtol: 1e-12, "z")
        try Autograd.backward([z.sum()])
        assertClose(try values(logvar.grad), [0.5 * eps[0], 0.5 * Foundation.exp(1) * eps[1]], atol: 1e-12, rtol: 1e-12, "dz/dlogvar")
    }

    func testGradientPenaltyMatchesItsDefinition() throws {
        let w = try Tensor([0.5, -1.5] as [Double], shape: [2, 1])
        try w.setRequiresGrad(true)
        let critic: (Tensor) throws -> Tensor = { x in try x.matmul(w).tanh() }
        let real = try Tensor.randn([3, 2], dtype: .float64), fake = try Tensor.randn([3, 2], dtype: .float64)
        let gp = try GANLoss.gradientPenalty(critic: critic, real: real, fake: fake, lambda: 10, generator: Generator(seed: 9))
        // By hand, with the same ε.
        let eps = try Tensor.rand([3, 1], dtype: .float64, generator: Generator(seed: 9))
        let x = try real.mul(eps).add(fake.mul(eps.neg().add(1)))
        try x.setRequiresGrad(true)
        let g = try Autograd.grad(outputs: [critic(x).sum()], inputs: [x], createGraph: true)[0]
        let manual = try g.norm(dims: [1]).sub(1).square().mean().mul(10)
        XCTAssertEqual(try gp.item(), try manual.item(), accuracy: 1e-12)
        // Its gradient reaches the critic's weights.
        let dw = try Autograd.grad(outputs: [gp], inputs: [w])[0]
        XCTAssertNotNil(dw)
    }

    func testSamplingFollowsTheDistributionAndIsSeeded() throws {
        let logits = try Tensor([0, 1, 2, 3] as [Float]).log().reshape([1, 4]).expand([4000, 4]).contiguous()
        let a = try Reinforce.sample(logits: logits, generator: Generator(seed: 1))
        let b = try Reinforce.sample(logits: logits, generator: Generator(seed: 1))
        XCTAssertEqual(try a.toArray(Int64.self), try b.toArray(Int64.self))
        let counts = try a.toArray(Int64.self).reduce(into: [0, 0, 0, 0]) { $0[Int($1)] += 1 }
        XCTAssertEqual(counts[0], 0)   // probability 0
        for (c, p) in zip(counts, [0.0, 1 / 6.0, 2 / 6.0, 3 / 6.0]) { XCTAssertEqual(Double(c) / 4000, p, accuracy: 0.03) }
        let top1 = try Reinforce.sample(logits: logits, topK: 1, generator: Generator(seed: 2)).toArray(Int64.self)
        XCTAssertTrue(top1.allSatisfy { $0 == 3 })
        let cold = try Reinforce.sample(logits: logits, temperature: 0.01, generator: Generator(seed: 3)).toArray(Int64.self)
        XCTAssertTrue(cold.allSatisfy { $0 == 3 })
        XCTAssertThrowsError(try Reinforce.sample(logits: logits, temperature: 0))
        XCTAssertThrowsError(try Reinforce.sample(logits: logits, topK: 5))
    }

    func testReinforceLossAndBaseline() throws {
        let logits = try Tensor([0.1, 0.2, 0.3, 0.4, 0.5, 0.6] as [Double], shape: [2, 3])
        try logits.setRequiresGrad(true)
        let actions = try Tensor([2, 0] as [Int64])
        let logp = try Reinforce.logProbabilities(logits: logits, actions: actions)
        let baseline = try MovingAverageBaseline(momentum: 0.5)
        let rewards = try Tensor([1, 3] as [Double])
        let b = try baseline.update(rewards)
        XCTAssertEqual(b, 2)
        XCTAssertEqual(try baseline.update(Tensor([4, 4] as [Double])), 2)
        XCTAssertEqual(baseline.value, 3)
        let loss = try Reinforce.loss(logProbs: logp, rewards: rewards, baseline: Tensor.scalar(b, dtype: .float64),
                                      entropy: Reinforce.entropy(logits: logits), entropyBeta: 0.01)
        let lp = try logp.toArray(Double.self), ent = try Reinforce.entropy(logits: logits).mean().item()
        XCTAssertEqual(try loss.item(), -((1 - 2) * lp[0] + (3 - 2) * lp[1]) / 2 - 0.01 * ent, accuracy: 1e-12)
        XCTAssertThrowsError(try Reinforce.loss(logProbs: logp, rewards: Tensor([1] as [Double])))
    }
}

/// The seed's custom loss, composed from primitives: `mse_loss(pred, target) + alpha·‖pred‖₂`.
struct RegularizedMSE {
    let alpha: Double

    func callAsFunction(_ pred: Tensor, _ target: Tensor) throws -> Tensor {
        try mseLoss(pred, target).add(pred.norm(p: 2).mul(alpha))
    }
}

extension GenerativeLossTests {
    func testCustomLossByComposition() throws {
        let pred = try Tensor([1, -2, 3] as [Double]), target = try Tensor([0, 0, 1] as [Double])
        try pred.setRequiresGrad(true)
        let loss = try RegularizedMSE(alpha: 0.5)(pred, target)
        XCTAssertEqual(try loss.item(), (1 + 4 + 4) / 3.0 + 0.5 * Foundation.sqrt(14), accuracy: 1e-12)
        try Autograd.backward([loss])
        let n = Foundation.sqrt(14.0)
        assertClose(try values(pred.grad), [2.0 / 3 + 0.5 / n, -4.0 / 3 - 1 / n, 4.0 / 3 + 1.5 / n], atol: 1e-12, rtol: 1e-12, "grad")
    }
}
