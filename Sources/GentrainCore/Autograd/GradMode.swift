/// Per-thread autograd switches (PyTorch's `torch.no_grad()` / `torch.set_grad_enabled`, and
/// `torch.autograd.set_detect_anomaly`).
package final class ThreadState {
    public var gradEnabled = true
    public var anomalyEnabled = false
    /// Whether layers update their buffers (running statistics) in training: off on the
    /// workers of data parallel training other than the first shard's, as PyTorch's replicas.
    public var bufferUpdatesEnabled = true
    init() {}

    /// Runs `body` with this thread's `switch` set to `value`, then restores it.
    @inline(__always)
    static func with<R>(_ switch: ReferenceWritableKeyPath<ThreadState, Bool>, _ value: Bool, _ body: () throws -> R) rethrows -> R {
        let s = GradMode.state.value
        let previous = s[keyPath: `switch`]
        s[keyPath: `switch`] = value
        defer { s[keyPath: `switch`] = previous }
        return try body()
    }
}

/// Whether layers on this thread update their buffers (see `ThreadState.bufferUpdatesEnabled`).
public enum BufferUpdates {
    public static var isEnabled: Bool { GradMode.state.with { $0.bufferUpdatesEnabled } }

    /// Runs `body` with buffer updates switched to `enabled` on this thread.
    public static func with<R>(enabled: Bool, _ body: () throws -> R) rethrows -> R {
        try ThreadState.with(\.bufferUpdatesEnabled, enabled, body)
    }
}

public enum GradMode {
    static let state = ThreadLocal { ThreadState() }

    /// Whether ops on this thread record autograd graphs.
    public static var isEnabled: Bool {
        get { state.with { $0.gradEnabled } }
        set { state.with { $0.gradEnabled = newValue } }
    }

    /// Whether this thread records graphs, and checks them for anomalies (what every op asks).
    @inline(__always)
    static var switches: (grad: Bool, anomaly: Bool) { state.with { ($0.gradEnabled, $0.anomalyEnabled) } }

    /// Runs `body` with graph recording switched to `enabled` on this thread, then restores it.
    public static func with<R>(enabled: Bool, _ body: () throws -> R) rethrows -> R {
        try ThreadState.with(\.gradEnabled, enabled, body)
    }
}

/// Runs `body` without recording gradients (PyTorch's `with torch.no_grad():`).
public func withNoGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.with(enabled: false, body)
}

/// PyTorch's anomaly mode (`torch.autograd.detect_anomaly`), per thread: every op recorded for
/// autograd has its output checked, and every backward function its gradients, so the first
/// NaN or infinity fails with a `nonFinite` error naming the op that produced it. Each check is
/// a pass over the tensor: for debugging, not for training runs.
public enum AnomalyMode {
    /// Whether this thread checks for anomalies.
    public static var isEnabled: Bool {
        get { GradMode.state.with { $0.anomalyEnabled } }
        set { GradMode.state.with { $0.anomalyEnabled = newValue } }
    }

    /// Runs `body` with anomaly detection switched to `enabled` on this thread, then restores it.
    public static func with<R>(enabled: Bool, _ body: () throws -> R) rethrows -> R {
        try ThreadState.with(\.anomalyEnabled, enabled, body)
    }

    /// The error when a forward output of `node` (its backward's name) holds NaN or infinity.
    static func checkForward(_ out: Tensor, _ node: String) throws {
        if let what = try nonFinite(out) {
            let op = node.hasSuffix("Backward") ? String(node.dropLast(8)) : node
            throw GentrainError(.nonFinite, "anomaly detected: the forward of '\(op)' (recorded as \(node)) returned \(what) values")
        }
    }

    /// The error when gradient `k` a backward function returned holds NaN or infinity (PyTorch's message).
    static func checkBackward(_ grad: Tensor, _ node: String, _ k: Int) throws {
        if let what = try nonFinite(grad) {
            throw GentrainError(.nonFinite, "anomaly detected: Function '\(node)' returned \(what) values in its \(k)th output.")
        }
    }

    /// "nan" or "inf" when the floating-point tensor holds such values, else nil.
    private static func nonFinite(_ t: Tensor) throws -> String? {
        guard t.dtype.isFloatingPoint, t.numel > 0 else { return nil }
        let worst = try withNoGrad { try t.abs().amax().item() }   // NaN wins in amax
        return worst.isNaN ? "nan" : (worst.isInfinite ? "inf" : nil)
    }
}
