#if canImport(Glibc)
import Glibc
#endif
import GentrainCore

/// The threads backend: `worldSize` ranks that are threads of one process, exchanging through
/// shared memory. Threads join a group by name (`ThreadGroup.join`); each rank's thread then runs
/// the same collectives as the others.
///
/// A collective is two meetings: every rank leaves its buffer's address in its slot and waits
/// for the others; then rank r combines chunk r of every rank's buffer (in rank order, so the
/// result does not depend on timing) and writes it into every buffer; a second meeting ends it.
/// Waiting threads sleep (a condition variable), they do not spin. A rank that fails calls
/// `abort` (or its meeting times out): every rank waiting, or arriving later, gets the error.
public final class ThreadGroup: CollectiveBackend {
    public let rank: Int
    private let meeting: Meeting

    /// Joins rank `rank` of the group `name` of `worldSize` threads (created by the first rank
    /// to join). `timeout`: seconds a rank waits for the others in one collective before
    /// failing (PyTorch's default, 30 minutes). `run` starts the ranks' threads itself.
    public static func join(name: String, rank: Int, worldSize: Int, timeout: Double = 1800) throws -> ThreadGroup {
        guard worldSize >= 1 && worldSize <= 4096 else {
            throw GentrainError(.invalidArgument, "threads group: world_size must be in 1...4096, got \(worldSize)")
        }
        guard (0..<worldSize).contains(rank) else {
            throw GentrainError(.invalidArgument, "threads group: rank \(rank) is out of range for world_size \(worldSize)")
        }
        guard timeout > 0 && timeout.isFinite else {
            throw GentrainError(.invalidArgument, "threads group: timeout must be positive seconds, got \(timeout)")
        }
        return ThreadGroup(rank: rank, meeting: try Meeting.join(name, rank: rank, worldSize: worldSize, timeout: timeout))
    }

    private init(rank: Int, meeting: Meeting) { (self.rank, self.meeting) = (rank, meeting) }

    deinit { meeting.leave(rank) }

    public var worldSize: Int { meeting.worldSize }

    public func allReduce(_ buffer: UnsafeMutableRawPointer, count: Int, dtype: DType, op: ReduceOp) throws {
        try meeting.exchange(rank, buffer) { slots in
            let w = slots.count, range = (count * rank / w)..<(count * (rank + 1) / w)
            switch dtype {
            case .float32: combine(slots, range, Float.self, op)
            case .float64: combine(slots, range, Double.self, op)
            default: combine(slots, range, Int64.self, op)
            }
        }
    }

    public func broadcast(_ buffer: UnsafeMutableRawPointer, byteCount: Int, root: Int) throws {
        try meeting.exchange(rank, buffer) { slots in
            if rank != root { buffer.copyMemory(from: slots[root], byteCount: byteCount) }
        }
    }

    public func allGather(_ input: UnsafeRawPointer, into output: UnsafeMutableRawPointer, byteCount: Int) throws {
        try meeting.exchange(rank, UnsafeMutableRawPointer(mutating: input)) { slots in
            for (r, slot) in slots.enumerated() { (output + r * byteCount).copyMemory(from: slot, byteCount: byteCount) }
        }
    }

    public func barrier() throws { try meeting.exchange(rank, nil) { _ in } }

    public func abort(_ message: String) { meeting.fail("rank \(rank) failed: \(message)") }
}

/// Combines elements `range` of every slot in rank order and writes the result into every slot.
private func combine<T: Comparable & AdditiveArithmetic>(_ slots: [UnsafeMutableRawPointer], _ range: Range<Int>, _: T.Type, _ op: ReduceOp) {
    let p = slots.map { $0.assumingMemoryBound(to: T.self) }
    let first = p[0]
    for s in 1..<p.count {
        let q = p[s]
        if op == .max {
            for i in range where q[i] > first[i] { first[i] = q[i] }
        } else {
            for i in range { first[i] += q[i] }
        }
    }
    for s in 1..<p.count { (p[s] + range.lowerBound).update(from: first + range.lowerBound, count: range.count) }
}

/// Where the ranks of one threads group meet: the slots, a generation-counted barrier, the
/// failure that ends the group. Groups are found by name while they have members.
private final class Meeting: @unchecked Sendable {
    let name: String, worldSize: Int, timeout: Double
    private var slots: [UnsafeMutableRawPointer?]
    /// The ranks holding a handle now, and every rank that ever joined.
    private var members: Set<Int> = [], joined: Set<Int> = []
    private var arrived = 0, generation = 0
    private var failure: String?
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    private static let registryLock = Lock()
    nonisolated(unsafe) private static var registry: [String: Meeting] = [:]

    private init(_ name: String, _ worldSize: Int, _ timeout: Double) {
        (self.name, self.worldSize, self.timeout) = (name, worldSize, timeout)
        slots = Array(repeating: nil, count: worldSize)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        condition.deallocate()
    }

    static func join(_ name: String, rank: Int, worldSize: Int, timeout: Double) throws -> Meeting {
        try registryLock.withLock {
            // A rank joining a name again, after its earlier group of that name ended: a new group.
            let earlier = registry[name].flatMap { m in m.locked { m.joined.contains(rank) && !m.members.contains(rank) } ? nil : m }
            let m = earlier ?? Meeting(name, worldSize, timeout)
            guard m.worldSize == worldSize else {
                throw GentrainError(.distributed, "threads group '\(name)' has world_size \(m.worldSize); rank \(rank) asked for \(worldSize)")
            }
            let added = m.locked { () -> Bool in
                guard m.members.insert(rank).inserted else { return false }
                m.joined.insert(rank)
                return true
            }
            guard added else { throw GentrainError(.distributed, "rank \(rank) of threads group '\(name)' has joined already") }
            registry[name] = m
            return m
        }
    }

    /// The rank's handle is gone: no collective can complete any more, so the ranks still here,
    /// and those yet to join, fail in their current or next one (instead of waiting for the
    /// timeout); once every rank has joined and left, the name is free again.
    func leave(_ rank: Int) {
        Meeting.registryLock.withLock {
            let over = locked {
                members.remove(rank)
                if failure == nil && (!members.isEmpty || joined.count < worldSize) {
                    failure = "threads group '\(name)': rank \(rank) left the group"
                    pthread_cond_broadcast(condition)
                }
                return members.isEmpty && joined.count == worldSize
            }
            if over && Meeting.registry[name] === self { Meeting.registry[name] = nil }
        }
    }

    private func locked<R>(_ body: () throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Ends the group: every wait, now or later, throws `message`.
    func fail(_ message: String) {
        locked {
            if failure == nil { failure = message }
            pthread_cond_broadcast(condition)
        }
    }

    /// One collective: leave `buffer` in the rank's slot, meet, run `work` on every slot, meet.
    func exchange(_ rank: Int, _ buffer: UnsafeMutableRawPointer?, _ work: ([UnsafeMutableRawPointer]) -> Void) throws {
        let all: [UnsafeMutableRawPointer] = try locked {
            slots[rank] = buffer
            try meet(rank)
            let all = slots.compactMap { $0 }
            guard all.count == (buffer == nil ? 0 : worldSize) else {
                failure = failure ?? "threads group '\(name)': rank \(rank) met ranks running another collective"
                pthread_cond_broadcast(condition)
                throw GentrainError(.distributed, failure!)
            }
            return all
        }
        work(all)
        try locked { try meet(rank) }
    }

    /// Waits (holding the mutex) until every rank has arrived at this meeting.
    private func meet(_ rank: Int) throws {
        if let failure { throw GentrainError(.distributed, failure) }
        let mine = generation
        arrived += 1
        if arrived == worldSize {
            arrived = 0
            generation &+= 1
            pthread_cond_broadcast(condition)
            return
        }
        var deadline = timespec()
        clock_gettime(CLOCK_REALTIME, &deadline)
        let total = Double(deadline.tv_nsec) / 1e9 + timeout
        deadline.tv_sec += Int(total)
        deadline.tv_nsec = Int((total - total.rounded(.down)) * 1e9)
        while generation == mine && failure == nil {
            if pthread_cond_timedwait(condition, mutex, &deadline) == ETIMEDOUT && generation == mine && failure == nil {
                failure = "threads group '\(name)': rank \(rank) waited \(timeout) s for the other ranks (a rank failed or called other collectives)"
                pthread_cond_broadcast(condition)
            }
        }
        if generation == mine, let failure { throw GentrainError(.distributed, failure) }
    }
}

extension ThreadGroup {
    /// Runs `body` on `worldSize` new threads, each rank of a fresh threads group, and waits for
    /// them (PyTorch's `spawn`, with threads). Each rank's kernels use its share of the threads
    /// (`Threads.count / worldSize`, at least one), so the ranks do not oversubscribe the cores.
    /// Each rank's thread has a default generator of its own, starting from the caller's state.
    /// A rank that throws aborts the group, so the others fail instead of waiting; the first
    /// rank's error (by rank) is rethrown.
    public static func run(worldSize: Int, timeout: Double = 1800, _ body: @escaping (ProcessGroup) throws -> Void) throws {
        let name = "run-\(runs.withLock { runs.value += 1; return runs.value })"
        // Every rank joins before any starts; then each thread holds only its own group, so a rank
        // that returns leaves the group at once (see `Meeting.leave`).
        var groups = try (0..<worldSize).map { try ProcessGroup(join(name: name, rank: $0, worldSize: worldSize, timeout: timeout)) }
        let share = Swift.max(1, Threads.count / worldSize)
        let errors = Box<[Int: Error]>([:])
        var threads: [pthread_t] = []
        for group in groups {
            let task = Box<() -> Void> {
                do {
                    Generator.ownDefaultForThisThread()
                    try Threads.limitingThisThread(to: share) { try body(group) }
                } catch {
                    errors.withLock { errors.value[group.rank] = error }
                    group.abort("\(error)")
                }
            }
            var thread = pthread_t()
            let started = pthread_create(&thread, nil, { context in
                Unmanaged<Box<() -> Void>>.fromOpaque(context!).takeRetainedValue().value()
                return nil
            }, Unmanaged.passRetained(task).toOpaque())
            guard started == 0 else {
                group.abort("could not start a thread")
                for t in threads { pthread_join(t, nil) }
                throw GentrainError(.distributed, "threads group: could not start thread \(threads.count) of \(worldSize)")
            }
            threads.append(thread)
        }
        groups = []
        for t in threads { pthread_join(t, nil) }
        if let (_, error) = errors.value.min(by: { $0.key < $1.key }) { throw error }
    }

    private static let runs = Box(0)
}

/// A value and a lock.
final class Box<Value>: @unchecked Sendable {
    var value: Value
    private let lock = Lock()
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: () throws -> R) rethrows -> R { try lock.withLock(body) }
}
