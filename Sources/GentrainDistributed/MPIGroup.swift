#if canImport(Glibc)
import Glibc
#endif
import CGentrainMPI
import GentrainCore

/// The MPI backend: the processes of an MPI job (`mpirun -np N`, across machines with a hostfile)
/// are the ranks. Open MPI's library is loaded when the first group is made (`dlopen`), so the
/// engine needs no MPI to build or to run otherwise; MPI is initialized then unless the program
/// did it (`MPI_THREAD_SERIALIZED` or above), and finalized at exit if the engine initialized it.
/// The engine talks on its own duplicate of `MPI_COMM_WORLD`, whose errors are returned (and
/// thrown), not fatal.
public final class MPIGroup: CollectiveBackend {
    public let rank: Int, worldSize: Int

    /// The job's ranks; an error (naming what is missing) when MPI cannot be loaded or set up.
    public init() throws {
        var r: Int32 = 0, s: Int32 = 0
        try MPIGroup.call { gt_mpi_init(&r, &s, $0, $1) }
        (rank, worldSize) = (Int(r), Int(s))
    }

    public func allReduce(_ buffer: UnsafeMutableRawPointer, count: Int, dtype: DType, op: ReduceOp) throws {
        let type: Int32 = dtype == .float32 ? 0 : dtype == .float64 ? 1 : 2
        try MPIGroup.call { gt_mpi_allreduce(buffer, count, type, op == .max ? 1 : 0, $0, $1) }
    }

    public func broadcast(_ buffer: UnsafeMutableRawPointer, byteCount: Int, root: Int) throws {
        try MPIGroup.call { gt_mpi_bcast(buffer, byteCount, Int32(root), $0, $1) }
    }

    public func allGather(_ input: UnsafeRawPointer, into output: UnsafeMutableRawPointer, byteCount: Int) throws {
        try MPIGroup.call { gt_mpi_allgather(input, output, byteCount, $0, $1) }
    }

    public func barrier() throws { try MPIGroup.call { gt_mpi_barrier($0, $1) } }

    /// Ends the whole job (`MPI_Abort`): peers blocked in a collective cannot be woken otherwise.
    public func abort(_ message: String) {
        fputs("gentrain: rank \(rank) aborts the MPI job: \(message)\n", stderr)
        gt_mpi_abort()
    }

    /// Calls a shim function with an error buffer; nonzero is thrown with its message.
    private static func call(_ body: (UnsafeMutablePointer<CChar>, Int) -> Int32) throws {
        var message = [CChar](repeating: 0, count: 512)
        let status = message.withUnsafeMutableBufferPointer { body($0.baseAddress!, $0.count) }
        guard status == 0 else {
            throw GentrainError(.distributed, String(cString: message))
        }
    }
}
