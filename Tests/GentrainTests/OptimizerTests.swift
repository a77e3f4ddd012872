import XCTest
import Gentrain

/// Every optimizer under every scheduler, 200 steps, against PyTorch; learning-rate
/// sequences exactly; gradient clipping; state dicts.
final class OptimizerTests: XCTestCase {
    /// Options from the golden file's PyTorch keyword arguments (betas → beta1/beta2, bools → 0/1).
    private func options(_ torchOptions: [String: Any]) -> [String: Double] {
        var o: [String: Double] = [:]
        for (k, v) in torchOptions {
            if k == "betas", let b = v as? [Double] { o["beta1"] = b[0]; o["beta2"] = b[1] }
            else if let b = v as? Bool { o[k] = b ? 1 : 0 }
            else if let d = v as? Double { o[k] = d }
            else if let i = v as? Int { o[k] = Double(i) }
        }
        return o
    }

    private func makeOptimizer(_ cls: String, _ params: [Tensor], _ o: [String: Double]) throws -> Optimizer {
        switch cls {
        case "SGD": return try SGD(params, options: o)
        case "Adam": return try Adam(params, options: o)
        case "AdamW": return try AdamW(params, options: o)
        case "RMSprop": return try RMSprop(params, options: o)
        case "Adagrad": return try Adagrad(params, options: o)
        default: throw GentrainError(.invalidArgument, "unknown optimizer \(cls)")
        }
    }

    /// The scheduler of a golden run, as the generator builds it (nil: none; plateau separately).
    private func makeScheduler(_ name: String, _ opt: Optimizer, _ optimizerName: String) throws -> LRScheduler? {
        switch name {
        case "exponential": return try ExponentialLR(opt, gamma: 0.98)
        case "step": return try StepLR(opt, stepSize: 30, gamma: 0.5)
        case "multistep": return try MultiStepLR(opt, milestones: [20, 50, 50, 120], gamma: 0.5)
        case "cosine": return try CosineAnnealingLR(opt, tMax: 40, etaMin: 1e-4)
        case "warm_restarts": return try CosineAnnealingWarmRestarts(opt, t0: 10, tMult: 2, etaMin: 1e-5)
        case "linear": return try LinearLR(opt, startFactor: 0.25, endFactor: 1.0, totalIters: 40)
        case "lambda": return try LambdaLR(opt) { 1 / (1 + 0.05 * Double($0)) }
        case "sequential":
            return try SequentialLR(opt, schedulers: [LinearLR(opt, startFactor: 0.1, totalIters: 10), ExponentialLR(opt, gamma: 0.99)],
                                    milestones: [10])
        case "onecycle":
            return try OneCycleLR(opt, maxLR: opt.paramGroups.map { 10 * $0.lr }, totalSteps: 200,
                                  cycleMomentum: !optimizerName.hasPrefix("adagrad"))
        default: return nil
        }
    }

    func testTrajectoriesMatchPyTorch() throws {
        let json = Golden.json("optim.json")
        let problem = json["problem"] as! [String: Any]
        let metric = json["plateau_metric"] as! [Double]
        let runs = json["runs"] as! [[String: Any]]
        XCTAssertEqual(runs.count, 5 * 11 + 10)
        for run in runs {
            let name = "\(run["optimizer"]!)/\(run["scheduler"]!)"
            for dtype in [DType.float64, .float32] {
                let params = try (problem["p"] as! [Any]).map { try StoredTensor($0).tensor(dtype) }
                for p in params { try p.setRequiresGrad(true) }
                let a = try (problem["a"] as! [Any]).map { try StoredTensor($0).tensor(dtype) }
                let b = try (problem["b"] as! [Any]).map { try StoredTensor($0).tensor(dtype) }
                let o = options(run["options"] as! [String: Any])
                let opt = try makeOptimizer(run["class"] as! String, [params[0]], o)
                try opt.addParamGroup([params[1]], options: ["lr": 0.5 * opt.defaults["lr"]!])
                let schedName = run["scheduler"] as! String
                let sched = try makeScheduler(schedName, opt, run["optimizer"] as! String)
                let plateau = schedName == "plateau" ? try ReduceLROnPlateau(opt, factor: 0.5, patience: 5, threshold: 1e-3) : nil
                let sign = o["maximize"] == 1 ? -1.0 : 1.0
                var lrs: [[Double]] = []
                var snapshots: [Int: [[Double]]] = [:]
                for t in 0..<200 {
                    try withNoGrad {
                        for (p, (ai, bi)) in zip(params, zip(a, b)) { p.grad = try (ai * p * p.abs() + bi) * sign }
                    }
                    try opt.step()
                    if let plateau { plateau.step(metric: metric[t]) } else { try sched?.step() }
                    lrs.append(opt.paramGroups.map(\.lr))
                    if t + 1 == 100 || t + 1 == 200 { snapshots[t + 1] = try params.map(values) }
                }
                let expected = run[dtype == .float64 ? "float64" : "float32"] as! [String: Any]
                let (atol, rtol) = dtype == .float64 ? (1e-13, 1e-12) : (1e-5, 1e-5)   // "within 1e-5"; PyTorch's own f32-vs-f64 gap here reaches 1.8e-4
                if dtype == .float64 {
                    let want = (expected["lrs"] as! [[Double]]).flatMap { $0 }
                    assertClose(lrs.flatMap { $0 }, want, atol: 0, rtol: 1e-15, "\(name) lrs")
                }
                let stored = expected["params"] as! [String: Any]
                for step in [100, 200] {
                    let want = (stored[String(step)] as! [Any]).map { StoredTensor($0).data }
                    for (i, (got, w)) in zip(snapshots[step]!, want).enumerated() {
                        assertClose(got, w, atol: atol, rtol: rtol, "\(name) [\(dtype)] param \(i) at step \(step)")
                    }
                }
            }
        }
    }

    func testSchedulerSequencesMatchPyTorchExactly() throws {
        let cases = Golden.json("schedulers.json")["cases"] as! [String: Any]
        let builders: [String: (Optimizer) throws -> LRScheduler] = [
            "warm_restarts_fractional_tmult2": { try CosineAnnealingWarmRestarts($0, t0: 2, tMult: 2, etaMin: 0.001) },
            "warm_restarts_fractional_tmult1": { try CosineAnnealingWarmRestarts($0, t0: 3) },
            "warm_restarts_tmult3": { try CosineAnnealingWarmRestarts($0, t0: 3, tMult: 3) },
            "cosine_long": { try CosineAnnealingLR($0, tMax: 7, etaMin: 0.01) },
            "onecycle_three_phase_linear": { try OneCycleLR($0, maxLR: [1.0, 2.0], totalSteps: 30, anneal: .linear, threePhase: true) },
            "linear_decay": { try LinearLR($0, startFactor: 1.0, endFactor: 0.1, totalIters: 9) },
            "step_closed_form": { try StepLR($0, stepSize: 4) },
            "sequential_three": { o in
                try SequentialLR(o, schedulers: [LinearLR(o, startFactor: 0.5, totalIters: 3), StepLR(o, stepSize: 2, gamma: 0.5),
                                                 CosineAnnealingLR(o, tMax: 5)], milestones: [4, 9])
            },
        ]
        XCTAssertEqual(Set(cases.keys), Set(builders.keys))
        for (name, build) in builders {
            let c = cases[name] as! [String: Any]
            let p0 = try Tensor.zeros([1]), p1 = try Tensor.zeros([1])
            try p0.setRequiresGrad(true)
            try p1.setRequiresGrad(true)
            let opt = try SGD([p0], lr: 0.1, momentum: 0.9)
            try opt.addParamGroup([p1], options: ["lr": 0.3])
            let s = try build(opt)
            var got = [s.getLastLR()]
            let want = c["lrs"] as! [[Double]]
            for i in 0..<(want.count - 1) {
                if let epochs = c["epochs"] as? [Double] {
                    if let w = s as? CosineAnnealingWarmRestarts { try w.step(epoch: epochs[i]) } else { try s.step(epoch: Int(epochs[i])) }
                } else {
                    try s.step()
                }
                got.append(s.getLastLR())
            }
            XCTAssertEqual(got, want, name)
        }
    }

    func testClipGradNorm() throws {
        let a = try Tensor([3, 4] as [Float]), b = try Tensor([12] as [Float]), c = try Tensor([1] as [Float])
        for t in [a, b, c] { try t.setRequiresGrad(true) }
        a.grad = try Tensor([3, 4] as [Float])
        b.grad = try Tensor([12] as [Float])
        let total = try clipGradNorm([a, b, c], maxNorm: 6.5)
        XCTAssertEqual(try total.item(), 13, accuracy: 1e-6)
        assertClose(try values(a.grad), [1.5, 2], atol: 1e-6, rtol: 1e-6, "clipped a")
        XCTAssertNil(c.grad)
        // Under the limit: unchanged (the coefficient clamps to 1).
        XCTAssertEqual(try clipGradNorm([a, b], maxNorm: 100).item(), 6.5, accuracy: 1e-5)
        assertClose(try values(a.grad), [1.5, 2], atol: 1e-6, rtol: 1e-6, "unclipped a")
        // inf norm: the largest magnitude.
        XCTAssertEqual(try clipGradNorm([a, b], maxNorm: 100, normType: .infinity).item(), 6, accuracy: 1e-6)
        // No gradients: 0.
        XCTAssertEqual(try clipGradNorm([c], maxNorm: 1).item(), 0)
        // An infinite total zeroes the gradients; nan makes them nan; error_if_nonfinite throws.
        a.grad = try Tensor([Float.infinity, 1])
        b.grad = try Tensor([2] as [Float])
        XCTAssertThrowsError(try clipGradNorm([a, b], maxNorm: 1, errorIfNonfinite: true)) {
            XCTAssertEqual(($0 as! GentrainError).kind, .nonFinite)
        }
        XCTAssertEqual(try clipGradNorm([a, b], maxNorm: 1).item(), .infinity)
        XCTAssertEqual(try values(b.grad), [0])
        a.grad = try Tensor([Float.nan, 1])
        b.grad = try Tensor([2] as [Float])
        XCTAssertTrue(try clipGradNorm([a, b], maxNorm: 1).item().isNaN)
        XCTAssertTrue(try values(b.grad)[0].isNaN)
        // clip_grad_value_
        b.grad = try Tensor([-5] as [Float])
        try clipGradValue([b], clipValue: 2)
        XCTAssertEqual(try values(b.grad), [-2])
    }

    func testStateDictRoundTripContinuesIdentically() throws {
        func run(_ steps: Int, from state: OptimizerStateDict? = nil, params: [Tensor]) throws -> (Optimizer, LRScheduler) {
            let opt = try Adam(params, lr: 0.05, amsgrad: true)
            let sched = try CosineAnnealingWarmRestarts(opt, t0: 3, tMult: 2)
            if let state { try opt.loadStateDict(state) }
            for _ in 0..<steps {
                try withNoGrad { for p in params { p.grad = try p * p + 1 } }
                try opt.step()
                try sched.step()
            }
            return (opt, sched)
        }
        let x = try Tensor([0.5, -1, 2] as [Double]), y = try Tensor([0.5, -1, 2] as [Double])
        try x.setRequiresGrad(true)
        try y.setRequiresGrad(true)
        let (full, _) = try run(10, params: [x])
        _ = full
        let (half, halfSched) = try run(5, params: [y])
        let saved = half.stateDict(), savedSched = halfSched.stateDict()
        // A fresh optimizer and scheduler over the same values resume from the saved state.
        let opt = try Adam([y], lr: 0.05, amsgrad: true)
        let sched = try CosineAnnealingWarmRestarts(opt, t0: 3, tMult: 2)
        try opt.loadStateDict(saved)
        try sched.loadStateDict(savedSched)
        for _ in 0..<5 {
            try withNoGrad { y.grad = try y * y + 1 }
            try opt.step()
            try sched.step()
        }
        XCTAssertEqual(try values(y), try values(x))
        XCTAssertEqual(saved.state[0]?.step, 5)
        XCTAssertEqual(Set(saved.state[0]!.buffers.keys), ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"])
        var bad = saved
        bad.groups.append(bad.groups[0])
        XCTAssertThrowsError(try opt.loadStateDict(bad))
    }

    func testOptionValidationAndGroups() throws {
        let p = try Tensor.zeros([2])
        try p.setRequiresGrad(true)
        XCTAssertThrowsError(try SGD([p], options: ["lr": -1]))
        XCTAssertThrowsError(try Adam([p], options: ["beta1": 1]))
        XCTAssertThrowsError(try RMSprop([p], options: ["alpha": -0.1]))
        XCTAssertThrowsError(try Adagrad([p], options: ["lr_decay": -1]))
        XCTAssertThrowsError(try SGD([p], options: ["betas": 0.9]))   // not an SGD option
        let opt = try AdamW([p])
        XCTAssertEqual(opt.paramGroups[0]["weight_decay"], 1e-2)
        XCTAssertThrowsError(try opt.addParamGroup([p]))   // already in a group
        let q = try Tensor.zeros([1])
        try q.setRequiresGrad(true)
        try opt.addParamGroup([q], options: ["lr": 0.5])
        XCTAssertEqual(opt.paramGroups.map(\.lr), [1e-3, 0.5])
        XCTAssertThrowsError(try OneCycleLR(try Adagrad([p]), maxLR: [0.1], totalSteps: 10))   // no momentum to cycle
    }

    /// A large tensor's update is split across the threads; the result does not depend on how.
    func testUpdatesSplitAcrossThreadsEqualOneThread() throws {
        let threads = Threads.count
        defer { try? Threads.set(threads) }
        let start = try Tensor.randn([100_003]), grad = try Tensor.randn([100_003])
        let makers: [(String, ([Tensor]) throws -> Optimizer)] = [
            ("SGD", { try SGD($0, lr: 0.1, momentum: 0.9, weightDecay: 0.01, nesterov: true) }),
            ("Adam", { try Adam($0, lr: 0.01, weightDecay: 0.1, amsgrad: true) }),
            ("AdamW", { try AdamW($0, lr: 0.01) }),
            ("RMSprop", { try RMSprop($0, lr: 0.01, weightDecay: 0.1, momentum: 0.5, centered: true) }),
            ("Adagrad", { try Adagrad($0, lr: 0.1, weightDecay: 0.1) }),
        ]
        for (name, make) in makers {
            var results: [[Double]] = []
            for n in [1, 2] {
                try Threads.set(n)
                let p = try start.clone().detach()
                try p.setRequiresGrad(true)
                let opt = try make([p])
                for _ in 0..<3 {
                    p.grad = try grad.clone()
                    try opt.step()
                }
                results.append(try values(p))
            }
            XCTAssertEqual(results[0], results[1], name)
        }
    }
}

