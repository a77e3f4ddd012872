import XCTest

import Gentrain

/// Data parallel training: hooks, the threads backend's collectives, DDP and DataParallel
/// against one process on the whole batch, deterministic mode, the sampler.
final class DistributedTests: XCTestCase {
    // MARK: hooks

    func testPostAccumulateHookRunsOnceWithTheFinalGradientAndCallbacksRunAtTheEnd() throws {
        let w = try Tensor([1.0, 2.0] as [Float]).requiringGrad()
        var seen: [[Double]] = [], order: [String] = []
        let handle = try w.registerPostAccumulateGradHook { p in
            seen.append(try values(p.grad))
            order.append("hook")
            try Autograd.queueCallback { order.append("callback") }
        }
        let x = try Tensor([3.0, 4.0] as [Float])
        try ((w * x).sum() + (w * w).sum()).backward()   // w used twice: one hook call, after both
        XCTAssertEqual(seen, [[5, 8]])
        XCTAssertEqual(order, ["hook", "callback"])
        _ = try Autograd.grad(outputs: [(w * x).sum()], inputs: [w])   // grad() does not accumulate: no hook
        XCTAssertEqual(seen.count, 1)
        handle.remove()
        try (w * x).sum().backward()
        XCTAssertEqual(seen.count, 1)
        XCTAssertThrowsError(try Autograd.queueCallback {})
    }

    // MARK: collectives

    func testThreadGroupCollectives() throws {
        try ThreadGroup.run(worldSize: 3) { g in
            let r = Double(g.rank)
            for dtype in [DType.float32, .float64, .bfloat16] {
                let t = try Tensor([r, 10 * r + 1, -r] as [Double]).to(dtype)
                try g.allReduce(t, op: .sum)
                XCTAssertEqual(try values(t), [3, 33, -3], "sum \(dtype)")
                let a = try Tensor([r, 2 * r] as [Double]).to(dtype)
                try g.allReduce(a, op: .average)
                XCTAssertEqual(try values(a), [1, 2], "average \(dtype)")
                let m = try Tensor([r, -r] as [Double]).to(dtype)
                try g.allReduce(m, op: .max)
                XCTAssertEqual(try values(m), [2, 0], "max \(dtype)")
            }
            let b = try Tensor([r + 5, r] as [Double])
            try g.broadcast(b, source: 1)
            XCTAssertEqual(try values(b), [6, 1])
            let gathered = try g.allGather(try Tensor([r, r * r] as [Double]))
            XCTAssertEqual(gathered.shape, [3, 2])
            XCTAssertEqual(try values(gathered), [0, 0, 1, 1, 2, 4])
            try g.barrier()
        }
    }

    func testMismatchedCollectivesFailOnEveryRank() throws {
        let messages = Shared<[String]>([])
        XCTAssertThrowsError(try ThreadGroup.run(worldSize: 2) { g in
            do {
                try g.allReduce(try Tensor.zeros([g.rank == 0 ? 4 : 5]))
            } catch {
                messages.withLock { messages.value.append("\(error)") }
                throw error
            }
        })
        XCTAssertEqual(messages.value.count, 2)
        XCTAssertTrue(messages.value.allSatisfy { $0.contains("disagree on the element count") }, "\(messages.value)")
        // A refused argument on one rank (a non-contiguous tensor) is an error on both.
        XCTAssertThrowsError(try ThreadGroup.run(worldSize: 2) { g in
            let t = try Tensor.zeros([2, 2])
            try g.allReduce(g.rank == 0 ? t : try t.transpose(0, 1))
        }) { XCTAssertTrue("\($0)".contains("contiguous") || "\($0)".contains("refused"), "\($0)") }
    }

    func testARankThatFailsEndsTheOthersWaitsWithAnError() throws {
        let start = Date()
        let messages = Shared<[Int: String]>([:])
        XCTAssertThrowsError(try ThreadGroup.run(worldSize: 3) { g in
            do {
                if g.rank == 1 { throw GentrainError(.invalidArgument, "rank one's forward failed") }
                try g.allReduce(try Tensor.zeros([8]))
            } catch {
                messages.withLock { messages.value[g.rank] = "\(error)" }
                throw error
            }
        }) { XCTAssertTrue("\($0)".contains("rank one's forward failed"), "\($0)") }
        XCTAssertLessThan(Date().timeIntervalSince(start), 10)
        XCTAssertTrue(messages.value[0]!.contains("rank 1 failed"), messages.value[0]!)
        XCTAssertTrue(messages.value[2]!.contains("rank 1 failed"), messages.value[2]!)
        // A rank that returns without the collective the others wait in: they fail at once (its
        // group is gone), long before the timeout.
        let started = Date()
        XCTAssertThrowsError(try ThreadGroup.run(worldSize: 2, timeout: 60) { g in
            if g.rank == 0 { try g.barrier() }
        }) { XCTAssertTrue("\($0)".contains("rank 1 left the group"), "\($0)") }
        XCTAssertLessThan(Date().timeIntervalSince(started), 10)
        // A rank that failed and left before the others joined: they fail at once, with its message.
        do { try ThreadGroup.join(name: "early-leaver", rank: 1, worldSize: 2, timeout: 60).abort("gone early") }
        let late = ProcessGroup(try ThreadGroup.join(name: "early-leaver", rank: 0, worldSize: 2, timeout: 60))
        XCTAssertThrowsError(try late.barrier()) { XCTAssertTrue("\($0)".contains("gone early"), "\($0)") }
        // A rank that is there but never comes: the others time out instead of waiting forever.
        XCTAssertThrowsError(try ThreadGroup.run(worldSize: 2, timeout: 0.2) { g in
            if g.rank == 0 { try g.barrier() } else { usleep(600_000) }
        }) { XCTAssertTrue("\($0)".contains("waited"), "\($0)") }
    }

    func testSeparateRandomStreamsAreDistinctAndReproducible() throws {
        manualSeed(5)
        let plain = try values(Tensor.rand([4]))
        func draws() throws -> [Int: [Double]] {
            let out = Shared<[Int: [Double]]>([:])
            try ThreadGroup.run(worldSize: 3) { g in
                manualSeed(5)   // this rank thread's own default generator
                g.separateRandomStreams()
                let v = try values(Tensor.rand([4]))
                out.withLock { out.value[g.rank] = v }
            }
            return out.value
        }
        let first = try draws(), second = try draws()
        XCTAssertEqual(first, second)
        XCTAssertEqual(first[0], plain)
        XCTAssertNotEqual(first[1], first[0])
        XCTAssertNotEqual(first[2], first[1])
    }

    func testHostCollectivesBackend() throws {
        // A host's transport, here two threads meeting in the threads backend behind closures.
        try ThreadGroup.run(worldSize: 2) { inner in
            let host = try HostCollectives(rank: inner.rank, worldSize: 2,
                allReduce: { buf, n, dtype, op in try inner.backend.allReduce(buf, count: n, dtype: dtype, op: op) },
                broadcast: { buf, bytes, root in try inner.backend.broadcast(buf, byteCount: bytes, root: root) },
                allGather: { i, o, bytes in try inner.backend.allGather(i, into: o, byteCount: bytes) },
                barrier: { try inner.backend.barrier() })
            let g = ProcessGroup(host)
            let t = try Tensor([Double(g.rank + 1)] as [Double])
            try g.allReduce(t, op: .average)
            XCTAssertEqual(try values(t), [1.5])
        }
    }

    // MARK: DDP

    /// Linear(6, 8) - Tanh - Linear(8, 3), seeded.
    private func makeModel(seed: UInt64, batchNorm: Bool = false) throws -> Sequential {
        let g = Generator(seed: seed)
        var layers: [Module] = [try Linear(6, 8, generator: g)]
        if batchNorm { layers.append(try BatchNorm(8)) }
        layers += [Layers.tanh(), try Linear(8, 3, generator: g)]
        return try Sequential(layers)
    }

    private func batch(_ step: Int) throws -> (Tensor, Tensor) {
        let g = Generator(seed: 1000 + UInt64(step))
        return (try Tensor.randn([16, 6], generator: g), try Tensor.randn([16, 3], generator: g))
    }

    /// Trains `steps` SGD steps on the whole batch in one process.
    private func trainAlone(_ model: Module, steps: Int) throws -> [[Double]] {
        let opt = try SGD(model.parameters(), lr: 0.1, momentum: 0.9)
        for s in 0..<steps {
            let (x, y) = try batch(s)
            try opt.zeroGrad()
            try mseLoss(model(x), y).backward()
            try opt.step()
        }
        return try model.stateDict().map { try values($0.1) }
    }

    func testDDPOnTwoRanksEqualsOneProcessOnTheWholeBatch() throws {
        let expected = try trainAlone(try makeModel(seed: 7), steps: 5)
        let results = Shared<[Int: [[Double]]]>([:])
        let overlap = Shared<[Int]>([])
        try ThreadGroup.run(worldSize: 2) { g in
            // Rank 1 starts from other weights: the constructor broadcasts rank 0's.
            var options = DDPOptions()
            options.bucketCapMB = 1e-4   // ~100 bytes: several buckets
            options.firstBucketMB = 1e-4
            let ddp = try DistributedDataParallel(try self.makeModel(seed: 7 + UInt64(g.rank)), group: g, options: options)
            let opt = try SGD(ddp.parameters(), lr: 0.1, momentum: 0.9)
            for s in 0..<5 {
                let (x, y) = try self.batch(s)
                let half = { (t: Tensor) in try t.narrow(0, start: 8 * g.rank, length: 8) }
                try opt.zeroGrad()
                try mseLoss(ddp(half(x)), half(y)).backward()
                try opt.step()
                overlap.withLock { overlap.value.append(ddp.reducer.lastPass.duringBackward) }
            }
            let state = try ddp.module.stateDict().map { try values($0.1) }
            results.withLock { results.value[g.rank] = state }
        }
        for r in 0..<2 {
            let got = results.value[r]!
            for i in expected.indices { assertClose(got[i], expected[i], atol: 1e-6, rtol: 1e-5, "rank \(r) tensor \(i)") }
        }
        XCTAssertTrue(overlap.value.allSatisfy { $0 >= 2 }, "buckets averaged during backward: \(overlap.value)")
    }

    func testDDPBroadcastsRank0sBuffersBeforeEachForward() throws {
        try ThreadGroup.run(worldSize: 2) { g in
            let ddp = try DistributedDataParallel(try self.makeModel(seed: 2, batchNorm: true), group: g)
            let bn = try ddp.module.submodule("1") as! BatchNorm
            ddp.eval()
            try withNoGrad { try bn.runningMean!.copy_(try Tensor.full([8], Double(g.rank + 1))) }
            _ = try ddp(try self.batch(0).0)
            XCTAssertEqual(try values(bn.runningMean!), Array(repeating: 1, count: 8))
        }
    }

    func testDDPNoSyncAccumulatesLocallyAndUnusedParametersAreNamed() throws {
        try ThreadGroup.run(worldSize: 2) { g in
            let model = try DistributedDataParallel(try self.makeModel(seed: 3), group: g)
            let (x, y) = try self.batch(0)
            let mine = try x.narrow(0, start: 8 * g.rank, length: 8), target = try y.narrow(0, start: 8 * g.rank, length: 8)
            try model.noSync { try mseLoss(model(mine), target).backward() }
            let local = try values(model.module.parameters()[0].grad)
            try mseLoss(model(mine), target).backward()   // synced: averages twice the local gradient
            let synced = try values(model.module.parameters()[0].grad)
            let both = try g.allGather(try Tensor(local, shape: [local.count]))
            let bothValues = try values(both)
            let mean = (0..<local.count).map { (bothValues[$0] + bothValues[local.count + $0]) }   // 2·local per rank, averaged
            assertClose(synced, mean, atol: 1e-6, rtol: 1e-5, "no_sync then sync")

            // A parameter with no gradient: an error naming it; with find_unused_parameters, zeros.
            let frozenOut = try DistributedDataParallel(try self.makeModel(seed: 3), group: g)
            try frozenOut.zeroGrad()
            let first = try frozenOut.module.submodule("0")
            XCTAssertThrowsError(try first(mine).sum().backward()) { XCTAssertTrue("\($0)".contains("'2.weight'"), "\($0)") }
            var options = DDPOptions()
            options.findUnusedParameters = true
            let tolerant = try DistributedDataParallel(try self.makeModel(seed: 3), group: g, options: options)
            try tolerant.zeroGrad()
            try tolerant.module.submodule("0")(mine).sum().backward()
            XCTAssertEqual(try values(tolerant.module.parameters()[2].grad), Array(repeating: 0, count: 24))

            // A parameter frozen on one rank only would give the ranks other buckets: an error on both.
            let odd = try self.makeModel(seed: 3)
            if g.rank == 1 { try odd.parameters()[0].setRequiresGrad(false) }
            XCTAssertThrowsError(try DistributedDataParallel(odd, group: g)) {
                XCTAssertTrue("\($0)".contains("disagree on the number of parameters that require grad"), "\($0)")
            }
        }
    }

    func testABackwardPassThatFailsLeavesDDPUsableOrSaysTheRanksAreOutOfStep() throws {
        func failing(_ t: Tensor) throws -> Tensor {   // an op whose backward fails
            try customOp("Fails", [t], forward: { try $0[0] + 0 }, backward: { _, _, _ in
                throw GentrainError(.invalidArgument, "this backward fails")
            })
        }
        try ThreadGroup.run(worldSize: 1) { g in
            var options = DDPOptions()
            options.bucketCapMB = 1e-5   // a bucket per parameter
            options.firstBucketMB = 1e-5
            let ddp = try DistributedDataParallel(try self.makeModel(seed: 4), group: g, options: options)
            let (x, y) = try self.batch(0)
            // Failing before any bucket was complete (one bucket for all, the last layer's gradients
            // in it): nothing was averaged, and the next pass starts afresh.
            let whole = try DistributedDataParallel(try self.makeModel(seed: 4), group: g)
            let head = try failing(try whole.module.submodule("0")(x))
            XCTAssertThrowsError(try mseLoss(try whole.module.submodule("2")(try whole.module.submodule("1")(head)), y).backward())
            for pass in 1...2 {
                try whole.zeroGrad()
                try mseLoss(whole(x), y).backward()
                XCTAssertEqual(whole.reducer.lastPass.duringBackward, 1)
                XCTAssertEqual(whole.reducer.completedPasses, pass)
            }
            // Failing after the last layer's buckets were averaged: the ranks are out of step.
            let first = try ddp.module.submodule("0"), rest = [try ddp.module.submodule("1"), try ddp.module.submodule("2")]
            let h = try failing(first(x))
            XCTAssertThrowsError(try mseLoss(try rest[1](try rest[0](h)), y).backward())
            XCTAssertThrowsError(try mseLoss(ddp(x), y).backward()) { XCTAssertTrue("\($0)".contains("out of step"), "\($0)") }
        }
    }

    // MARK: DataParallel

    func testDataParallelEqualsTheModuleAloneAndDeterministicModeIsBitIdentical() throws {
        // 14 steps: the 12 that try both ways of running (ShardScheduling), then the faster way.
        let expected = try trainAlone(try makeModel(seed: 11), steps: 14)
        let parallel = try DataParallel(try makeModel(seed: 11), options: DataParallelOptions(workers: 2))
        let got = try trainAlone(parallel, steps: 14)
        for i in expected.indices { assertClose(got[i], expected[i], atol: 1e-6, rtol: 1e-5, "tensor \(i)") }

        // Running statistics come from shard 0 alone, as PyTorch's first replica.
        let (x, _) = try batch(0)
        let alone = try makeModel(seed: 11, batchNorm: true), split = try makeModel(seed: 11, batchNorm: true)
        _ = try alone(try x.narrow(0, start: 0, length: 8))
        _ = try DataParallel(split, options: DataParallelOptions(workers: 2))(x)
        XCTAssertEqual(try values(split.stateDict()[4].1), try values(alone.stateDict()[4].1))
        XCTAssertEqual(try values(split.stateDict()[6].1), [1])   // num_batches_tracked

        var runs: [[[Double]]] = []
        for workers in [1, 2, 4] {
            let model = try DataParallel(try makeModel(seed: 11), options: DataParallelOptions(workers: workers, shards: 4))
            runs.append(try trainAlone(model, steps: 20))
        }
        XCTAssertEqual(runs[0], runs[1], "1 and 2 workers")
        XCTAssertEqual(runs[0], runs[2], "1 and 4 workers")
    }

    /// A model's first calls alternate between its shards on the workers and its shards one after
    /// another on the caller's thread (`ShardScheduling`): both give the same bits, outputs and
    /// gradients, with products large enough to go to a GEMM backend (chosen per thread count).
    func testShardsOnTheCallersThreadGiveTheWorkersBits() throws {
        let threads = Threads.count
        defer { try? Threads.set(threads) }
        try Threads.set(2)
        let g = Generator(seed: 21)
        let model = try Sequential([try Linear(64, 256, generator: g), Layers.tanh(), try Linear(256, 64, generator: g)])
        let parallel = try DataParallel(model, options: DataParallelOptions(workers: 2))
        let x = try Tensor.randn([128, 64], generator: g)
        var runs: [[[Double]]] = []
        for _ in 0..<2 {   // on the workers, then on the caller's thread
            for p in model.parameters() { p.grad = nil }
            let y = try parallel(x)
            try y.square().sum().backward()
            runs.append(try [values(y)] + model.parameters().map { try values($0.grad!) })
        }
        for (i, (a, b)) in zip(runs[0], runs[1]).enumerated() {   // the output, then each gradient
            XCTAssertTrue(a == b, "tensor \(i): \(zip(a, b).filter { $0 != $1 }.count) of \(a.count) elements differ")
        }
    }

    func testDeterministicDDPGivesTheSameBitsOnOneTwoAndFourRanks() throws {
        // 4 fixed shards of every batch: rank r of W runs 4 / W of them (DataParallel's
        // deterministic mode) and DDP sums the ranks' gradients in a fixed order. (Without
        // deterministic DDP, 1 and 4 ranks differ in the last bits.)
        var results: [[[Double]]] = []
        for world in [1, 2, 4] {
            let models = try (0..<world).map { _ in try self.makeModel(seed: 21) }
            let state = Shared<[[Double]]>([])
            try ThreadGroup.run(worldSize: world) { g in
                var options = DDPOptions()
                options.deterministic = true
                options.bucketCapMB = 1e-4
                let shards = try DataParallel(models[g.rank], options: DataParallelOptions(workers: 1, shards: 4 / world))
                let ddp = try DistributedDataParallel(shards, group: g, options: options)
                let opt = try Adam(ddp.parameters(), lr: 0.01)
                for s in 0..<20 {
                    let (x, y) = try self.batch(s)
                    let rows = 16 / world
                    try opt.zeroGrad()
                    try mseLoss(ddp(x.narrow(0, start: rows * g.rank, length: rows)), y.narrow(0, start: rows * g.rank, length: rows)).backward()
                    try opt.step()
                }
                let mine = try models[g.rank].stateDict().map { try values($0.1) }
                if g.rank == world - 1 { state.withLock { state.value = mine } }
            }
            results.append(state.value)
        }
        XCTAssertEqual(results[0], results[1], "1 and 2 ranks")
        XCTAssertEqual(results[0], results[2], "1 and 4 ranks")
    }

    func testDataParallelCallsInOneAutocastRegionKeepTheirOwnGraphs() throws {
        // Two calls of one model in one region (a critic on real and fake samples): the shards
        // must not share the caller's cached casts of the parameters, whose graph each shard's
        // backward frees. Gradients equal the module's own under autocast up to bfloat16 rounding
        // (alone, the two calls' gradients of a weight's one cast are summed in bfloat16).
        let model = try makeModel(seed: 7)
        let x = try Tensor.randn([8, 6], generator: Generator(seed: 3)), y = try Tensor.randn([8, 6], generator: Generator(seed: 4))
        func loss(_ m: Module) throws -> Tensor {
            try Autocast.region(dtype: .bfloat16) { try m(x).to(.float32).mean() - m(y).to(.float32).mean() }
        }
        try loss(model).backward()
        let expected = try model.parameters().map { try values($0.grad) }
        for p in model.parameters() { p.grad = nil }
        for workers in [1, 2] {
            let parallel = try DataParallel(model, options: DataParallelOptions(workers: workers, shards: 1))
            try loss(parallel).backward()
            for (i, p) in model.parameters().enumerated() {
                assertClose(try values(p.grad), expected[i], atol: 1e-3, rtol: 1e-2, "\(workers) workers, parameter \(i)")
                p.grad = nil
            }
        }
    }

    func testDataParallelInputGradientAndErrors() throws {
        let model = try makeModel(seed: 5)
        let x = try Tensor.randn([10, 6], generator: Generator(seed: 2)).requiringGrad()
        try model(x).sum().backward()
        let expected = try values(x.grad)
        x.grad = nil
        try DataParallel(model, options: DataParallelOptions(workers: 3))(x).sum().backward()
        assertClose(try values(x.grad), expected, atol: 1e-6, rtol: 1e-5, "input gradient")
        XCTAssertThrowsError(try DataParallel(model, options: DataParallelOptions(workers: 0)))
        XCTAssertThrowsError(try DataParallel(model, options: DataParallelOptions(workers: 2, shards: 11))(x))
        XCTAssertThrowsError(try dataParallelApply(x, parameters: [], options: DataParallelOptions(workers: 2)) { s, k in
            if k == 1 { throw GentrainError(.invalidArgument, "shard one fails") }
            return s
        }) { XCTAssertTrue("\($0)".contains("shard one fails"), "\($0)") }
    }

    // MARK: sampler

    func testDistributedSamplerShardsLikePyTorch() throws {
        // 10 items on 3 ranks: 4 each, padded with the first indices (PyTorch's [0,3,6,9], [1,4,7,0], [2,5,8,1]).
        let plain = try (0..<3).map { try DistributedSampler(datasetSize: 10, numReplicas: 3, rank: $0, shuffle: false).indices() }
        XCTAssertEqual(plain, [[0, 3, 6, 9], [1, 4, 7, 0], [2, 5, 8, 1]])
        let dropped = try (0..<3).map { try DistributedSampler(datasetSize: 10, numReplicas: 3, rank: $0, shuffle: false, dropLast: true).indices() }
        XCTAssertEqual(dropped, [[0, 3, 6], [1, 4, 7], [2, 5, 8]])
        var s0 = try DistributedSampler(datasetSize: 100, numReplicas: 2, rank: 0, seed: 4)
        var s1 = try DistributedSampler(datasetSize: 100, numReplicas: 2, rank: 1, seed: 4)
        XCTAssertEqual(Set(s0.indices() + s1.indices()), Set(0..<100))
        let first = s0.indices()
        s0.setEpoch(1); s1.setEpoch(1)
        XCTAssertNotEqual(s0.indices(), first)
        XCTAssertEqual(Set(s0.indices() + s1.indices()), Set(0..<100))
        XCTAssertThrowsError(try DistributedSampler(datasetSize: 10, numReplicas: 2, rank: 2))
    }
}

/// A value the rank threads of a test share, under a lock.
private final class Shared<Value>: @unchecked Sendable {
    var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: () throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}
