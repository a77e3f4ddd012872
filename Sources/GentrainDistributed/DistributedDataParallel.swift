import GentrainCore
import GentrainNN

/// Options of distributed data parallel training (PyTorch's `DistributedDataParallel` arguments).
public struct DDPOptions: Sendable {
    /// Gradients are averaged in buckets of about this many mebibytes (PyTorch's `bucket_cap_mb`, 25).
    public var bucketCapMB: Double = 25
    /// The first bucket (the last parameters, whose gradients are ready first) is this small, so
    /// communication starts early (PyTorch: 1 MiB, unless `bucket_cap_mb` is given: then that).
    public var firstBucketMB: Double = 1
    /// Rank 0's buffers (running statistics) are copied to every rank before each forward.
    public var broadcastBuffers = true
    /// Parameters that get no gradient in a backward pass are averaged as zeros; otherwise such a
    /// parameter is an error that names it (PyTorch's `find_unused_parameters`, default off).
    public var findUnusedParameters = false
    /// Deterministic mode: each bucket is all-gathered and the ranks' gradients summed in a fixed
    /// order (`fixedOrderSum`) instead of all-reduced in whatever order the backend adds. With
    /// DataParallel's deterministic shards inside each rank (k / worldSize shards per rank for a
    /// fixed k) and a power-of-two number of ranks, training gives the same bits on 1, 2, 4, ...
    /// ranks. Costs worldSize times the memory and traffic of an all-reduce per bucket.
    public var deterministic = false

    public init() {}
}

/// The gradient side of distributed data parallel training, for any list of parameters (a
/// Swift module, a Python model, tensors a C program built): at construction, rank 0's
/// parameters and buffers are copied to every rank; then, during each `backward()`, each
/// parameter's gradient, once final (a post-accumulate hook), joins its bucket, and a full bucket
/// is averaged across ranks at once — in bucket order, the same on every rank — while backward
/// goes on with the rest. When the pass ends, the remaining buckets are checked (and, with
/// `findUnusedParameters`, averaged with zeros for missing gradients).
///
/// Buckets hold parameters in reverse registration order (gradients arrive roughly last layer
/// first), split by dtype and by size (`DDPOptions`). After averaging, each parameter's `.grad`
/// is a view of its bucket's buffer.
public final class GradientReducer: @unchecked Sendable {
    public let group: ProcessGroup
    public let options: DDPOptions
    /// The parameters that require grad, with their names, and the buffers kept in sync.
    public let parameters: [(String, Tensor)], buffers: [Tensor]
    /// Whether backward passes average gradients (`noSync` turns it off to accumulate locally).
    public var requireGradSync = true

    private struct Bucket {
        var members: [Int] = []        // parameter indices
        var offsets: [Int] = []        // of each member in the flat buffer, in elements
        var numel = 0
        var dtype: DType = .float32
        var ready = 0
    }
    private var buckets: [Bucket] = []
    private var bucketOf: [Int] = []
    private var isReady: [Bool] = []
    private var nextBucket = 0
    private var passActive = false
    /// Set when a backward pass failed after this rank had averaged some of its buckets: the
    /// ranks are out of step, and every later use is an error saying so.
    private var outOfStep: String?
    private var hooks: [HookHandle] = []
    private let lock = Lock()

    /// What the last synchronized backward pass did: buckets averaged while backward still ran,
    /// and those averaged when it ended (a test hook for the overlap).
    public private(set) var lastPass = (duringBackward: 0, atEnd: 0)
    /// Synchronized backward passes this reducer has finished.
    public private(set) var completedPasses = 0

    /// Broadcasts rank 0's `parameters` and `buffers` to every rank (a collective: every rank
    /// constructs its reducer at the same point), then hooks the parameters' gradients.
    public init(parameters: [(String, Tensor)], buffers: [Tensor], group: ProcessGroup, options: DDPOptions = DDPOptions()) throws {
        guard options.bucketCapMB > 0, options.firstBucketMB > 0, options.bucketCapMB.isFinite, options.firstBucketMB.isFinite else {
            throw GentrainError(.invalidArgument, "DistributedDataParallel: bucket sizes must be positive, got bucket_cap_mb \(options.bucketCapMB), first bucket \(options.firstBucketMB)")
        }
        self.parameters = parameters.filter { $0.1.requiresGrad }
        (self.buffers, self.group, self.options) = (buffers, group, options)
        for (name, p) in self.parameters where !p.isLeaf || !p.isContiguous {
            throw GentrainError(.invalidArgument, "DistributedDataParallel: parameter '\(name)' must be a contiguous leaf tensor")
        }
        try withNoGrad {
            for (_, p) in parameters { try group.broadcast(p, source: 0) }
            for b in buffers { try group.broadcast(b, source: 0) }
        }
        assignBuckets()
        // Buckets are averaged without a per-call check: their layout must match on every rank.
        let layout = self.parameters.reduce(0) { ($0 &* 1_000_003 &+ $1.1.numel &* 8 &+ Int($1.1.dtype.rawValue)) & 0x3FFF_FFFF_FFFF }
        try group.checkAgreement("DistributedDataParallel", [("number of parameters that require grad", self.parameters.count),
                                                            ("layout of those parameters", layout)])
        for (i, (_, p)) in self.parameters.enumerated() {
            hooks.append(try p.registerPostAccumulateGradHook { [unowned self] _ in try self.gradientReady(i) })
        }
    }

    deinit { for h in hooks { h.remove() } }

    /// Copies rank 0's buffers to every rank (DDP does it before each forward).
    public func syncBuffers() throws {
        if let outOfStep { throw GentrainError(.distributed, outOfStep) }
        try withNoGrad { for b in buffers { try group.broadcast(b, source: 0) } }
    }

    /// Runs `body` with gradient averaging off: its backward passes accumulate `.grad` locally,
    /// and the next synchronized pass averages the sum (PyTorch's `no_sync()`).
    public func noSync<R>(_ body: () throws -> R) rethrows -> R {
        let previous = requireGradSync
        requireGradSync = false
        defer { requireGradSync = previous }
        return try body()
    }

    /// Bucket assignment: reverse parameter order, one dtype per bucket, the first bucket capped
    /// at `firstBucketMB` and the others at `bucketCapMB`.
    private func assignBuckets() {
        var open: [DType: Bucket] = [:]
        bucketOf = Array(repeating: 0, count: parameters.count)
        func close(_ b: Bucket) {
            for m in b.members { bucketOf[m] = buckets.count }
            buckets.append(b)
        }
        for i in parameters.indices.reversed() {
            let p = parameters[i].1
            var b = open[p.dtype] ?? Bucket(dtype: p.dtype)
            b.members.append(i)
            b.offsets.append(b.numel)
            b.numel += p.numel
            let cap = (buckets.isEmpty ? options.firstBucketMB : options.bucketCapMB) * 1_048_576
            if Double(b.numel * p.dtype.itemSize) >= cap {
                close(b)
                open[p.dtype] = nil
            } else {
                open[p.dtype] = b
            }
        }
        for (_, b) in open.sorted(by: { $0.value.members[0] > $1.value.members[0] }) { close(b) }
        isReady = Array(repeating: false, count: parameters.count)
    }

    /// A parameter's gradient is final for this pass: its bucket may be complete.
    private func gradientReady(_ i: Int) throws {
        guard requireGradSync else { return }
        try lock.withLock {
            if let outOfStep { throw GentrainError(.distributed, outOfStep) }
            if !passActive {
                passActive = true
                lastPass = (0, 0)
                try Autograd.queueCallback({ [unowned self] in try self.lock.withLock { try self.finishPass() } },
                                           ifPassFails: { [unowned self] in self.lock.withLock { self.abandonPass() } })
            }
            guard !isReady[i] else { return }
            isReady[i] = true
            buckets[bucketOf[i]].ready += 1
            lastPass.duringBackward += try launchCompleteBuckets()
        }
    }

    /// Averages complete buckets in order, from the next one on; returns how many.
    private func launchCompleteBuckets() throws -> Int {
        var launched = 0
        while nextBucket < buckets.count && buckets[nextBucket].ready == buckets[nextBucket].members.count {
            try average(buckets[nextBucket])
            nextBucket += 1
            launched += 1
        }
        return launched
    }

    /// The end of a backward pass: every bucket must have been averaged. Missing gradients are
    /// an error naming their parameters, or zeros with `findUnusedParameters`.
    private func finishPass() throws {
        defer {
            completedPasses += 1
            passActive = false
            nextBucket = 0
            for k in buckets.indices { buckets[k].ready = 0 }
            for k in isReady.indices { isReady[k] = false }
        }
        guard nextBucket < buckets.count else { return }
        let missing = parameters.indices.filter { !isReady[$0] }
        guard options.findUnusedParameters else {
            let names = missing.prefix(10).map { "'\(parameters[$0].0)' (index \($0))" }.joined(separator: ", ")
            throw GentrainError(.distributed, "DistributedDataParallel: rank \(group.rank): parameters that require grad received no gradient in this backward pass: \(names)\(missing.count > 10 ? ", ..." : ""). Pass find_unused_parameters=True if some parameters are unused in the forward, or make sure every parameter's output takes part in the loss")
        }
        for i in missing { isReady[i] = true; buckets[bucketOf[i]].ready += 1 }
        lastPass.atEnd += try launchCompleteBuckets()
    }

    /// A backward pass failed midway: with nothing averaged yet, the next pass starts afresh; after
    /// some buckets were averaged, the ranks no longer agree on where they are.
    private func abandonPass() {
        if nextBucket > 0 {
            outOfStep = "DistributedDataParallel: rank \(group.rank): a backward pass failed after \(nextBucket) of its \(buckets.count) gradient buckets had been averaged across the ranks; the ranks are out of step (make a new group and DistributedDataParallel to go on)"
        }
        passActive = false
        nextBucket = 0
        for k in buckets.indices { buckets[k].ready = 0 }
        for k in isReady.indices { isReady[k] = false }
    }

    /// Averages one bucket across ranks; each member's `.grad` becomes a view of the result.
    private func average(_ b: Bucket) throws {
        try withNoGrad {
            let missing = b.members.contains { parameters[$0].1.grad == nil }   // zeros stand in for them
            let flat = try Tensor(empty: [b.numel], dtype: b.dtype, zeroed: missing)
            for (m, off) in zip(b.members, b.offsets) {
                let p = parameters[m].1
                if let g = p.grad { try flat.narrow(0, start: off, length: p.numel).copy_(g.reshape([p.numel])) }
            }
            var averaged = flat
            if options.deterministic {
                let all = try group.allGather(flat)   // [worldSize, numel]
                averaged = try fixedOrderSum(try (0..<group.worldSize).map { try all.select(0, $0) }[...])
                try averaged.mulInPlace(1 / Double(group.worldSize))
            } else {
                try group.allReduceAgreed(flat, op: .average)   // buckets match: parameters were checked at construction
            }
            for (m, off) in zip(b.members, b.offsets) {
                let p = parameters[m].1
                p.grad = try averaged.narrow(0, start: off, length: p.numel).reshape(p.shape)
            }
        }
    }
}

/// PyTorch's `nn.parallel.DistributedDataParallel` for Swift modules: wraps `module` (its
/// state-dict names gain the prefix `module.`), copies rank 0's state to every rank at
/// construction and its buffers before each forward, and averages gradients across the group's
/// ranks during backward (`GradientReducer`). Every rank runs the same model on its own part of
/// the batch.
public final class DistributedDataParallel: Module {
    public let module: Module
    public let reducer: GradientReducer

    public init(_ module: Module, group: ProcessGroup, options: DDPOptions = DDPOptions()) throws {
        self.module = module
        reducer = try GradientReducer(parameters: module.namedParameters(), buffers: module.namedBuffers().map(\.1),
                                      group: group, options: options)
        super.init()
        try registerModule("module", module)
    }

    public override func forward(_ input: Tensor) throws -> Tensor {
        if reducer.options.broadcastBuffers && !reducer.buffers.isEmpty { try reducer.syncBuffers() }
        return try module.forward(input)
    }

    /// Backward passes inside `body` accumulate gradients without averaging (PyTorch's `no_sync()`).
    public func noSync<R>(_ body: () throws -> R) rethrows -> R { try reducer.noSync(body) }
}
