import CGentrainCPU
import COpenBLAS
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

// The threading model: one pool for everything that runs in parallel. The pool is libgomp's
// (GNU OpenMP, loaded at run time), which oneDNN's products and convolutions run on too. OpenBLAS
// (Debian's build has a pthread pool of its own) is always called single-threaded; large products
// are split into blocks over the pool here instead, so two pools never compete for the cores.
// Idle workers yield: unless the environment says otherwise (OMP_WAIT_POLICY, GOMP_SPINCOUNT),
// they spin for a few microseconds after a parallel region and then sleep, so a process that
// shares the machine (or the host's own threads) gets the cores back. Without libgomp every
// kernel runs on the caller's thread.

/// Splits `0..<count` into contiguous chunks of at least `grain` items and runs `body` on them
/// over the pool (`Threads.count` threads); small ranges run inline on the caller's thread.
/// `body` must only write what its own chunk owns.
///
/// The range is cut into up to four chunks per thread, which the threads take in turn: a thread
/// slowed down (its core shared with another process) takes fewer, instead of the whole region
/// waiting for its fixed share.
@inline(__always)
package func parallelFor(_ count: Int, grain: Int, _ body: (Range<Int>) -> Void) {
    let chunks = count / Swift.max(grain, 1)
    guard chunks > 1, case let threads = Swift.min(Threads.usable, chunks), threads > 1, let omp = OpenMP.runtime else {
        body(0..<count)
        return
    }
    withoutActuallyEscaping(body) { body in
        let job = ParallelJob(count: count, chunks: Swift.min(chunks, 4 * threads), body: body)
        withExtendedLifetime(job) {
            omp.parallel(parallelJobEntry, Unmanaged.passUnretained(job).toOpaque(), UInt32(threads), 0)
        }
    }
}

/// `parallelFor` over `count` items (rows, columns, slivers) of `itemSize` elements each, at least
/// `grain` elements per thread.
@inline(__always)
func parallelFor(_ count: Int, itemSize: Int, grain: Int, _ body: (Range<Int>) -> Void) {
    parallelFor(count, grain: Swift.max(1, grain / Swift.max(itemSize, 1)), body)
}

/// Runs `body(0)`, ..., `body(count - 1)` on up to `threads` threads of the pool (inline when
/// `threads` is 1, without the pool, or inside a parallel region): the workers of data parallel
/// training. Kernels called by a task run on its thread. Tasks are dealt to the threads in turn
/// (thread t runs tasks t, t + n, ...), not taken as they come: a worker that wakes up late still
/// gets its share, instead of finding that the caller's thread has run every task alone.
package func parallelTasks(_ count: Int, threads: Int, _ body: (Int) -> Void) {
    let n = Swift.min(threads, count)
    guard n > 1, !OpenMP.forked, !OpenMP.inParallel, let omp = OpenMP.runtime else {
        for i in 0..<count { body(i) }
        return
    }
    withoutActuallyEscaping(body) { body in
        let job = TaskJob(count: count, threads: n, body: body, threadNumber: omp.threadNumber)
        withExtendedLifetime(job) {
            omp.parallel(taskJobEntry, Unmanaged.passUnretained(job).toOpaque(), UInt32(n), 0)
        }
    }
}

/// One `parallelTasks` call, as the OpenMP threads see it.
private final class TaskJob {
    let count: Int, threads: Int, body: (Int) -> Void, threadNumber: @convention(c) () -> Int32
    init(count: Int, threads: Int, body: @escaping (Int) -> Void, threadNumber: @escaping @convention(c) () -> Int32) {
        (self.count, self.threads, self.body, self.threadNumber) = (count, threads, body, threadNumber)
    }
}

/// What each OpenMP thread runs: its tasks.
private let taskJobEntry: @convention(c) (UnsafeMutableRawPointer?) -> Void = { context in
    let job = Unmanaged<TaskJob>.fromOpaque(context!).takeUnretainedValue()
    for i in stride(from: Int(job.threadNumber()), to: job.count, by: job.threads) { job.body(i) }
}

/// One `parallelFor` call, as the OpenMP threads see it: its chunks and the next one to take.
private final class ParallelJob {
    let count: Int, chunks: Int, body: (Range<Int>) -> Void
    let next = Atomic<Int>(0)
    init(count: Int, chunks: Int, body: @escaping (Range<Int>) -> Void) { (self.count, self.chunks, self.body) = (count, chunks, body) }
}

/// What each OpenMP thread runs: chunks, until none is left.
private let parallelJobEntry: @convention(c) (UnsafeMutableRawPointer?) -> Void = { context in
    let job = Unmanaged<ParallelJob>.fromOpaque(context!).takeUnretainedValue()
    while true {
        let i = job.next.wrappingAdd(1, ordering: .relaxed).oldValue
        guard i < job.chunks else { return }
        job.body((job.count * i / job.chunks)..<(job.count * (i + 1) / job.chunks))
    }
}

/// libgomp's entry points.
struct OpenMP {
    typealias Parallel = @convention(c) (@convention(c) (UnsafeMutableRawPointer?) -> Void, UnsafeMutableRawPointer?, UInt32, UInt32) -> Void
    let parallel: Parallel
    let setThreads: @convention(c) (Int32) -> Void
    let inParallelFn: @convention(c) () -> Int32
    let threadNumber: @convention(c) () -> Int32

    /// Whether the calling thread is inside a parallel region: kernels called there run on it alone.
    static var inParallel: Bool { runtime.map { $0.inParallelFn() != 0 } ?? false }

    /// Set in the child of a fork(): the parent's OpenMP pool does not survive it (a parallel
    /// region there waits forever for threads that are gone), so the child runs on one thread.
    nonisolated(unsafe) static var forked = false

    /// Spins of an idle worker before it sleeps, unless the environment sets a wait policy: a few
    /// microseconds. libgomp's default (300,000 spins) keeps a core busy for milliseconds after
    /// every parallel region: with another process on the machine, 2.7–3.8× slower than one
    /// thread (W3, W4 at 100,000 spins), and 1.6× at 10,000; 1,000 gives 1.0–1.1× there and costs
    /// nothing measurable without competition (AMD EPYC family 25 model 1, 2 cores;
    /// bench/python/competition.py).
    static let defaultSpinCount = "1000"

    /// libgomp, loaded once, after its wait policy is set. Loading oneDNN goes through here
    /// first (oneDNN depends on libgomp, and libgomp reads its environment when it loads).
    static let runtime: OpenMP? = {
        if getenv("OMP_WAIT_POLICY") == nil && getenv("GOMP_SPINCOUNT") == nil {
            setenv("GOMP_SPINCOUNT", defaultSpinCount, 0)
        }
        _ = openBLASSingleThreaded   // as early as the pool: OpenBLAS's own threads stop spinning
        guard let handle = dlopen("libgomp.so.1", RTLD_NOW | RTLD_LOCAL),
              let p = dlsym(handle, "GOMP_parallel"),
              let s = dlsym(handle, "omp_set_num_threads"), let i = dlsym(handle, "omp_in_parallel"),
              let t = dlsym(handle, "omp_get_thread_num") else { return nil }
        pthread_atfork(nil, nil) { OpenMP.forked = true }
        return OpenMP(parallel: unsafeBitCast(p, to: Parallel.self),
                      setThreads: unsafeBitCast(s, to: (@convention(c) (Int32) -> Void).self),
                      inParallelFn: unsafeBitCast(i, to: (@convention(c) () -> Int32).self),
                      threadNumber: unsafeBitCast(t, to: (@convention(c) () -> Int32).self))
    }()
}

/// Threads the engine uses for matrix products and its own kernels (PyTorch's `torch.set_num_threads`).
public enum Threads {
    /// The count a process starts with: `OMP_NUM_THREADS` when it holds a count in 1...1024, else
    /// the CPUs the process may run on (its affinity mask, as `taskset` or a container sets it).
    public static let defaultCount: Int = {
        if let env = getenv("OMP_NUM_THREADS"), let n = Int(String(cString: env).split(separator: ",").first ?? ""),
           (1...1024).contains(n) {
            return n
        }
        return Swift.min(Int(gt_cpu_usable_count()), 1024)
    }()

    /// The count set by `set` (0: `defaultCount`); every backend reads it at each call.
    private static let chosen = Atomic<Int>(0)

    /// Sets the number of threads (1...1024), at any time; the next parallel region uses it.
    public static func set(_ n: Int) throws {
        guard n >= 1 && n <= 1024 else { throw GentrainError.argument("set_num_threads: expected 1...1024 threads, got \(n)") }
        chosen.store(n, ordering: .relaxed)
    }

    public static var count: Int {
        let n = chosen.load(ordering: .relaxed)
        return n == 0 ? defaultCount : n
    }

    /// The threads kernels use now: `count`, or this thread's limit (`limitingThisThread`); one
    /// inside a parallel region (a kernel called from a `parallelFor` chunk runs on that chunk's
    /// thread) and in a child process forked after the thread pool started (see `OpenMP.forked`).
    package static var usable: Int {
        if OpenMP.forked || OpenMP.inParallel { return 1 }
        let limit = threadLimit.with { $0.limit }
        return limit == 0 ? count : Swift.min(count, limit)
    }

    /// Runs `body` with the kernels this thread calls limited to `n` threads (1: all on this
    /// thread): each of N ranks running as threads of one process takes its share of the cores,
    /// and deterministic data parallel training runs every shard alike.
    package static func limitingThisThread<R>(to n: Int, _ body: () throws -> R) rethrows -> R {
        let box = threadLimit.value, previous = box.limit
        box.limit = Swift.max(n, 1)
        defer { box.limit = previous }
        return try body()
    }

    /// Limits the kernels this thread calls to `n` threads from now on (a rank's thread).
    package static func limitThisThread(to n: Int) { threadLimit.value.limit = Swift.max(n, 1) }

    private final class Limit { var limit = 0 }
    private static let threadLimit = ThreadLocal { Limit() }
}
