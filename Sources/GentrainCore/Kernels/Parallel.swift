import COpenBLAS
#if canImport(Glibc)
import Glibc
#endif

/// Splits `0..<count` into contiguous chunks of at least `grain` items and runs `body` on them
/// over the engine's threads (`Threads.count`); small ranges run inline on the caller's thread.
/// `body` must only write what its own chunk owns.
///
/// The threads are OpenMP's (libgomp's, which oneDNN's products also run on): one pool for
/// every kernel, so spinning workers of one never compete with another's. Without oneDNN (and
/// so libgomp), the engine's own kernels run on the caller's thread.
@inline(__always)
package func parallelFor(_ count: Int, grain: Int, _ body: (Range<Int>) -> Void) {
    let threads = Swift.min(Threads.usable, count / Swift.max(grain, 1))
    guard threads > 1, let omp = OpenMP.runtime else {
        body(0..<count)
        return
    }
    withoutActuallyEscaping(body) { body in
        let job = ParallelJob(count: count, threads: threads, body: body)
        withExtendedLifetime(job) {
            omp.parallel(parallelJobEntry, Unmanaged.passUnretained(job).toOpaque(), UInt32(threads), 0)
        }
    }
}

/// One `parallelFor` call, as the OpenMP threads see it.
private final class ParallelJob {
    let count: Int, threads: Int, body: (Range<Int>) -> Void
    init(count: Int, threads: Int, body: @escaping (Range<Int>) -> Void) { (self.count, self.threads, self.body) = (count, threads, body) }
}

/// What each OpenMP thread runs: its share of the job.
private let parallelJobEntry: @convention(c) (UnsafeMutableRawPointer?) -> Void = { context in
    let job = Unmanaged<ParallelJob>.fromOpaque(context!).takeUnretainedValue()
    let t = Int(OpenMP.runtime!.threadNum())
    job.body((job.count * t / job.threads)..<(job.count * (t + 1) / job.threads))
}

/// libgomp's entry points, found through oneDNN, which depends on it.
struct OpenMP {
    typealias Parallel = @convention(c) (@convention(c) (UnsafeMutableRawPointer?) -> Void, UnsafeMutableRawPointer?, UInt32, UInt32) -> Void
    let parallel: Parallel
    let threadNum: @convention(c) () -> Int32
    let setThreads: @convention(c) (Int32) -> Void
    let inParallelFn: @convention(c) () -> Int32

    /// Whether the calling thread is inside a parallel region: kernels called there run on it alone.
    static var inParallel: Bool { runtime.map { $0.inParallelFn() != 0 } ?? false }

    /// Set in the child of a fork(): the parent's OpenMP pool does not survive it (a parallel
    /// region there waits forever for threads that are gone), so the child runs on one thread.
    nonisolated(unsafe) static var forked = false

    static let runtime: OpenMP? = {
        guard let handle = OneDNN.library?.handle,   // libgomp comes with oneDNN
              let p = dlsym(handle, "GOMP_parallel"), let n = dlsym(handle, "omp_get_thread_num"),
              let s = dlsym(handle, "omp_set_num_threads"), let i = dlsym(handle, "omp_in_parallel") else { return nil }
        pthread_atfork(nil, nil) { OpenMP.forked = true }
        return OpenMP(parallel: unsafeBitCast(p, to: Parallel.self), threadNum: unsafeBitCast(n, to: (@convention(c) () -> Int32).self),
                      setThreads: unsafeBitCast(s, to: (@convention(c) (Int32) -> Void).self),
                      inParallelFn: unsafeBitCast(i, to: (@convention(c) () -> Int32).self))
    }()
}

/// Threads the engine uses for matrix products and its own kernels (PyTorch's `torch.set_num_threads`).
public enum Threads {
    /// Sets the number of threads (at least 1).
    public static func set(_ n: Int) throws {
        guard n >= 1 && n <= 1024 else { throw GentrainError.argument("set_num_threads: expected 1...1024 threads, got \(n)") }
        openblas_set_num_threads(Int32(n))
    }

    public static var count: Int { Int(openblas_get_num_threads()) }

    /// The threads kernels use now: `count`; one inside a parallel region (a kernel called from a
    /// `parallelFor` chunk runs on that chunk's thread) and in a child process forked after the
    /// thread pool started (see `OpenMP.forked`).
    static var usable: Int { OpenMP.forked || OpenMP.inParallel ? 1 : count }
}
