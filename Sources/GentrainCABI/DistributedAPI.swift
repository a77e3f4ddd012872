import CGentrain
import GentrainCore
import GentrainDistributed
import GentrainNN

// Data parallel (torch.distributed): process groups over threads, MPI or the host's collectives;
// DistributedDataParallel; DataParallel; DistributedSampler.

private func groupArg(_ h: OpaquePointer?) throws -> ProcessGroup {
    unsafeDowncast(try HandleTable.shared.lookup(h, .processGroup, "group"), to: ProcessGroup.self)
}

private func ddpArg(_ h: OpaquePointer?) throws -> GradientReducer {
    unsafeDowncast(try HandleTable.shared.lookup(h, .ddp, "ddp"), to: GradientReducer.self)
}

private func producingGroup(_ name: StaticString, _ out: UnsafeMutablePointer<OpaquePointer?>?,
                            _ body: () throws -> CollectiveBackend) -> gentrain_status {
    out?.pointee = nil
    return guarded(name) {
        guard let out else { throw GentrainError(.invalidArgument, "out is NULL") }
        out.pointee = try HandleTable.shared.insert(ProcessGroup(body()), .processGroup)
    }
}

@c @implementation
public func gentrain_process_group_new_threads(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ name: UnsafePointer<CChar>?,
                                               _ rank: Int32, _ worldSize: Int32, _ timeoutSeconds: Double) -> gentrain_status {
    producingGroup("gentrain_process_group_new_threads", out) {
        guard timeoutSeconds == 0 || (timeoutSeconds > 0 && timeoutSeconds.isFinite) else {
            throw GentrainError(.invalidArgument, "timeout_seconds must be 0 (the default) or positive, got \(timeoutSeconds)")
        }
        let group = try ThreadGroup.join(name: stringArg(name, "name"), rank: Int(rank), worldSize: Int(worldSize),
                                         timeout: timeoutSeconds == 0 ? 1800 : timeoutSeconds)
        Threads.limitThisThread(to: Swift.max(1, Threads.count / Int(worldSize)))
        Generator.ownDefaultForThisThread()
        return group
    }
}

@c @implementation
public func gentrain_process_group_new_mpi(_ out: UnsafeMutablePointer<OpaquePointer?>?) -> gentrain_status {
    producingGroup("gentrain_process_group_new_mpi", out) { try MPIGroup() }
}

/// The host's collectives as a backend: each callback's failure is thrown with its message. The
/// callbacks hold `owner`, so the host's destructor runs when the group is gone.
private func hostBackend(_ c: gentrain_collectives, _ owner: HostData) throws -> HostCollectives {
    guard let allReduce = c.all_reduce, let broadcast = c.broadcast, let allGather = c.all_gather, let barrier = c.barrier else {
        throw GentrainError(.invalidArgument, "collectives: all_reduce, broadcast, all_gather and barrier must not be NULL")
    }
    let abort = c.abort
    func check(_ status: gentrain_status, _ what: String) throws {
        guard status == GENTRAIN_OK else {
            throw GentrainError(.distributed, callbackFailure("the host's \(what)", status))
        }
    }
    return try HostCollectives(
        rank: Int(c.rank), worldSize: Int(c.world_size),
        allReduce: { buf, n, dtype, op in
            try check(allReduce(owner.data, buf, n, cDType(dtype), gentrain_reduce_op(rawValue: UInt32(op.rawValue))), "all_reduce")
        },
        broadcast: { buf, bytes, root in try check(broadcast(owner.data, buf, bytes, Int32(root)), "broadcast") },
        allGather: { i, o, bytes in try check(allGather(owner.data, i, o, bytes), "all_gather") },
        barrier: { try check(barrier(owner.data), "barrier") },
        abort: { message in message.withCString { abort?(owner.data, $0) } })
}

/// Runs the host's destructor when the group (and every object using it) is gone.
private final class HostData {
    let data: UnsafeMutableRawPointer?, destroy: gentrain_destructor?
    init(_ data: UnsafeMutableRawPointer?, _ destroy: gentrain_destructor?) { (self.data, self.destroy) = (data, destroy) }
    deinit { destroy?(data) }
}

@c @implementation
public func gentrain_process_group_new_host(_ out: UnsafeMutablePointer<OpaquePointer?>?,
                                            _ collectives: UnsafePointer<gentrain_collectives>?) -> gentrain_status {
    producingGroup("gentrain_process_group_new_host", out) {
        let c = try readOptions(collectives) { $0.initialize(to: gentrain_collectives()) }
        guard collectives != nil else { throw GentrainError(.invalidArgument, "collectives is NULL") }
        return try hostBackend(c, HostData(c.user_data, c.destroy))
    }
}

@c @implementation
public func gentrain_process_group_free(_ group: OpaquePointer?) {
    HandleTable.shared.remove(group, .processGroup)
}

@c @implementation
public func gentrain_process_group_rank(_ out: UnsafeMutablePointer<Int32>?, _ group: OpaquePointer?) -> gentrain_status {
    guarded("gentrain_process_group_rank") { try write(out) { Int32(try groupArg(group).rank) } }
}

@c @implementation
public func gentrain_process_group_world_size(_ out: UnsafeMutablePointer<Int32>?, _ group: OpaquePointer?) -> gentrain_status {
    guarded("gentrain_process_group_world_size") { try write(out) { Int32(try groupArg(group).worldSize) } }
}

@c @implementation
public func gentrain_process_group_all_reduce(_ group: OpaquePointer?, _ tensor: OpaquePointer?, _ op: gentrain_reduce_op) -> gentrain_status {
    guarded("gentrain_process_group_all_reduce") {
        let g = try groupArg(group), t = try tensorArg(tensor)
        guard let reduce = ReduceOp(rawValue: Int32(bitPattern: op.rawValue)) else {
            throw GentrainError(.invalidArgument, "op \(op.rawValue) is not one of SUM, AVG, MAX")
        }
        try g.allReduce(t, op: reduce)
    }
}

@c @implementation
public func gentrain_process_group_broadcast(_ group: OpaquePointer?, _ tensor: OpaquePointer?, _ source: Int32) -> gentrain_status {
    guarded("gentrain_process_group_broadcast") { try groupArg(group).broadcast(tensorArg(tensor), source: Int(source)) }
}

@c @implementation
public func gentrain_process_group_all_gather(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ group: OpaquePointer?,
                                              _ tensor: OpaquePointer?) -> gentrain_status {
    producing("gentrain_process_group_all_gather", out) { try groupArg(group).allGather(tensorArg(tensor)) }
}

@c @implementation
public func gentrain_process_group_barrier(_ group: OpaquePointer?) -> gentrain_status {
    guarded("gentrain_process_group_barrier") { try groupArg(group).barrier() }
}

@c @implementation
public func gentrain_process_group_separate_random_streams(_ group: OpaquePointer?) -> gentrain_status {
    guarded("gentrain_process_group_separate_random_streams") { try groupArg(group).separateRandomStreams() }
}

@c @implementation
public func gentrain_process_group_abort(_ group: OpaquePointer?, _ message: UnsafePointer<CChar>?) -> gentrain_status {
    guarded("gentrain_process_group_abort") {
        try groupArg(group).abort(message.map { String(cString: $0) } ?? "aborted by the host")
    }
}

// MARK: DistributedDataParallel

@c @implementation
public func gentrain_ddp_options_default(_ options: UnsafeMutablePointer<gentrain_ddp_options>?) {
    guard let options else { return }
    let d = DDPOptions()
    options.pointee = gentrain_ddp_options(struct_size: MemoryLayout<gentrain_ddp_options>.size, bucket_cap_mb: d.bucketCapMB,
                                           first_bucket_mb: d.firstBucketMB, broadcast_buffers: d.broadcastBuffers,
                                           find_unused_parameters: d.findUnusedParameters, deterministic: d.deterministic)
}

private func ddpOptions(_ p: UnsafePointer<gentrain_ddp_options>?) throws -> DDPOptions {
    let o = try readOptions(p, bools: [\.broadcast_buffers, \.find_unused_parameters, \.deterministic]) { gentrain_ddp_options_default($0) }
    var d = DDPOptions()
    (d.bucketCapMB, d.firstBucketMB, d.broadcastBuffers, d.findUnusedParameters, d.deterministic) =
        (o.bucket_cap_mb, o.first_bucket_mb, o.broadcast_buffers, o.find_unused_parameters, o.deterministic)
    return d
}

@c @implementation
public func gentrain_ddp_new(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ names: UnsafePointer<UnsafePointer<CChar>?>?,
                             _ parameters: UnsafePointer<OpaquePointer?>?, _ nParameters: Int,
                             _ buffers: UnsafePointer<OpaquePointer?>?, _ nBuffers: Int, _ group: OpaquePointer?,
                             _ options: UnsafePointer<gentrain_ddp_options>?) -> gentrain_status {
    out?.pointee = nil
    return guarded("gentrain_ddp_new") {
        guard let out else { throw GentrainError(.invalidArgument, "out is NULL") }
        let params = try tensorList(parameters, nParameters, "parameters")
        let named = try params.enumerated().map { i, p in (try names.map { try stringArg($0[i], "names[\(i)]") } ?? String(i), p) }
        let reducer = try GradientReducer(parameters: named, buffers: tensorList(buffers, nBuffers, "buffers"),
                                          group: groupArg(group), options: ddpOptions(options))
        out.pointee = try HandleTable.shared.insert(reducer, .ddp)
    }
}

@c @implementation
public func gentrain_module_ddp_new(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ module: OpaquePointer?, _ group: OpaquePointer?,
                                    _ options: UnsafePointer<gentrain_ddp_options>?) -> gentrain_status {
    producingModule("gentrain_module_ddp_new", out) {
        try DistributedDataParallel(moduleArg(module).module, group: groupArg(group), options: ddpOptions(options))
    }
}

@c @implementation
public func gentrain_module_ddp(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ module: OpaquePointer?) -> gentrain_status {
    out?.pointee = nil
    return guarded("gentrain_module_ddp") {
        guard let out else { throw GentrainError(.invalidArgument, "out is NULL") }
        guard let ddp = try moduleArg(module).module as? DistributedDataParallel else {
            throw GentrainError(.invalidArgument, "the module was not made by gentrain_module_ddp_new")
        }
        out.pointee = try HandleTable.shared.insert(ddp.reducer, .ddp)
    }
}

@c @implementation
public func gentrain_ddp_free(_ ddp: OpaquePointer?) {
    HandleTable.shared.remove(ddp, .ddp)
}

@c @implementation
public func gentrain_ddp_sync_buffers(_ ddp: OpaquePointer?) -> gentrain_status {
    guarded("gentrain_ddp_sync_buffers") { try ddpArg(ddp).syncBuffers() }
}

@c @implementation
public func gentrain_ddp_set_grad_sync(_ ddp: OpaquePointer?, _ enabled: Bool) -> gentrain_status {
    guarded("gentrain_ddp_set_grad_sync") { try ddpArg(ddp).requireGradSync = enabled }
}

@c @implementation
public func gentrain_ddp_last_pass(_ duringBackward: UnsafeMutablePointer<Int32>?, _ atEnd: UnsafeMutablePointer<Int32>?,
                                   _ ddp: OpaquePointer?) -> gentrain_status {
    guarded("gentrain_ddp_last_pass") {
        let last = try ddpArg(ddp).lastPass
        duringBackward?.pointee = Int32(last.duringBackward)
        atEnd?.pointee = Int32(last.atEnd)
    }
}

// MARK: DataParallel

@c @implementation
public func gentrain_data_parallel_options_default(_ options: UnsafeMutablePointer<gentrain_data_parallel_options>?) {
    options?.pointee = gentrain_data_parallel_options(struct_size: MemoryLayout<gentrain_data_parallel_options>.size, workers: 0, shards: 0)
}

private func dataParallelOptions(_ p: UnsafePointer<gentrain_data_parallel_options>?) throws -> DataParallelOptions {
    let o = try readOptions(p) { gentrain_data_parallel_options_default($0) }
    guard o.workers >= 0, o.shards >= 0 else {
        throw GentrainError(.invalidArgument, "options: workers and shards must be non-negative, got \(o.workers), \(o.shards)")
    }
    return DataParallelOptions(workers: o.workers == 0 ? nil : Int(o.workers), shards: o.shards == 0 ? nil : Int(o.shards))
}

@c @implementation
public func gentrain_data_parallel_apply(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ input: OpaquePointer?,
                                         _ parameters: UnsafePointer<OpaquePointer?>?, _ nParameters: Int,
                                         _ forward: gentrain_module_forward_fn?, _ userData: UnsafeMutableRawPointer?,
                                         _ options: UnsafePointer<gentrain_data_parallel_options>?) -> gentrain_status {
    producing("gentrain_data_parallel_apply", out) {
        guard let forward else { throw GentrainError(.invalidArgument, "forward is NULL") }
        let data = UnsafeMutableRawPointer(bitPattern: UInt(bitPattern: userData))   // captured across worker threads
        var caller = Hasher()   // the same callback and user_data: the same model, for ShardScheduling
        caller.combine(unsafeBitCast(forward, to: UInt.self))
        caller.combine(UInt(bitPattern: userData))
        return try dataParallelApply(tensorArg(input, "input"), parameters: tensorList(parameters, nParameters, "parameters"),
                                     options: dataParallelOptions(options), caller: caller.finalize()) { shard, _ in
            try callForOutput(forward, data, shard, "data parallel: the forward callback")
        }
    }
}

@c @implementation
public func gentrain_module_data_parallel_new(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ module: OpaquePointer?,
                                              _ options: UnsafePointer<gentrain_data_parallel_options>?) -> gentrain_status {
    producingModule("gentrain_module_data_parallel_new", out) {
        try DataParallel(moduleArg(module).module, options: dataParallelOptions(options))
    }
}

@c @implementation
public func gentrain_buffer_updates_enabled() -> Bool { BufferUpdates.isEnabled }

// MARK: DistributedSampler

@c @implementation
public func gentrain_distributed_sampler_options_default(_ options: UnsafeMutablePointer<gentrain_distributed_sampler_options>?) {
    options?.pointee = gentrain_distributed_sampler_options(struct_size: MemoryLayout<gentrain_distributed_sampler_options>.size,
                                                            dataset_size: 0, num_replicas: 1, rank: 0, shuffle: true, seed: 0,
                                                            epoch: 0, drop_last: false)
}

@c @implementation
public func gentrain_distributed_sampler_indices(_ out: UnsafeMutablePointer<Int64>?, _ capacity: Int, _ count: UnsafeMutablePointer<Int>?,
                                                 _ options: UnsafePointer<gentrain_distributed_sampler_options>?) -> gentrain_status {
    guarded("gentrain_distributed_sampler_indices") {
        guard let count else { throw GentrainError(.invalidArgument, "count is NULL") }
        guard options != nil else { throw GentrainError(.invalidArgument, "options is NULL") }
        let o = try readOptions(options, bools: [\.shuffle, \.drop_last]) { gentrain_distributed_sampler_options_default($0) }
        guard o.dataset_size >= 0, o.dataset_size <= 1 << 28 else {
            throw GentrainError(.invalidArgument, "dataset_size must be in 0...2^28, got \(o.dataset_size)")
        }
        var sampler = try DistributedSampler(datasetSize: Int(o.dataset_size), numReplicas: Int(o.num_replicas), rank: Int(o.rank),
                                             shuffle: o.shuffle, seed: o.seed, dropLast: o.drop_last)
        sampler.setEpoch(Int(o.epoch))
        guard let out else {
            count.pointee = sampler.numSamples
            return
        }
        guard sampler.numSamples <= capacity else {
            throw GentrainError(.invalidArgument, "capacity \(capacity) is less than the \(sampler.numSamples) indices of this rank")
        }
        let indices = sampler.indices()
        for (i, v) in indices.enumerated() { out[i] = Int64(v) }
        count.pointee = indices.count
    }
}
