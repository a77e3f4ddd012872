import Synchronization

/// Detects an object used by two threads at once where the threading rules forbid it (a
/// tensor's gradient written by two backward passes, an optimizer stepped from two threads, a
/// graph walked by two passes): the second thread gets a `misuse` error instead of racing on
/// the object's references, which would corrupt the heap. SQLite's misuse detection, per object.
///
/// Many readers or one writer; the writer's own thread may enter again (as reader or writer).
/// Nothing waits: a conflicting use fails at once, so a correct program never pays more than
/// two atomic operations. A stored property of the object it guards (8 bytes, no allocation).
package struct UseGuard: ~Copyable, @unchecked Sendable {
    /// > 0: that many readers; < 0: written by the thread whose id is the negation; 0: free.
    private let state = Atomic<Int>(0)

    public init() {}

    /// Runs `body` as the only user of the object (`what` names it in the error).
    @inline(__always)
    public func exclusive<R>(_ what: @autoclosure () -> String, _ body: () throws -> R) throws -> R {
        let me = -ThreadID.current
        let (exchanged, found) = state.compareExchange(expected: 0, desired: me, ordering: .acquiring)
        if !exchanged {
            guard found == me else { throw UseGuard.conflict(what()) }
            return try body()   // re-entered by the writing thread
        }
        defer { state.store(0, ordering: .releasing) }
        return try body()
    }

    /// Runs `body` as one of possibly several readers of the object.
    @inline(__always)
    public func shared<R>(_ what: @autoclosure () -> String, _ body: () throws -> R) throws -> R {
        var current = state.load(ordering: .relaxed)
        while true {
            if current < 0 {
                guard current == -ThreadID.current else { throw UseGuard.conflict(what()) }
                return try body()   // the writing thread reads
            }
            let (exchanged, found) = state.compareExchange(expected: current, desired: current + 1, ordering: .acquiring)
            if exchanged { break }
            current = found
        }
        defer { state.subtract(1, ordering: .releasing) }
        return try body()
    }

    /// Takes the object for the writing thread until `release()` (for uses that span a loop,
    /// such as the nodes of a backward pass). False when this thread already holds it.
    public func acquire(_ what: @autoclosure () -> String) throws -> Bool {
        try acquire(by: ThreadID.current, what())
    }

    /// `acquire` for the thread whose `ThreadID.current` is `thread` (read once for many objects).
    func acquire(by thread: Int, _ what: @autoclosure () -> String) throws -> Bool {
        let me = -thread
        let (exchanged, found) = state.compareExchange(expected: 0, desired: me, ordering: .acquiring)
        if exchanged { return true }
        guard found == me else { throw UseGuard.conflict(what()) }
        return false
    }

    public func release() { state.store(0, ordering: .releasing) }

    private static func conflict(_ what: String) -> GentrainError {
        GentrainError(.misuse, "\(what) is in use by another thread; one object must not be used from two threads at once (see the threading rules in gentrain.h)")
    }
}

/// A small positive id per thread (for `UseGuard`).
enum ThreadID {
    private final class Box { let id: Int; init(_ id: Int) { self.id = id } }
    private static let next = Atomic<Int>(1)
    private static let local = ThreadLocal { Box(ThreadID.next.add(1, ordering: .relaxed).oldValue) }

    static var current: Int { local.with { $0.id } }
}
