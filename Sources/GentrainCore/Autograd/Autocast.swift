import Synchronization

/// Automatic mixed precision, PyTorch's `torch.autocast("cpu")`: a per-thread region in which
/// matrix products, convolutions and attention run in a lower-precision dtype (bfloat16 by
/// default, or float16), losses run in float32, `cat` and `stack` take their widest input dtype,
/// and every other op runs in its inputs' dtype — PyTorch 2.13's CPU op policy, checked op by op
/// against PyTorch in the tests. Regions nest: an inner `enabled: false` region computes in the
/// inputs' dtypes again. Gradients come back in each input's dtype (the casts are recorded ops),
/// so float32 parameters keep float32 `.grad`. Backward passes run without autocast.
///
/// The weight-cast cache (`cacheEnabled`): a float32 leaf that requires grad (a parameter) used by
/// several lower-precision ops in one region is cast once; the cache is dropped when the
/// outermost region ends.
public enum Autocast {
    /// One thread's regions.
    package final class State {
        var enabled = false
        var dtype: DType = .bfloat16
        var cacheEnabled = true
        /// What each region open on this thread replaced, innermost last (an `enabled: false`
        /// region counts too): restored when it ends.
        var saved: [(enabled: Bool, dtype: DType, cacheEnabled: Bool)] = []
        /// Casts of parameters in this region: the source kept alive, so its identity stays its own.
        var cache: [ObjectIdentifier: (source: Tensor, cast: Tensor)] = [:]
    }

    static let state = ThreadLocal { State() }
    /// Regions open in the whole process: ops look at the thread's state only when some are.
    private static let open = Atomic<Int>(0)

    /// Enters a region on this thread; `exit` ends the innermost one.
    public static func enter(enabled: Bool = true, dtype: DType = .bfloat16, cacheEnabled: Bool = true) throws {
        guard dtype == .bfloat16 || dtype == .float16 else {
            throw GentrainError(.dtype, "In CPU autocast, but the target dtype is not supported. Disabling autocast.\nCPU Autocast only supports dtype of torch.bfloat16, torch.float16 currently.")
        }
        let s = state.value
        s.saved.append((s.enabled, s.dtype, s.cacheEnabled))
        (s.enabled, s.dtype, s.cacheEnabled) = (enabled, dtype, cacheEnabled)
        open.add(1, ordering: .relaxed)
    }

    /// Leaves the innermost region of this thread; the outermost one drops the cast cache.
    public static func exit() throws {
        let s = state.value
        guard let saved = s.saved.popLast() else { throw GentrainError(.invalidArgument, "no autocast region is open on this thread") }
        (s.enabled, s.dtype, s.cacheEnabled) = saved
        if s.saved.isEmpty { s.cache = [:] }
        open.subtract(1, ordering: .relaxed)
    }

    /// Runs `body` in a region.
    public static func region<R>(enabled: Bool = true, dtype: DType = .bfloat16, cacheEnabled: Bool = true,
                                 _ body: () throws -> R) throws -> R {
        try enter(enabled: enabled, dtype: dtype, cacheEnabled: cacheEnabled)
        defer { try? exit() }
        return try body()
    }

    /// Runs `body` with a cast cache of its own, empty at the start and dropped at the end: for a
    /// graph whose backward runs on its own and frees it (a data-parallel shard's), which must not
    /// share a cached cast with the caller's graph.
    package static func withOwnCache<R>(_ body: () throws -> R) rethrows -> R {
        let s = state.value
        let outer = s.cache
        s.cache = [:]
        defer { s.cache = outer }
        return try body()
    }

    /// Whether ops on this thread autocast now, and to which dtype.
    public static var isEnabled: Bool { open.load(ordering: .relaxed) > 0 && state.with { $0.enabled } }
    public static var dtype: DType { open.load(ordering: .relaxed) > 0 ? state.with { $0.dtype } : .bfloat16 }
    public static var cacheEnabled: Bool { open.load(ordering: .relaxed) > 0 ? state.with { $0.cacheEnabled } : true }

    /// The thread's state when it autocasts now (nil otherwise: the common case costs one load).
    @inline(__always)
    private static var active: State? {
        guard open.load(ordering: .relaxed) > 0 else { return nil }
        let s = state.value
        return s.enabled ? s : nil
    }

    /// Runs a backward pass with autocast off on this thread (gradients in each input's dtype).
    package static func suspended<R>(_ body: () throws -> R) rethrows -> R {
        guard let s = active else { return try body() }
        s.enabled = false
        defer { s.enabled = true }
        return try body()
    }

    /// Whether autocast casts `t`: floating point other than float64 (PyTorch's eligibility).
    private static func eligible(_ t: Tensor) -> Bool { t.dtype.isFloatingPoint && t.dtype != .float64 }

    /// The lower-precision policy (matmul, linear, convolutions, attention): eligible inputs in the
    /// region's dtype, parameters' casts cached.
    package static func lowerPrecision(_ t: Tensor) throws -> Tensor {
        guard let s = active, eligible(t), t.dtype != s.dtype else { return t }
        let cacheable = s.cacheEnabled && t.isLeaf && t.requiresGrad && t.dtype == .float32
        if cacheable, let hit = s.cache[ObjectIdentifier(t)], hit.cast.dtype == s.dtype { return hit.cast }
        let cast = try t.to(s.dtype)
        if cacheable { s.cache[ObjectIdentifier(t)] = (t, cast) }
        return cast
    }

    package static func lowerPrecision(_ t: Tensor?) throws -> Tensor? { try t.map { try lowerPrecision($0) } }

    /// The float32 policy (losses): eligible inputs in float32.
    package static func float32(_ t: Tensor) throws -> Tensor {
        guard active != nil, eligible(t), t.dtype != .float32 else { return t }
        return try t.to(.float32)
    }

    package static func float32(_ t: Tensor?) throws -> Tensor? { try t.map { try float32($0) } }

    /// The promote policy (cat, stack): every eligible input in the widest eligible dtype.
    package static func promote(_ ts: [Tensor]) throws -> [Tensor] {
        guard active != nil else { return ts }
        // Two of float32, bfloat16 and float16 always promote to float32.
        guard Set(ts.filter(eligible).map(\.dtype)).count > 1 else { return ts }
        return try ts.map { eligible($0) && $0.dtype != .float32 ? try $0.to(.float32) : $0 }
    }
}
