#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A size-bucketed cache of freed buffers, so that a training step, which frees and
/// allocates the same sizes every iteration, does not go to malloc for every tensor.
///
/// Sizes are rounded up to classes (64-byte steps up to 512 bytes, then four classes per
/// power of two, so at most 25 % is wasted). Freed buffers wait in their class's list
/// until reused; the cache holds at most `limit` bytes in all. Small buffers (up to 64 KiB,
/// the per-op overhead case) first go to a per-thread list of at most 4 MiB, which needs no lock.
package enum BufferCache {
    private static let lock = Lock()
    /// Free buffers by size-class index.
    nonisolated(unsafe) private static var free = [[UnsafeMutableRawPointer]](repeating: [], count: classCount)
    nonisolated(unsafe) private static var cachedBytes = 0
    /// The most bytes the cache keeps for reuse (default 1 GiB).
    nonisolated(unsafe) public static var limit = 1 << 30
    private static let classCount = 8 + 4 * 54

    /// The size class a request of `bytes` is served from: its index and its size.
    static func sizeClass(_ bytes: Int) -> (index: Int, size: Int) {
        if bytes <= 512 {
            let k = Swift.max((bytes + 63) >> 6, 1)
            return (k - 1, k << 6)
        }
        let top = Int.bitWidth - 1 - (bytes - 1).leadingZeroBitCount   // 2^top < bytes <= 2^(top+1)
        let quarter = 1 << (top - 2)
        let k = (bytes + quarter - 1) >> (top - 2)                       // 5...8 quarters
        return (8 + (top - 9) * 4 + (k - 5), k * quarter)
    }

    /// Size classes served from the per-thread lists (up to 64 KiB), their byte budget, and how
    /// many buffers a thread keeps per class.
    static let localClasses = 36
    static let localLimit = 4 << 20
    static let localSlots = 256

    /// A thread's own free small buffers, a fixed stack per class (no array to check for
    /// uniqueness and grow at every tensor); given back to the shared cache when the thread ends.
    final class Local {
        /// Class c's free buffers: `slots[c · localSlots ..< c · localSlots + counts[c]]`.
        private let slots = UnsafeMutablePointer<UnsafeMutableRawPointer>.allocate(capacity: localClasses * localSlots)
        private let counts = UnsafeMutablePointer<Int>.allocate(capacity: localClasses)
        private var bytes = 0

        init() { counts.initialize(repeating: 0, count: localClasses) }

        deinit {
            for index in 0..<localClasses {
                for k in 0..<counts[index] { BufferCache.recycleShared(slots[index * localSlots + k], index, BufferCache.classSize(index)) }
            }
            counts.deallocate()
            slots.deallocate()
        }

        /// A free buffer of class `index` (of `size` bytes), if this thread has one.
        @inline(__always)
        func pop(_ index: Int, _ size: Int) -> UnsafeMutableRawPointer? {
            let n = counts[index]
            guard n > 0 else { return nil }
            counts[index] = n - 1
            bytes -= size
            return slots[index * localSlots + n - 1]
        }

        /// Keeps `p` (class `index`, `size` bytes) unless the class's stack or the budget is full.
        @inline(__always)
        func push(_ p: UnsafeMutableRawPointer, _ index: Int, _ size: Int) -> Bool {
            let n = counts[index]
            guard n < localSlots, bytes + size <= localLimit else { return false }
            slots[index * localSlots + n] = p
            counts[index] = n + 1
            bytes += size
            return true
        }

        /// Frees every buffer kept here.
        func release() {
            for index in 0..<localClasses {
                for k in 0..<counts[index] { Glibc.free(slots[index * localSlots + k]) }
                counts[index] = 0
            }
            bytes = 0
        }
    }

    static let local = ThreadLocal { Local() }

    /// The size of class `index` (for classes above 512 bytes).
    static func classSize(_ index: Int) -> Int {
        if index < 8 { return (index + 1) << 6 }
        let top = (index - 8) / 4 + 9, k = (index - 8) % 4 + 5
        return k << (top - 2)
    }

    /// The largest buffer one tensor may have, `GENTRAIN_MAX_ALLOC_BYTES` (default: no limit
    /// but memory): a larger request is an out-of-memory error, as when malloc fails. A host
    /// that must bound the engine's memory sets it; the fuzzers do.
    static let maxBytes: Int = environmentInteger("GENTRAIN_MAX_ALLOC_BYTES") ?? Int.max

    /// Fault injection for tests: with `GENTRAIN_FAIL_ALLOC=N`, the N-th buffer request of the
    /// process fails as if memory were exhausted (cache hits count too, so every request of a
    /// training step can be made to fail in turn).
    static let failingRequest: Int? = environmentInteger("GENTRAIN_FAIL_ALLOC")
    private static let requests = Atomic<Int>(0)

    /// A 64-byte aligned buffer of at least `bytes` bytes, its class index and its size.
    static func allocate(_ bytes: Int) throws -> (UnsafeMutableRawPointer, Int, Int) {
        guard bytes <= maxBytes else {
            throw GentrainError(.outOfMemory, "out of memory allocating \(bytes) bytes (GENTRAIN_MAX_ALLOC_BYTES is \(maxBytes))")
        }
        if let n = failingRequest, requests.add(1, ordering: .relaxed).newValue == n {
            throw GentrainError(.outOfMemory, "out of memory allocating \(bytes) bytes (GENTRAIN_FAIL_ALLOC=\(n))")
        }
        let (index, size) = sizeClass(bytes)
        if index < localClasses, let p = local.with({ $0.pop(index, size) }) {
            return (p, index, size)
        }
        let reused: UnsafeMutableRawPointer? = lock.withLock {
            guard let p = free[index].popLast() else { return nil }
            cachedBytes -= size
            return p
        }
        if let reused { return (reused, index, size) }
        var p: UnsafeMutableRawPointer?
        if posix_memalign(&p, 64, size) != 0 || p == nil {
            release()   // give back what the cache holds, then try once more
            if posix_memalign(&p, 64, size) != 0 || p == nil {
                throw GentrainError(.outOfMemory, "out of memory allocating \(bytes) bytes")
            }
        }
        return (p!, index, size)
    }

    static func recycle(_ p: UnsafeMutableRawPointer, _ index: Int, _ size: Int) {
        if index < localClasses && local.with({ $0.push(p, index, size) }) { return }
        recycleShared(p, index, size)
    }

    static func recycleShared(_ p: UnsafeMutableRawPointer, _ index: Int, _ size: Int) {
        let kept: Bool = lock.withLock {
            guard cachedBytes + size <= limit else { return false }
            free[index].append(p)
            cachedBytes += size
            return true
        }
        if !kept { Glibc.free(p) }
    }

    /// Frees every cached buffer (of the shared cache and of this thread's list).
    public static func release() {
        local.value.release()
        let all: [UnsafeMutableRawPointer] = lock.withLock {
            defer {
                for i in free.indices { free[i].removeAll() }
                cachedBytes = 0
            }
            return free.flatMap { $0 }
        }
        for p in all { Glibc.free(p) }
    }
}

/// The memory behind one or more tensors: engine-owned (from `BufferCache`) or borrowed
/// from the host, with a release callback that runs when the last tensor is gone.
package final class Storage: @unchecked Sendable {
    public let data: UnsafeMutableRawPointer
    public let byteCount: Int
    /// Bumped by every in-place write (PyTorch's version counter, shared by all the views of
    /// one storage): a backward function whose saved tensor was written since refuses to run.
    package var version = 0
    private let sizeClass: Int          // -1 for borrowed memory
    private let capacity: Int           // bytes of the size class
    private let onRelease: (() -> Void)?

    /// Engine-owned memory of `byteCount` bytes, zero-filled when `zeroed`.
    public init(byteCount: Int, zeroed: Bool = false) throws {
        let (p, index, size) = try BufferCache.allocate(max(byteCount, 1))
        if zeroed { memset(p, 0, byteCount) }
        data = p
        self.byteCount = byteCount
        sizeClass = index
        capacity = size
        onRelease = nil
    }

    /// Borrowed host memory: the engine reads and writes it in place and calls `onRelease`
    /// once no tensor uses it any more.
    public init(borrowing data: UnsafeMutableRawPointer, byteCount: Int, onRelease: (() -> Void)?) {
        self.data = data
        self.byteCount = byteCount
        sizeClass = -1
        capacity = byteCount
        self.onRelease = onRelease
    }

    deinit {
        if sizeClass >= 0 { BufferCache.recycle(data, sizeClass, capacity) } else { onRelease?() }
    }
}

/// A whole number from the environment variable `name`, or nil when unset or not a number.
func environmentInteger(_ name: String) -> Int? {
    getenv(name).flatMap { Int(String(cString: $0)) }
}
