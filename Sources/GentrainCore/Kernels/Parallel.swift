import CGentrainCPU
import COpenBLAS
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

// The threading model: one pool for everything the engine runs in parallel — its kernels, the
// products it splits into blocks, the workers of data parallel training — the engine's own
// (`gt_pool_run`, Sources/CGentrainCPU/pool.c). OpenBLAS (Debian's build has a pthread pool of
// its own) is always called single-threaded, and so is oneDNN's sgemm below its largest
// products: the pool splits their products into blocks instead, so two pools never compete for
// the cores. oneDNN's convolutions and its products from 32 MFLOP run on its OpenMP threads
// (libgomp), one region at a time between the pool's: split into single-threaded blocks, W1's
// weight gradient [1024, 256] · [256, 784] ran at half the speed (each block packs the shared
// operand again), and a convolution's weight gradient does not split without a reduction.
//
// Why a pool of its own: in a region of libgomp every thread waits at its end for the last to
// arrive, and a worker that sleeps between regions arrives late — on a VM, waking a sleeping
// thread took 120–290 µs, longer than most of a training step's regions; W4 ran 2.0–3.0 it/s on
// two threads against 4.1–4.7 with workers that spin (AMD EPYC family 25 model 1). Spinning
// costs a process that shares the machine up to 2.8× (bench/python/competition.py). In the
// engine's pool the caller returns as soon as every unit has run, so a late worker costs
// nothing, and idle workers yield their core for half a millisecond before they sleep.

/// Splits `0..<count` into contiguous chunks of at least `grain` items and runs `body` on them
/// over the pool (`Threads.count` threads); small ranges run inline on the caller's thread.
/// `body` must only write what its own chunk owns.
///
/// The range is cut into up to four chunks per thread, which the threads take as they come: a
/// thread slowed down (its core shared with another process, or still waking up) takes fewer,
/// instead of the whole region waiting for its fixed share.
@inline(__always)
package func parallelFor(_ count: Int, grain: Int, _ body: (Range<Int>) -> Void) {
    let chunks = count / Swift.max(grain, 1)
    guard chunks > 1, case let threads = Swift.min(Threads.usable, chunks), threads > 1 else {
        body(0..<count)
        return
    }
    withoutActuallyEscaping(body) { body in
        let job = ParallelJob(count: count, chunks: Swift.min(chunks, 4 * threads), body: body)
        withExtendedLifetime(job) {
            gt_pool_run(parallelJobEntry, Unmanaged.passUnretained(job).toOpaque(), job.chunks, Int32(threads), 0)
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
/// `threads` is 1 or inside a parallel region): the workers of data parallel training. Kernels
/// called by a task run on its thread. Tasks are dealt to the threads in turn (thread t runs
/// tasks t, t + n, ...), not taken as they come: a worker that wakes up late still gets its
/// share, instead of finding that the caller's thread has run every task alone.
package func parallelTasks(_ count: Int, threads: Int, _ body: (Int) -> Void) {
    let n = Swift.min(threads, count)
    guard n > 1, !Threads.inRegion else {
        for i in 0..<count { body(i) }
        return
    }
    withoutActuallyEscaping(body) { body in
        let job = TaskJob(count: count, threads: n, body: body)
        withExtendedLifetime(job) {
            gt_pool_run(taskJobEntry, Unmanaged.passUnretained(job).toOpaque(), n, Int32(n), 1)
        }
    }
}

/// One `parallelTasks` call, as the pool's threads see it: thread t runs tasks t, t + n, ...
private final class TaskJob {
    let count: Int, threads: Int, body: (Int) -> Void
    init(count: Int, threads: Int, body: @escaping (Int) -> Void) { (self.count, self.threads, self.body) = (count, threads, body) }
}

private let taskJobEntry: gt_pool_body = { context, thread in
    let job = Unmanaged<TaskJob>.fromOpaque(context!).takeUnretainedValue()
    for i in stride(from: thread, to: job.count, by: job.threads) { job.body(i) }
}

/// One `parallelFor` call, as the pool's threads see it: unit i is chunk i.
private final class ParallelJob {
    let count: Int, chunks: Int, body: (Range<Int>) -> Void
    init(count: Int, chunks: Int, body: @escaping (Range<Int>) -> Void) { (self.count, self.chunks, self.body) = (count, chunks, body) }
}

private let parallelJobEntry: gt_pool_body = { context, i in
    let job = Unmanaged<ParallelJob>.fromOpaque(context!).takeUnretainedValue()
    job.body((job.count * i / job.chunks)..<(job.count * (i + 1) / job.chunks))
}

/// libgomp, the OpenMP runtime oneDNN's convolutions and largest products run on.
struct OpenMP {
    private let setThreadsFn: @convention(c) (Int32) -> Void

    /// Sets the threads of oneDNN's next parallel regions: one in a child process forked after
    /// libgomp started its threads (a region there waits forever for threads that are gone).
    /// With more than one, the pool's idle workers go to sleep, leaving the cores to OpenMP's
    /// threads: yielding, they would still take a share of a core from them.
    static func setThreads(_ n: Int) {
        let n = forked ? 1 : n
        if n > 1 { gt_pool_sleep_idle_workers() }
        runtime?.setThreadsFn(Int32(n))
    }

    /// Set in a child process forked after libgomp loaded (its threads are the parent's).
    nonisolated(unsafe) private static var forked = false

    /// Spins of an idle OpenMP thread before it sleeps, unless the environment sets a wait
    /// policy: a few microseconds. libgomp's default (300,000 spins) keeps a core busy for
    /// milliseconds after every region: with another process on the machine, 2.7–3.8× slower
    /// than one thread (W3, W4 at 100,000 spins; AMD EPYC family 25 model 1, 2 cores).
    static let defaultSpinCount = "1000"

    /// libgomp, loaded once, after its wait policy is set (and oneDNN's instruction set cap, when
    /// `GENTRAIN_KERNELS` sets one). Loading oneDNN goes through here first (oneDNN depends on
    /// libgomp, and libgomp reads its environment when it loads).
    static let runtime: OpenMP? = {
        if getenv("OMP_WAIT_POLICY") == nil && getenv("GOMP_SPINCOUNT") == nil {
            setenv("GOMP_SPINCOUNT", defaultSpinCount, 0)
        }
        if let isa = CPU.oneDNNCap { setenv("DNNL_MAX_CPU_ISA", isa, 0) }   // read by oneDNN when it first runs
        guard let handle = dlopen("libgomp.so.1", RTLD_NOW | RTLD_LOCAL), let s = dlsym(handle, "omp_set_num_threads") else { return nil }
        pthread_atfork(nil, nil) { OpenMP.forked = true }
        return OpenMP(setThreadsFn: unsafeBitCast(s, to: (@convention(c) (Int32) -> Void).self))
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

    /// Whether the calling thread runs a unit of a parallel region: kernels called there run on it alone.
    package static var inRegion: Bool { gt_pool_in_region() != 0 }

    /// The threads kernels use now: `count`, or this thread's limit (`limitingThisThread`); one
    /// inside a parallel region (a kernel called from a `parallelFor` chunk runs on that chunk's thread).
    package static var usable: Int {
        if inRegion { return 1 }
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
