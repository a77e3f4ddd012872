import GentrainCore
import GentrainNN

/// Data parallel training in one process (PyTorch's `nn.DataParallel`): the batch is cut into
/// shards along dimension 0, workers (threads of the engine's pool) run the forward of each
/// shard and, during backward, each shard's backward; the shards' parameter gradients are summed
/// into the parameters' `.grad`, and the outputs are concatenated.
///
/// Shard 0 runs with the module's buffers updated (running statistics); the others compute with
/// them but do not update them, as PyTorch's replicas other than the first. Each shard draws
/// random numbers (dropout) from its own generator, seeded from the default generator in shard
/// order. Gradients are summed over shards in a fixed pairwise order.
///
/// **Deterministic mode** (`shards` set): the batch is always cut into that many shards whatever
/// the number of workers, and every shard runs its kernels on one thread, so the results are
/// bit-identical for 1, 2, 4, ... workers. Its cost: no intra-op threads within a shard (with
/// fewer workers than cores, cores stay idle) and the batch must hold at least `shards` rows.
public struct DataParallelOptions: Sendable {
    /// Worker threads (default: the engine's thread count).
    public var workers: Int = Threads.count
    /// Deterministic mode's fixed shard count; nil: one shard per worker.
    public var shards: Int? = nil

    public init(workers: Int? = nil, shards: Int? = nil) {
        if let workers { self.workers = workers }
        self.shards = shards
    }

    func check() throws {
        guard workers >= 1 && workers <= 1024 else {
            throw GentrainError(.invalidArgument, "DataParallel: workers must be in 1...1024, got \(workers)")
        }
    }
}

/// Runs `forward` on shards of `input` in parallel, as one differentiable op over `input` and
/// `parameters` (the tensors whose gradients the shards' backward passes sum): the engine of
/// `DataParallel`, usable with any forward function (a host's callback).
///
/// `caller` identifies the model across calls (nil: none): its first calls for an input shape
/// time the shards on the workers and the same shards one after another on the caller's thread,
/// and the faster way is kept (`ShardScheduling`), so a model too small to pay for handing shards
/// to other threads is slowed down less. Both ways compute the same bits: each shard's forward
/// sees only its rows (batch norm's statistics, as PyTorch's replicas), and its kernels run on one
/// thread either way, so which way runs never changes a result.
public func dataParallelApply(_ input: Tensor, parameters: [Tensor], options: DataParallelOptions, caller: Int? = nil,
                              _ forward: @escaping (Tensor, Int) throws -> Tensor) throws -> Tensor {
    try options.check()
    guard input.ndim >= 1, input.shape[0] >= 1 else {
        throw GentrainError(.shape, "DataParallel: the input needs a batch dimension with at least one row, got shape \(shapeString(input.shape))")
    }
    let n = input.shape[0]
    if let s = options.shards, !(1...n).contains(s) {
        throw GentrainError(.invalidArgument, "DataParallel: deterministic mode cuts the batch into \(s) shards, but the batch has \(n) rows")
    }
    let key = caller.map { ShardScheduling.key($0, input.shape, options) }
    let onWorkers = key.map { ShardScheduling.shared.onWorkers($0) } ?? true
    let plan = ShardPlan(rows: n, shards: options.shards ?? Swift.min(options.workers, n),
                         workers: onWorkers ? options.workers : 1, oneThreadEach: options.shards != nil || options.workers > 1)
    let seeds = (0..<plan.count).map { _ in Generator.nextDefaultSeed() }
    let trained = parameters.filter(\.requiresGrad)
    let recording = GradMode.isEnabled && (input.requiresGrad || !trained.isEmpty)
    let context = CallerContext()

    // Forward: each shard's input is a leaf of its own graph.
    var shardInputs: [Tensor] = []
    for k in 0..<plan.count {
        let x = try input.narrow(0, start: plan.start(k), length: plan.length(k)).detach()
        if recording && input.requiresGrad { try x.setRequiresGrad(true) }
        shardInputs.append(x)
    }
    let started = monotonicSeconds()
    let outputs = try plan.run { k in
        try context.apply(shard: k, seed: seeds[k]) { try forward(shardInputs[k], k) }
    }
    if let key { ShardScheduling.shared.record(key, onWorkers: onWorkers, seconds: monotonicSeconds() - started) }
    for (k, y) in outputs.enumerated() where y.ndim == 0 || y.shape[0] != plan.length(k) {
        throw GentrainError(.shape, "DataParallel: the forward of shard \(k) (\(plan.length(k)) rows) returned shape \(shapeString(y.shape)); outputs are concatenated along dimension 0")
    }
    guard recording else { return try withNoGrad { try Tensor.cat(outputs.map { $0.detach() }, dim: 0) } }

    // Backward: each shard's gradients on its worker, summed over shards in a fixed order.
    let wanted = (input.requiresGrad ? [input] : []) + trained
    return try customOp("DataParallelBackward", wanted, forward: { _ in
        try Tensor.cat(outputs.map { $0.detach() }, dim: 0)
    }, backward: { _, _, grad in
        let create = GradMode.isEnabled
        let grads = try plan.run { k in
            let targets = (input.requiresGrad ? [shardInputs[k]] : []) + trained
            return try GradMode.with(enabled: create) {
                try Autograd.grad(outputs: [outputs[k]], inputs: targets,
                                  gradOutputs: [grad.narrow(0, start: plan.start(k), length: plan.length(k))],
                                  createGraph: create, allowUnused: true)
            }
        }
        var result: [Tensor?] = []
        if input.requiresGrad { result.append(try Tensor.cat(try grads.map { try $0[0] ?? Tensor.zeros(shardInputs[0].shape, dtype: input.dtype) }, dim: 0)) }
        let offset = input.requiresGrad ? 1 : 0
        for (j, p) in trained.enumerated() {
            let perShard = try grads.map { try $0[offset + j] ?? Tensor.zeros(p.shape, dtype: p.dtype) }
            result.append(try fixedOrderSum(perShard[...]))
        }
        return result
    })
}

/// Sums in a fixed binary tree (the left part the largest power of two below the count), so
/// that the sums of equal power-of-two blocks of shards are nodes of the same tree: 4 shards
/// summed as (0 + 1) + (2 + 3) on one worker, or as two pairs on two workers or ranks and then
/// the pairs' sums, give the same bits.
func fixedOrderSum(_ xs: ArraySlice<Tensor>) throws -> Tensor {
    guard xs.count > 1 else { return xs.first! }
    var left = 1
    while left * 2 < xs.count { left *= 2 }
    return try fixedOrderSum(xs.prefix(left)) + fixedOrderSum(xs.dropFirst(left))
}

/// The shards of one batch: rows `[rows·k/count, rows·(k+1)/count)`, and how they run.
private struct ShardPlan {
    let rows: Int, count: Int, workers: Int
    /// Whether every shard's kernels run on one thread, whichever thread runs the shard: in
    /// deterministic mode, and whenever shards may run on workers (where a kernel has its thread
    /// alone), so that shards run one after another on the caller's thread compute the same bits
    /// (the GEMM backend is chosen per thread count, and a product split over threads may round
    /// otherwise).
    let oneThreadEach: Bool

    init(rows: Int, shards: Int, workers: Int, oneThreadEach: Bool) {
        (self.rows, self.count, self.workers, self.oneThreadEach) = (rows, shards, workers, oneThreadEach)
    }

    func start(_ k: Int) -> Int { rows * k / count }
    func length(_ k: Int) -> Int { rows * (k + 1) / count - start(k) }

    /// Runs `body` for every shard on the workers; the first error (by shard) is rethrown.
    func run<R>(_ body: (Int) throws -> R) throws -> [R] {
        var results = [Result<R, Error>?](repeating: nil, count: count)
        results.withUnsafeMutableBufferPointer { slots in
            parallelTasks(count, threads: workers) { k in
                slots[k] = Result {
                    oneThreadEach ? try Threads.limitingThisThread(to: 1) { try body(k) } : try body(k)
                }
            }
        }
        return try results.map { try $0!.get() }
    }
}

/// Where a model's calls run: their shards on the workers, or one after another on the caller's
/// thread. Per (model, input shape, options), the first twelve calls alternate, the last eight of
/// them timed (forward only; the first four warm up both ways: products measuring their backend,
/// a worker's first buffers); then the faster way is kept. A small MLP at batch 64 runs slower on two workers than on
/// one thread (handing shards to another thread and waking it costs more than the shard's work:
/// AMD EPYC family 25 model 1, 2 cores); a VAE at batch 128 runs 1.3× faster. (The caller's thread
/// once ran the whole batch in one forward, which is faster still for such a model but gives a
/// batch-norm layer other statistics: the result depended on a timing.)
final class ShardScheduling: @unchecked Sendable {
    static let shared = ShardScheduling()
    private let lock = Lock()
    private var entries: [Int: (workers: Double, caller: Double, calls: Int)] = [:]
    private var lastModel = 0
    private static let (warmUp, trials) = (4, 12)

    /// A caller identity for a new model, never reused (an object's address is: a model freed
    /// and another made at its address would inherit its measurements).
    static func newModel() -> Int {
        shared.lock.withLock {
            shared.lastModel += 1
            return shared.lastModel
        }
    }

    static func key(_ caller: Int, _ shape: [Int], _ options: DataParallelOptions) -> Int {
        var h = Hasher()
        h.combine(caller)
        h.combine(shape)
        h.combine(options.workers)
        h.combine(options.shards)
        return h.finalize()
    }

    /// Whether this call runs its shards on the workers.
    func onWorkers(_ key: Int) -> Bool {
        lock.withLock {
            guard let e = entries[key] else { return true }
            return e.calls < Self.trials ? e.calls % 2 == 0 : e.workers <= e.caller
        }
    }

    func record(_ key: Int, onWorkers: Bool, seconds: Double) {
        lock.withLock {
            if entries.count > 4096 { entries = [:] }   // many shapes: measure again
            var e = entries[key] ?? (.infinity, .infinity, 0)
            guard e.calls < Self.trials else { return }
            if e.calls >= Self.warmUp {
                if onWorkers { e.workers = Swift.min(e.workers, seconds) } else { e.caller = Swift.min(e.caller, seconds) }
            }
            e.calls += 1
            entries[key] = e
        }
    }
}

/// The caller's per-thread settings, which each shard's worker takes over: grad mode and autocast.
private struct CallerContext {
    let gradEnabled = GradMode.isEnabled
    let autocast = Autocast.isEnabled ? (dtype: Autocast.dtype, cacheEnabled: Autocast.cacheEnabled) : nil

    /// Runs a shard's forward with the caller's settings, its own generator, and buffer updates
    /// on shard 0 only. A shard's graph is its own (its backward frees it), so it casts
    /// parameters into its own autocast cache, never the caller's: two DataParallel calls in one
    /// region would otherwise share a cast whose graph the first backward frees.
    func apply<R>(shard: Int, seed: UInt64, _ body: () throws -> R) throws -> R {
        try GradMode.with(enabled: gradEnabled) {
            try BufferUpdates.with(enabled: shard == 0 && BufferUpdates.isEnabled) {
                try Generator.standingIn(Generator(seed: seed)) {
                    guard let autocast else { return try body() }
                    return try Autocast.region(enabled: true, dtype: autocast.dtype, cacheEnabled: autocast.cacheEnabled) {
                        try Autocast.withOwnCache(body)
                    }
                }
            }
        }
    }
}

/// `nn.DataParallel` for Swift modules: `forward` runs `module` on shards of the batch in
/// parallel (`dataParallelApply`). The wrapped module's state-dict names gain the prefix
/// `module.`, as PyTorch's.
public final class DataParallel: Module {
    public let module: Module
    public let options: DataParallelOptions

    /// This model's identity for `ShardScheduling`.
    private let scheduling = ShardScheduling.newModel()

    public init(_ module: Module, options: DataParallelOptions = DataParallelOptions()) throws {
        try options.check()
        (self.module, self.options) = (module, options)
        super.init()
        try registerModule("module", module)
    }

    public override func forward(_ input: Tensor) throws -> Tensor {
        try dataParallelApply(input, parameters: module.parameters(), options: options, caller: scheduling) { [module] x, _ in
            try module.forward(x)
        }
    }
}
