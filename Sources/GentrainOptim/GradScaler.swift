import GentrainCore

/// Gradient scaling for mixed precision, PyTorch's `torch.amp.GradScaler` with its state machine:
/// `scale(loss)` multiplies the loss by the scale before backward, so that small gradients survive
/// low-precision arithmetic; `unscale_(optimizer)` divides the optimizer's gradients by it again
/// and notes whether any is infinite or NaN; `step(optimizer)` unscales if that was not done yet
/// and skips the step when such a gradient was found; `update()` halves the scale after a skipped
/// step (`backoffFactor`) and doubles it (`growthFactor`) after `growthInterval` steps in a row
/// without one. A disabled scaler passes everything through.
///
/// The scale is a float32 number, kept and updated as PyTorch's CPU kernel does, so a run matches
/// PyTorch's scale and skipped steps exactly.
public final class GradScaler {
    /// Where an optimizer is in this iteration.
    private enum Stage { case ready, unscaled, stepped }

    public let isEnabled: Bool
    public var growthFactor: Double
    public var backoffFactor: Double
    public var growthInterval: Int
    /// The scale before the first `scale` (PyTorch's `init_scale`, or a loaded state's).
    private var initScale: Double
    private var initGrowthTracker: Int
    /// The scale and the count of consecutive unskipped steps, from the first `scale` on.
    private var scaleValue: Float?
    private var growthTracker: Int32 = 0
    /// Each optimizer's stage and found-inf flag in this iteration, by identity.
    private var stages: [ObjectIdentifier: (stage: Stage, foundInf: Bool?)] = [:]
    /// Guards the scaler against two threads at once.
    package let use = UseGuard()

    public init(initScale: Double = 65536, growthFactor: Double = 2, backoffFactor: Double = 0.5, growthInterval: Int = 2000,
                enabled: Bool = true) throws {
        isEnabled = enabled
        if enabled {
            guard growthFactor > 1 else { throw GentrainError(.invalidArgument, "The growth factor must be > 1.0.") }
            guard backoffFactor < 1 else { throw GentrainError(.invalidArgument, "The backoff factor must be < 1.0.") }
        }
        guard initScale.isFinite, growthFactor.isFinite, backoffFactor.isFinite else {
            throw GentrainError(.invalidArgument, "GradScaler: init_scale, growth_factor and backoff_factor must be finite")
        }
        guard growthInterval >= 1, growthInterval <= Int(Int32.max) else {
            throw GentrainError(.invalidArgument, "GradScaler: growth_interval must be in 1...\(Int32.max), got \(growthInterval)")
        }
        (self.initScale, self.growthFactor, self.backoffFactor, self.growthInterval) = (initScale, growthFactor, backoffFactor, growthInterval)
        initGrowthTracker = 0
    }

    /// The current scale (1 when disabled; `initScale` before the first `scale`).
    public var currentScale: Double {
        guard isEnabled else { return 1 }
        return scaleValue.map(Double.init) ?? initScale
    }

    /// Consecutive steps without an infinite gradient since the scale last changed.
    public var currentGrowthTracker: Int {
        guard isEnabled else { return 0 }
        return scaleValue == nil ? initGrowthTracker : Int(growthTracker)
    }

    /// `outputs * scale`: a loss (or any tensor) to call backward on.
    public func scale(_ outputs: Tensor) throws -> Tensor {
        guard isEnabled else { return outputs }
        let s = try use.exclusive("the GradScaler") { () -> Float in
            if scaleValue == nil { (scaleValue, growthTracker) = (Float(initScale), Int32(initGrowthTracker)) }
            return scaleValue!
        }
        return try outputs.mul(Tensor.scalar(Double(s), dtype: .float32))
    }

    private func started(_ function: String) throws -> Float {
        guard let s = scaleValue else {
            throw GentrainError(.invalidArgument, "Attempted \(function) but _scale is None.  This may indicate your script did not use scaler.scale(loss or outputs) earlier in the iteration.")
        }
        return s
    }

    /// Divides the gradients of `optimizer`'s parameters by the scale, in place, once per
    /// optimizer per iteration, noting whether any of them is infinite or NaN.
    public func unscale_(_ optimizer: Optimizer) throws {
        guard isEnabled else { return }
        try use.exclusive("the GradScaler") { try unscaleHeld(optimizer) }
    }

    private func unscaleHeld(_ optimizer: Optimizer) throws {
        let s = try started("unscale_")
        let id = ObjectIdentifier(optimizer)
        switch stages[id]?.stage ?? .ready {
        case .unscaled: throw GentrainError(.invalidArgument, "unscale_() has already been called on this optimizer since the last update().")
        case .stepped: throw GentrainError(.invalidArgument, "unscale_() is being called after step().")
        case .ready: break
        }
        let inv = Float(1 / Double(s))   // the reciprocal in double, as PyTorch
        var found = false
        try optimizer.use.exclusive("the optimizer") {
            for group in optimizer.paramGroups {
                for p in group.params {
                    guard let g = try p.use.shared("a parameter's .grad", { p.grad }) else { continue }
                    guard g.dtype != .float16 else { throw GentrainError(.dtype, "Attempting to unscale FP16 gradients.") }
                    found = try g.unscaleInPlace(inv) || found
                }
            }
        }
        stages[id] = (.unscaled, found)
    }

    /// Unscales `optimizer`'s gradients unless `unscale_` did, then runs its step unless a gradient
    /// was infinite or NaN. Returns whether the step ran.
    @discardableResult
    public func step(_ optimizer: Optimizer) throws -> Bool {
        guard isEnabled else {
            try optimizer.step()
            return true
        }
        let skip = try use.exclusive("the GradScaler") { () -> Bool in
            _ = try started("step")
            let id = ObjectIdentifier(optimizer)
            if stages[id]?.stage == .stepped { throw GentrainError(.invalidArgument, "step() has already been called since the last update().") }
            if (stages[id]?.stage ?? .ready) == .ready { try unscaleHeld(optimizer) }
            let found = stages[id]?.foundInf ?? false
            stages[id] = (.stepped, found)
            return found
        }
        if !skip { try optimizer.step() }
        return !skip
    }

    /// Updates the scale from this iteration's optimizers (or sets it to `newScale`), and starts
    /// the next iteration.
    public func update(newScale: Double? = nil) throws {
        guard isEnabled else { return }
        try use.exclusive("the GradScaler") {
            let s = try started("update")
            if let newScale {
                guard newScale.isFinite else { throw GentrainError(.invalidArgument, "update: new_scale must be finite, got \(newScale)") }
                scaleValue = Float(newScale)
            } else {
                let flags = stages.values.compactMap(\.foundInf)
                guard !flags.isEmpty else { throw GentrainError(.invalidArgument, "No inf checks were recorded prior to update.") }
                if flags.contains(true) {
                    scaleValue = Float(Double(s) * backoffFactor)
                    growthTracker = 0
                } else if Int(growthTracker) + 1 == growthInterval {
                    let grown = Float(Double(s) * growthFactor)
                    if grown.isFinite { scaleValue = grown }
                    growthTracker = 0
                } else {
                    growthTracker &+= 1   // wraps as PyTorch's int32 tracker when growthInterval was set below it
                }
            }
            stages = [:]
        }
    }

    /// PyTorch's `state_dict()`: scale, growth_factor, backoff_factor, growth_interval and
    /// _growth_tracker (empty when disabled).
    public func stateDict() -> [String: Double] {
        guard isEnabled else { return [:] }
        return ["scale": currentScale, "growth_factor": growthFactor, "backoff_factor": backoffFactor,
                "growth_interval": Double(growthInterval), "_growth_tracker": Double(currentGrowthTracker)]
    }

    /// Loads a `stateDict()`, all of it checked first: nothing changes on an error.
    public func loadStateDict(_ state: [String: Double]) throws {
        try prepareLoad(state)()
    }

    /// Checks a `stateDict()` whole and returns the change, which cannot fail (a checkpoint
    /// applies it only once every part of the file has been checked).
    public func prepareLoad(_ state: [String: Double]) throws -> () -> Void {
        guard isEnabled else { return {} }
        guard !state.isEmpty else {
            throw GentrainError(.invalidArgument, "The source state dict is empty, possibly because it was saved from a disabled instance of GradScaler.")
        }
        func value(_ key: String) throws -> Double {
            guard let v = state[key], v.isFinite else { throw GentrainError(.invalidArgument, "GradScaler state: '\(key)' is missing or not finite") }
            return v
        }
        let scale = try value("scale"), growth = try value("growth_factor"), backoff = try value("backoff_factor")
        let interval = try value("growth_interval"), tracker = try value("_growth_tracker")
        guard interval == interval.rounded(), interval >= 1, interval <= Double(Int32.max),
              tracker == tracker.rounded(), tracker >= 0, tracker < interval else {
            throw GentrainError(.invalidArgument, "GradScaler state: growth_interval must be a whole number >= 1 and _growth_tracker one in 0..<growth_interval")
        }
        guard growth > 1, backoff < 1 else { throw GentrainError(.invalidArgument, "GradScaler state: growth_factor must be > 1 and backoff_factor < 1") }
        try use.exclusive("the GradScaler") {}   // not in use by another thread now
        return { [self] in
            (initScale, growthFactor, backoffFactor, growthInterval) = (scale, growth, backoff, Int(interval))
            initGrowthTracker = Int(tracker)
            if scaleValue != nil { (scaleValue, growthTracker) = (Float(scale), Int32(tracker)) }
        }
    }
}
