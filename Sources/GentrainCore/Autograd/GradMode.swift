/// Per-thread autograd switches (PyTorch's `torch.no_grad()` / `torch.set_grad_enabled`).
public final class ThreadState {
    public var gradEnabled = true
    init() {}
}

public enum GradMode {
    static let state = ThreadLocal { ThreadState() }

    /// Whether ops on this thread record autograd graphs.
    public static var isEnabled: Bool {
        get { state.value.gradEnabled }
        set { state.value.gradEnabled = newValue }
    }

    /// Runs `body` with graph recording switched to `enabled` on this thread, then restores it.
    public static func with<R>(enabled: Bool, _ body: () throws -> R) rethrows -> R {
        let s = state.value
        let previous = s.gradEnabled
        s.gradEnabled = enabled
        defer { s.gradEnabled = previous }
        return try body()
    }
}

/// Runs `body` without recording gradients (PyTorch's `with torch.no_grad():`).
public func withNoGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.with(enabled: false, body)
}
