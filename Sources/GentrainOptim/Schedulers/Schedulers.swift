#if canImport(Glibc)
import Glibc
#endif
import GentrainCore

/// `lr ← lr · γ` every step (closed form `base · γᵗ`), PyTorch's `ExponentialLR`.
public final class ExponentialLR: LRScheduler {
    public private(set) var gamma: Double

    public init(_ optimizer: Optimizer, gamma: Double) throws {
        self.gamma = gamma
        super.init(optimizer)
        try initialStep()
    }

    public override func getLR() throws -> [Double] {
        isInitial ? groupLRs : groupLRs.map { $0 * gamma }
    }

    public override func closedFormLR() -> [Double]? { baseLRs.map { $0 * pow(gamma, Double(lastEpoch)) } }

    public override func stateDict() -> [String: [Double]] { super.stateDict().merging(["gamma": [gamma]]) { $1 } }
    public override func prepareOwnLoad(_ d: [String: [Double]]) throws -> () -> Void {
        let gamma = try scalar(d, "gamma")
        return { self.gamma = gamma }
    }
}

/// `lr ← lr · γ` every `stepSize` steps, PyTorch's `StepLR`.
public final class StepLR: LRScheduler {
    public private(set) var stepSize: Int
    public private(set) var gamma: Double

    public init(_ optimizer: Optimizer, stepSize: Int, gamma: Double = 0.1) throws {
        guard stepSize > 0 else { throw GentrainError(.invalidArgument, "StepLR: step_size must be positive, got \(stepSize)") }
        (self.stepSize, self.gamma) = (stepSize, gamma)
        super.init(optimizer)
        try initialStep()
    }

    public override func getLR() throws -> [Double] {
        if lastEpoch == 0 || lastEpoch % stepSize != 0 { return groupLRs }
        return groupLRs.map { $0 * gamma }
    }

    public override func closedFormLR() -> [Double]? {
        baseLRs.map { $0 * pow(gamma, Double(floorDiv(lastEpoch, stepSize))) }
    }

    public override func stateDict() -> [String: [Double]] {
        super.stateDict().merging(["step_size": [Double(stepSize)], "gamma": [gamma]]) { $1 }
    }
    public override func prepareOwnLoad(_ d: [String: [Double]]) throws -> () -> Void {
        let (stepSize, gamma) = (try integer(d, "step_size", min: 1), try scalar(d, "gamma"))
        return { (self.stepSize, self.gamma) = (stepSize, gamma) }
    }
}

/// `lr ← lr · γ` at each milestone (a milestone given k times multiplies by γᵏ), PyTorch's `MultiStepLR`.
public final class MultiStepLR: LRScheduler {
    public private(set) var milestones: [Int]
    public private(set) var gamma: Double

    public init(_ optimizer: Optimizer, milestones: [Int], gamma: Double = 0.1) throws {
        (self.milestones, self.gamma) = (milestones.sorted(), gamma)
        super.init(optimizer)
        try initialStep()
    }

    public override func getLR() throws -> [Double] {
        let hits = milestones.filter { $0 == lastEpoch }.count
        if hits == 0 { return groupLRs }
        return groupLRs.map { $0 * pow(gamma, Double(hits)) }
    }

    public override func closedFormLR() -> [Double]? {
        let passed = milestones.filter { $0 <= lastEpoch }.count   // bisect_right
        return baseLRs.map { $0 * pow(gamma, Double(passed)) }
    }

    public override func stateDict() -> [String: [Double]] {
        super.stateDict().merging(["milestones": milestones.map(Double.init), "gamma": [gamma]]) { $1 }
    }
    public override func prepareOwnLoad(_ d: [String: [Double]]) throws -> () -> Void {
        let milestones = try (d["milestones"] ?? []).map {
            try stateInteger($0, "milestones", min: Int(-maxStateInteger), owner: "MultiStepLR")
        }.sorted()
        let gamma = try scalar(d, "gamma")
        return { (self.milestones, self.gamma) = (milestones, gamma) }
    }
}

/// Multiplies the base lr by a factor going linearly from `startFactor` to `endFactor` over
/// `totalIters` steps, PyTorch's `LinearLR`.
public final class LinearLR: LRScheduler {
    public private(set) var startFactor: Double, endFactor: Double, totalIters: Int

    public init(_ optimizer: Optimizer, startFactor: Double = 1.0 / 3, endFactor: Double = 1, totalIters: Int = 5) throws {
        guard startFactor > 0 && startFactor <= 1 else {
            throw GentrainError(.invalidArgument, "LinearLR: starting multiplicative factor expected to be greater than 0 and less or equal to 1")
        }
        guard endFactor >= 0 && endFactor <= 1 else {
            throw GentrainError(.invalidArgument, "LinearLR: ending multiplicative factor expected to be between 0 and 1")
        }
        (self.startFactor, self.endFactor, self.totalIters) = (startFactor, endFactor, totalIters)
        super.init(optimizer)
        try initialStep()
    }

    public override func getLR() throws -> [Double] {
        if lastEpoch == 0 { return groupLRs.map { $0 * startFactor } }
        if isInitial || lastEpoch > totalIters { return groupLRs }
        let ratio = 1.0 + (endFactor - startFactor)
            / (Double(totalIters) * startFactor + Double(lastEpoch - 1) * (endFactor - startFactor))
        return groupLRs.map { $0 * ratio }
    }

    public override func closedFormLR() -> [Double]? {
        baseLRs.map {
            $0 * (startFactor + (endFactor - startFactor) * Double(Swift.min(totalIters, lastEpoch)) / Double(totalIters))
        }
    }

    public override func stateDict() -> [String: [Double]] {
        super.stateDict().merging(["start_factor": [startFactor], "end_factor": [endFactor],
                                   "total_iters": [Double(totalIters)]]) { $1 }
    }
    public override func prepareOwnLoad(_ d: [String: [Double]]) throws -> () -> Void {
        let (start, end) = (try scalar(d, "start_factor"), try scalar(d, "end_factor"))
        let total = try integer(d, "total_iters", min: Int(-maxStateInteger))
        return { (self.startFactor, self.endFactor, self.totalIters) = (start, end, total) }
    }
}

/// Cosine annealing from the base lr to `etaMin` over `tMax` steps (and back, periodically),
/// PyTorch's `CosineAnnealingLR`, in its recursive form.
public final class CosineAnnealingLR: LRScheduler {
    public private(set) var tMax: Int, etaMin: Double

    public init(_ optimizer: Optimizer, tMax: Int, etaMin: Double = 0) throws {
        guard tMax > 0 else { throw GentrainError(.invalidArgument, "CosineAnnealingLR: T_max must be positive, got \(tMax)") }
        (self.tMax, self.etaMin) = (tMax, etaMin)
        super.init(optimizer)
        try initialStep()
    }

    public override func getLR() throws -> [Double] {
        let t = Double(tMax), e = Double(lastEpoch)
        if isInitial { return groupLRs }
        if stepCount == 1 && lastEpoch > 0 {
            return baseLRs.map { etaMin + ($0 - etaMin) * (1 + cos(e * Double.pi / t)) / 2 }
        }
        if (lastEpoch - 1 - tMax) % (2 * tMax) == 0 {
            return zip(baseLRs, groupLRs).map { base, lr in lr + (base - etaMin) * (1 - cos(Double.pi / t)) / 2 }
        }
        return groupLRs.map {
            (1 + cos(Double.pi * e / t)) / (1 + cos(Double.pi * (e - 1) / t)) * ($0 - etaMin) + etaMin
        }
    }

    public override func closedFormLR() -> [Double]? {
        baseLRs.map { etaMin + ($0 - etaMin) * (1 + cos(Double.pi * Double(lastEpoch) / Double(tMax))) / 2 }
    }

    public override func stateDict() -> [String: [Double]] {
        super.stateDict().merging(["T_max": [Double(tMax)], "eta_min": [etaMin]]) { $1 }
    }
    public override func prepareOwnLoad(_ d: [String: [Double]]) throws -> () -> Void {
        let (tMax, etaMin) = (try integer(d, "T_max", min: 1), try scalar(d, "eta_min"))
        return { (self.tMax, self.etaMin) = (tMax, etaMin) }
    }
}

/// Cosine annealing with warm restarts every `T_i` epochs, `T_i` growing by `tMult`
/// (PyTorch's `CosineAnnealingWarmRestarts`); `step(epoch:)` takes fractional epochs.
public final class CosineAnnealingWarmRestarts: LRScheduler {
    public private(set) var t0: Int, tMult: Int, etaMin: Double
    public private(set) var tI: Double
    public private(set) var tCur: Double

    public init(_ optimizer: Optimizer, t0: Int, tMult: Int = 1, etaMin: Double = 0) throws {
        guard t0 > 0 else { throw GentrainError(.invalidArgument, "CosineAnnealingWarmRestarts: expected positive integer T_0, but got \(t0)") }
        guard tMult >= 1 else { throw GentrainError(.invalidArgument, "CosineAnnealingWarmRestarts: expected integer T_mult >= 1, but got \(tMult)") }
        (self.t0, self.tMult, self.etaMin, tI, tCur) = (t0, tMult, etaMin, Double(t0), -1)
        super.init(optimizer)
        try initialStep()
    }

    public override func getLR() throws -> [Double] {
        baseLRs.map { etaMin + ($0 - etaMin) * (1 + cos(Double.pi * tCur / tI)) / 2 }
    }

    public override func step() throws {
        if lastEpoch < 0 { return try step(epoch: 0.0) }
        tCur += 1
        if tCur >= tI {
            tCur = pyMod(tCur, tI)
            tI *= Double(tMult)
        }
        try setEpoch(Double(lastEpoch + 1))
    }

    public override func step(epoch: Int) throws { try step(epoch: Double(epoch)) }

    /// Jumps to a possibly fractional epoch (`epoch + i / iters` within an epoch).
    public func step(epoch: Double) throws {
        guard epoch >= 0, epoch <= maxStateInteger else {
            throw GentrainError(.invalidArgument, "CosineAnnealingWarmRestarts: expected an epoch from 0 to 2^53, but got \(epoch)")
        }
        let t0d = Double(t0)
        if epoch >= t0d {
            if tMult == 1 {
                tCur = pyMod(epoch, t0d)
            } else {
                let m = Double(tMult)
                let n = Int(log(epoch / t0d * (m - 1) + 1) / log(m))
                tCur = epoch - t0d * (pow(m, Double(n)) - 1) / (m - 1)
                tI = t0d * pow(m, Double(n))
            }
        } else {
            tI = t0d
            tCur = epoch
        }
        try setEpoch(epoch)
    }

    private func setEpoch(_ epoch: Double) throws {
        lastEpoch = Int(epoch.rounded(.down))
        try apply(getLR())
    }

    public override func stateDict() -> [String: [Double]] {
        super.stateDict().merging(["T_0": [Double(t0)], "T_mult": [Double(tMult)], "eta_min": [etaMin], "T_i": [tI],
                                   "T_cur": [tCur]]) { $1 }
    }
    public override func prepareOwnLoad(_ d: [String: [Double]]) throws -> () -> Void {
        let (t0, tMult) = (try integer(d, "T_0", min: 1), try integer(d, "T_mult", min: 1))
        let (etaMin, tI, tCur) = (try scalar(d, "eta_min"), try scalar(d, "T_i"), try scalar(d, "T_cur"))
        guard tI > 0, tI.isFinite, tCur.isFinite else {
            throw GentrainError(.invalidArgument, "CosineAnnealingWarmRestarts state: T_i must be positive and T_cur finite, got \(tI) and \(tCur)")
        }
        return { (self.t0, self.tMult, self.etaMin, self.tI, self.tCur) = (t0, tMult, etaMin, tI, tCur) }
    }
}

/// `lr = base · λ(epoch)` with a function per group (or one for all), PyTorch's `LambdaLR`.
/// A failing λ fails the step with its error.
public final class LambdaLR: LRScheduler {
    public typealias Lambda = (Int) throws -> Double
    private let lambdas: [Lambda]

    public init(_ optimizer: Optimizer, lrLambda: @escaping Lambda) throws {
        lambdas = Array(repeating: lrLambda, count: optimizer.paramGroups.count)
        super.init(optimizer)
        try initialStep()
    }

    public init(_ optimizer: Optimizer, lrLambdas: [Lambda]) throws {
        guard lrLambdas.count == optimizer.paramGroups.count else {
            throw GentrainError(.invalidArgument, "LambdaLR: expected \(optimizer.paramGroups.count) lr_lambdas, but got \(lrLambdas.count)")
        }
        lambdas = lrLambdas
        super.init(optimizer)
        try initialStep()
    }

    public override func getLR() throws -> [Double] {
        try zip(lambdas, baseLRs).map { f, base in base * (try f(lastEpoch)) }
    }
}

/// Runs schedulers one after another, switching at the milestones (warm-up then decay),
/// PyTorch's `SequentialLR`. The schedulers must be built on the same optimizer, in order.
public final class SequentialLR: LRScheduler {
    public let schedulers: [LRScheduler]
    public let milestones: [Int]
    /// Levels of SequentialLR in this one (1: none inside). Its steps, state dicts and loads recurse
    /// once per level, on the caller's stack: at most `maxDepth`.
    public let depth: Int
    public static let maxDepth = 100

    public init(_ optimizer: Optimizer, schedulers: [LRScheduler], milestones: [Int]) throws {
        guard !schedulers.isEmpty else { throw GentrainError(.invalidArgument, "SequentialLR expects at least one scheduler") }
        depth = 1 + (schedulers.map { ($0 as? SequentialLR)?.depth ?? 0 }.max() ?? 0)
        guard depth <= SequentialLR.maxDepth else {
            throw GentrainError(.invalidArgument, "SequentialLR: nested more than \(SequentialLR.maxDepth) levels deep")
        }
        guard schedulers.allSatisfy({ $0.optimizer === optimizer }) else {
            throw GentrainError(.invalidArgument, "SequentialLR expects all schedulers to belong to the same optimizer")
        }
        guard milestones.count == schedulers.count - 1 else {
            throw GentrainError(.invalidArgument, "SequentialLR expects number of schedulers provided to be one more than the number of milestone points, but got \(schedulers.count) schedulers and \(milestones.count) milestones")
        }
        (self.schedulers, self.milestones) = (schedulers, milestones)
        super.init(optimizer)
        lastEpoch = 0
        for g in optimizer.paramGroups { g.lr = g["initial_lr"] }
        for s in schedulers { s.undoStep() }
        let first = schedulers[active(0)]
        try first.initialStep()
        lastLR = first.getLastLR()
    }

    /// The index of the scheduler in charge at `epoch` (bisect_right over the milestones).
    private func active(_ epoch: Int) -> Int { milestones.filter { $0 <= epoch }.count }

    public override func step() throws {
        lastEpoch += 1
        let i = active(lastEpoch)
        let s = schedulers[i]
        if i > 0 && milestones[i - 1] == lastEpoch {
            s.lastEpoch = 0
            try s.apply(s.closedFormLR() ?? s.getLR())
        } else {
            try s.step()
        }
        lastLR = s.getLastLR()
    }

    public override func stateDict() -> [String: [Double]] {
        var d = super.stateDict()
        for (i, s) in schedulers.enumerated() {
            for (k, v) in s.stateDict() { d["_schedulers.\(i).\(k)"] = v }
        }
        return d
    }

    public override func prepareOwnLoad(_ d: [String: [Double]]) throws -> () -> Void {
        let parts = try schedulers.enumerated().map { i, s in
            let prefix = "_schedulers.\(i)."
            var sub: [String: [Double]] = [:]
            for (k, v) in d where k.hasPrefix(prefix) { sub[String(k.dropFirst(prefix.count))] = v }
            return try s.prepareLoad(sub)
        }
        return { for apply in parts { apply() } }
    }
}

extension LRScheduler {
    /// SequentialLR's undo of a sub-scheduler's construction step (nested ones recursively).
    func undoStep() {
        if let seq = self as? SequentialLR { for s in seq.schedulers { s.undoStep() } } else { lastEpoch -= 1 }
    }
}

/// The 1cycle policy, PyTorch's `OneCycleLR`: the lr rises from `maxLR/divFactor` to `maxLR`
/// over `pctStart` of `totalSteps`, then anneals to `initial/finalDivFactor` (cosine or
/// linear; three phases optional), while momentum (or Adam's β1) cycles inversely between
/// `maxMomentum` and `baseMomentum`.
public final class OneCycleLR: LRScheduler {
    public enum Anneal: Sendable { case cos, linear }
    private struct Phase { let endStep: Double; let startLR, endLR, startMomentum, endMomentum: String }

    public let totalSteps: Int
    private let phases: [Phase]
    private let anneal: Anneal
    private let momentumKey: String?

    public init(_ optimizer: Optimizer, maxLR: [Double], totalSteps: Int, pctStart: Double = 0.3, anneal: Anneal = .cos,
                cycleMomentum: Bool = true, baseMomentum: Double = 0.85, maxMomentum: Double = 0.95,
                divFactor: Double = 25, finalDivFactor: Double = 1e4, threePhase: Bool = false) throws {
        guard totalSteps > 0 else { throw GentrainError(.invalidArgument, "OneCycleLR: expected positive integer total_steps, but got \(totalSteps)") }
        guard pctStart >= 0 && pctStart <= 1 else {
            throw GentrainError(.invalidArgument, "OneCycleLR: expected float between 0 and 1 pct_start, but got \(pctStart)")
        }
        let groups = optimizer.paramGroups
        let maxLRs = maxLR.count == 1 ? Array(repeating: maxLR[0], count: groups.count) : maxLR
        guard maxLRs.count == groups.count else {
            throw GentrainError(.invalidArgument, "OneCycleLR: max_lr must have the same length as optimizer.param_groups")
        }
        let total = Double(totalSteps)
        phases = threePhase ? [
            Phase(endStep: pctStart * total - 1, startLR: "initial_lr", endLR: "max_lr", startMomentum: "max_momentum", endMomentum: "base_momentum"),
            Phase(endStep: 2 * pctStart * total - 2, startLR: "max_lr", endLR: "initial_lr", startMomentum: "base_momentum", endMomentum: "max_momentum"),
            Phase(endStep: total - 1, startLR: "initial_lr", endLR: "min_lr", startMomentum: "max_momentum", endMomentum: "max_momentum"),
        ] : [
            Phase(endStep: pctStart * total - 1, startLR: "initial_lr", endLR: "max_lr", startMomentum: "max_momentum", endMomentum: "base_momentum"),
            Phase(endStep: total - 1, startLR: "max_lr", endLR: "min_lr", startMomentum: "base_momentum", endMomentum: "max_momentum"),
        ]
        self.totalSteps = totalSteps
        self.anneal = anneal
        for (g, m) in zip(groups, maxLRs) {
            g["initial_lr"] = m / divFactor
            g["max_lr"] = m
            g["min_lr"] = g["initial_lr"] / finalDivFactor
        }
        if cycleMomentum {
            if optimizer.defaults["beta1"] != nil { momentumKey = "beta1" }
            else if optimizer.defaults["momentum"] != nil { momentumKey = "momentum" }
            else { throw GentrainError(.invalidArgument, "OneCycleLR: optimizer must support momentum or beta1 with `cycle_momentum` option enabled") }
            for g in groups {
                g[momentumKey!] = maxMomentum
                g["max_momentum"] = maxMomentum
                g["base_momentum"] = baseMomentum
            }
        } else {
            momentumKey = nil
        }
        super.init(optimizer)
        try initialStep()
    }

    private func annealed(_ start: Double, _ end: Double, _ pct: Double) -> Double {
        switch anneal {
        case .cos: return end + (start - end) / 2.0 * (cos(Double.pi * pct) + 1)
        case .linear: return (end - start) * pct + start
        }
    }

    public override func getLR() throws -> [Double] {
        let stepNum = Double(lastEpoch)
        guard lastEpoch <= totalSteps else {
            throw GentrainError(.invalidArgument, "OneCycleLR: tried to step \(lastEpoch) times. The specified number of total steps is \(totalSteps)")
        }
        return optimizer.paramGroups.map { g in
            var start = 0.0
            for (i, phase) in phases.enumerated() {
                if stepNum <= phase.endStep || i == phases.count - 1 {
                    let pct = (stepNum - start) / (phase.endStep - start)
                    if let key = momentumKey { g[key] = annealed(g[phase.startMomentum], g[phase.endMomentum], pct) }
                    return annealed(g[phase.startLR], g[phase.endLR], pct)
                }
                start = phase.endStep
            }
            return g.lr
        }
    }
}

/// Reduces the lr by `factor` once a metric has stopped improving for `patience` steps,
/// PyTorch's `ReduceLROnPlateau`.
public final class ReduceLROnPlateau {
    public enum Mode: Sendable { case min, max }
    public enum ThresholdMode: Sendable { case rel, abs }

    public let optimizer: Optimizer
    public let mode: Mode, thresholdMode: ThresholdMode
    public let factor: Double, patience: Int, threshold: Double, cooldown: Int, minLRs: [Double], eps: Double
    public private(set) var best: Double
    public private(set) var numBadEpochs = 0
    public private(set) var cooldownCounter = 0
    public private(set) var lastEpoch = 0
    public private(set) var lastLR: [Double]

    public init(_ optimizer: Optimizer, mode: Mode = .min, factor: Double = 0.1, patience: Int = 10, threshold: Double = 1e-4,
                thresholdMode: ThresholdMode = .rel, cooldown: Int = 0, minLR: [Double] = [0], eps: Double = 1e-8) throws {
        guard factor < 1 else { throw GentrainError(.invalidArgument, "ReduceLROnPlateau: factor should be < 1.0") }
        let n = optimizer.paramGroups.count
        guard minLR.count == 1 || minLR.count == n else {
            throw GentrainError(.invalidArgument, "ReduceLROnPlateau: expected \(n) min_lrs, got \(minLR.count)")
        }
        (self.optimizer, self.mode, self.factor, self.patience, self.threshold, self.thresholdMode, self.cooldown, self.eps) =
            (optimizer, mode, factor, patience, threshold, thresholdMode, cooldown, eps)
        minLRs = minLR.count == 1 ? Array(repeating: minLR[0], count: n) : minLR
        best = mode == .min ? .infinity : -.infinity
        lastLR = optimizer.paramGroups.map(\.lr)
    }

    public func getLastLR() -> [Double] { lastLR }

    private func isBetter(_ a: Double) -> Bool {
        switch (mode, thresholdMode) {
        case (.min, .rel): return a < best * (1 - threshold)
        case (.min, .abs): return a < best - threshold
        case (.max, .rel): return a > best * (threshold + 1)
        case (.max, .abs): return a > best + threshold
        }
    }

    /// Records this step's metric and reduces the learning rates when it has plateaued.
    public func step(metric: Double) {
        lastEpoch += 1
        if isBetter(metric) {
            best = metric
            numBadEpochs = 0
        } else {
            numBadEpochs += 1
        }
        if cooldownCounter > 0 {
            cooldownCounter -= 1
            numBadEpochs = 0
        }
        if numBadEpochs > patience {
            for (g, minLR) in zip(optimizer.paramGroups, minLRs) {
                let newLR = Swift.max(g.lr * factor, minLR)
                if g.lr - newLR > eps { g.lr = newLR }
            }
            cooldownCounter = cooldown
            numBadEpochs = 0
        }
        lastLR = optimizer.paramGroups.map(\.lr)
    }

    public func stateDict() -> [String: [Double]] {
        ["best": [best], "num_bad_epochs": [Double(numBadEpochs)], "cooldown_counter": [Double(cooldownCounter)],
         "last_epoch": [Double(lastEpoch)], "_last_lr": lastLR]
    }

    public func prepareLoad(_ d: [String: [Double]]) throws -> () -> Void {
        guard let b = d["best"]?.first, let n = d["num_bad_epochs"]?.first, let c = d["cooldown_counter"]?.first,
              let e = d["last_epoch"]?.first, let l = d["_last_lr"], l.count == optimizer.paramGroups.count else {
            throw GentrainError(.invalidArgument, "ReduceLROnPlateau state: missing or malformed entries")
        }
        let counts = try [("num_bad_epochs", n), ("cooldown_counter", c), ("last_epoch", e)].map {
            try stateInteger($1, $0, min: 0, owner: "ReduceLROnPlateau")
        }
        return { (self.best, self.numBadEpochs, self.cooldownCounter, self.lastEpoch, self.lastLR) = (b, counts[0], counts[1], counts[2], l) }
    }
}

/// Python's `a // b` for positive b.
func floorDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }

/// Python's `a % b` for floats (the sign of b).
func pyMod(_ a: Double, _ b: Double) -> Double {
    let r = fmod(a, b)
    return r != 0 && (r < 0) != (b < 0) ? r + b : r
}
