import GentrainCore

/// The host-provided backend: collectives a program already has (its MPI communicator through
/// mpi4py, its own transport) passed in as functions. Each is called with the same arguments on
/// every rank, in the same order, and throws to report a failure.
public final class HostCollectives: CollectiveBackend {
    public typealias AllReduce = (UnsafeMutableRawPointer, Int, DType, ReduceOp) throws -> Void
    public typealias Broadcast = (UnsafeMutableRawPointer, Int, Int) throws -> Void
    public typealias AllGather = (UnsafeRawPointer, UnsafeMutableRawPointer, Int) throws -> Void

    public let rank: Int, worldSize: Int
    private let allReduceFn: AllReduce, broadcastFn: Broadcast, allGatherFn: AllGather
    private let barrierFn: () throws -> Void, abortFn: (String) -> Void

    /// `allReduce(buffer, count, dtype, op)`: in place, dtype float32, float64 or int64, op sum or
    /// max. `broadcast(buffer, byteCount, root)`. `allGather(input, output, byteCount)`: every rank's
    /// bytes in rank order. `abort(message)`: end the group after an error on this rank.
    public init(rank: Int, worldSize: Int, allReduce: @escaping AllReduce, broadcast: @escaping Broadcast,
                allGather: @escaping AllGather, barrier: @escaping () throws -> Void, abort: @escaping (String) -> Void = { _ in }) throws {
        guard worldSize >= 1, (0..<worldSize).contains(rank) else {
            throw GentrainError(.invalidArgument, "host collectives: rank \(rank) and world_size \(worldSize) do not fit (0 <= rank < world_size)")
        }
        (self.rank, self.worldSize) = (rank, worldSize)
        (allReduceFn, broadcastFn, allGatherFn, barrierFn, abortFn) = (allReduce, broadcast, allGather, barrier, abort)
    }

    public func allReduce(_ buffer: UnsafeMutableRawPointer, count: Int, dtype: DType, op: ReduceOp) throws {
        try allReduceFn(buffer, count, dtype, op)
    }

    public func broadcast(_ buffer: UnsafeMutableRawPointer, byteCount: Int, root: Int) throws {
        try broadcastFn(buffer, byteCount, root)
    }

    public func allGather(_ input: UnsafeRawPointer, into output: UnsafeMutableRawPointer, byteCount: Int) throws {
        try allGatherFn(input, output, byteCount)
    }

    public func barrier() throws { try barrierFn() }

    public func abort(_ message: String) { abortFn(message) }
}
