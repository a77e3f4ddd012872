#if canImport(Glibc)
import Glibc
#endif
import Synchronization
#if GENTRAIN_TSAN
import CGentrainCPU
#endif

/// A value of reference type kept per thread (pthread keys): grad mode, autocast state and
/// the C layer's last error message live in one of these.
package final class ThreadLocal<Value: AnyObject>: @unchecked Sendable {
    private var key = pthread_key_t()
    private let make: () -> Value

    public init(_ make: @escaping () -> Value) {
        self.make = make
        pthread_key_create(&key) { pointer in
            if let pointer { Unmanaged<AnyObject>.fromOpaque(pointer).release() }
        }
    }

    /// This thread's value, created on first use.
    public var value: Value { object.takeUnretainedValue() }

    /// Runs `body` on this thread's value without retaining it: the per-op paths read a flag
    /// or a free list here, and a retain and release (two atomic operations) would cost more.
    @inline(__always)
    public func with<R>(_ body: (Value) throws -> R) rethrows -> R {
        try object._withUnsafeGuaranteedRef(body)
    }

    /// The value, which the pthread key keeps alive until the thread ends.
    @inline(__always)
    private var object: Unmanaged<Value> {
        if let p = pthread_getspecific(key) { return Unmanaged<Value>.fromOpaque(p) }
        let v = make()
        pthread_setspecific(key, Unmanaged.passRetained(v as AnyObject).toOpaque())
        return Unmanaged.passUnretained(v)
    }
}

/// A lock for the few shared structures of the engine (the standard library's futex-based
/// mutex: cheap when uncontended, which is the common case). In the ThreadSanitizer build the
/// lock also announces itself to the sanitizer: its contended path runs in the standard library,
/// which is not instrumented.
package final class Lock: @unchecked Sendable {
    private let m = Synchronization.Mutex<Void>(())

    public init() {}

    @inline(__always)
    public func withLock<R>(_ body: () throws -> R) rethrows -> R {
        #if GENTRAIN_TSAN
        return try m.withLock { _ in
            let address = Unmanaged.passUnretained(self).toOpaque()
            gt_tsan_acquire(address)
            defer { gt_tsan_release(address) }
            return try body()
        }
        #else
        try m.withLock { _ in try body() }
        #endif
    }
}
