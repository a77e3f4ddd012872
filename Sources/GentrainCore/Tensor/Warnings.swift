#if canImport(Glibc)
import Glibc
#endif

/// Warnings where PyTorch warns (a loss whose target broadcasts to a different shape, ...): the
/// call goes on, and the message goes to the host's handler, on the thread that warned. With no
/// handler each distinct message is written to standard error once, as Python's default filter
/// shows a warning once per place.
public enum Warnings {
    /// Receives each warning's message.
    public typealias Handler = @Sendable (String) -> Void

    private static let lock = Lock()
    nonisolated(unsafe) private static var handler: Handler?
    nonisolated(unsafe) private static var shown = Set<String>()

    /// Sets the process-wide handler (nil: standard error, once per message).
    public static func setHandler(_ h: Handler?) { lock.withLock { handler = h } }

    /// Reports `message` to the handler.
    public static func warn(_ message: String) {
        let (h, first) = lock.withLock { (handler, handler == nil && shown.insert(message).inserted) }
        if let h { h(message) } else if first { fputs("gentrain warning: \(message)\n", stderr) }
    }
}
