#if canImport(Glibc)
import Glibc
#endif

/// A size-bucketed cache of freed buffers, so that a training step, which frees and
/// allocates the same sizes every iteration, does not go to malloc for every tensor.
///
/// Sizes are rounded up to classes (64-byte steps up to 512 bytes, then four classes per
/// power of two, so at most 25 % is wasted). Freed buffers wait in their class's list
/// until reused; the cache holds at most `limit` bytes in all.
public enum BufferCache {
    private static let lock = Mutex()
    private static var free: [Int: [UnsafeMutableRawPointer]] = [:]
    private static var cachedBytes = 0
    /// The most bytes the cache keeps for reuse (default 1 GiB).
    nonisolated(unsafe) public static var limit = 1 << 30

    /// The size class a request of `bytes` is served from.
    static func sizeClass(_ bytes: Int) -> Int {
        if bytes <= 512 { return max(64, (bytes + 63) & ~63) }
        let top = Int.bitWidth - 1 - (bytes - 1).leadingZeroBitCount   // 2^top < bytes <= 2^(top+1)
        let quarter = 1 << (top - 2)
        return (bytes + quarter - 1) / quarter * quarter
    }

    /// A 64-byte aligned buffer of at least `bytes` bytes, and its class.
    static func allocate(_ bytes: Int) throws -> (UnsafeMutableRawPointer, Int) {
        let cls = sizeClass(bytes)
        let reused: UnsafeMutableRawPointer? = lock.withLock {
            guard let p = free[cls]?.popLast() else { return nil }
            cachedBytes -= cls
            return p
        }
        if let reused { return (reused, cls) }
        var p: UnsafeMutableRawPointer?
        if posix_memalign(&p, 64, cls) != 0 || p == nil {
            release()   // give back what the cache holds, then try once more
            if posix_memalign(&p, 64, cls) != 0 || p == nil {
                throw GentrainError(.outOfMemory, "out of memory allocating \(bytes) bytes")
            }
        }
        return (p!, cls)
    }

    static func recycle(_ p: UnsafeMutableRawPointer, _ cls: Int) {
        let kept: Bool = lock.withLock {
            guard cachedBytes + cls <= limit else { return false }
            free[cls, default: []].append(p)
            cachedBytes += cls
            return true
        }
        if !kept { Glibc.free(p) }
    }

    /// Frees every cached buffer.
    public static func release() {
        let all: [UnsafeMutableRawPointer] = lock.withLock {
            defer { free = [:]; cachedBytes = 0 }
            return free.values.flatMap { $0 }
        }
        for p in all { Glibc.free(p) }
    }
}

/// The memory behind one or more tensors: engine-owned (from `BufferCache`) or borrowed
/// from the host, with a release callback that runs when the last tensor is gone.
public final class Storage: @unchecked Sendable {
    public let data: UnsafeMutableRawPointer
    public let byteCount: Int
    private let sizeClass: Int          // 0 for borrowed memory
    private let onRelease: (() -> Void)?

    /// Engine-owned memory of `byteCount` bytes, zero-filled when `zeroed`.
    public init(byteCount: Int, zeroed: Bool = false) throws {
        let (p, cls) = try BufferCache.allocate(max(byteCount, 1))
        if zeroed { memset(p, 0, byteCount) }
        data = p
        self.byteCount = byteCount
        sizeClass = cls
        onRelease = nil
    }

    /// Borrowed host memory: the engine reads and writes it in place and calls `onRelease`
    /// once no tensor uses it any more.
    public init(borrowing data: UnsafeMutableRawPointer, byteCount: Int, onRelease: (() -> Void)?) {
        self.data = data
        self.byteCount = byteCount
        sizeClass = 0
        self.onRelease = onRelease
    }

    deinit {
        if sizeClass > 0 { BufferCache.recycle(data, sizeClass) } else { onRelease?() }
    }
}
