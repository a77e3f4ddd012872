import GentrainCore

/// How `allReduce` combines the ranks' tensors (PyTorch's `ReduceOp.SUM`, `AVG`, `MAX`).
public enum ReduceOp: Int32, Sendable {
    case sum = 0, average = 1, max = 2
}

/// What a process-group backend provides: collectives over raw buffers, in place. Every rank
/// calls the same collectives in the same order; the group has checked that their arguments
/// agree before the backend sees them.
public protocol CollectiveBackend: AnyObject {
    var rank: Int { get }
    var worldSize: Int { get }
    /// Combines `count` elements (float32, float64 or int64) across ranks, in place (`op` sum or max).
    func allReduce(_ buffer: UnsafeMutableRawPointer, count: Int, dtype: DType, op: ReduceOp) throws
    /// Copies `byteCount` bytes from rank `root`'s buffer into every other rank's.
    func broadcast(_ buffer: UnsafeMutableRawPointer, byteCount: Int, root: Int) throws
    /// Writes every rank's `byteCount` input bytes, in rank order, into `output` on every rank.
    func allGather(_ input: UnsafeRawPointer, into output: UnsafeMutableRawPointer, byteCount: Int) throws
    func barrier() throws
    /// Ends the group on every rank after an error on this one: peers waiting in a collective
    /// get an error (threads), or the job ends (MPI).
    func abort(_ message: String)
}

/// A group of ranks that run collectives together (PyTorch's process group), over one of three
/// backends: threads of one process (`ThreadGroup`), MPI processes (`MPIGroup`), or collectives the
/// host provides (`HostCollectives`).
///
/// Each collective first checks that every rank called it with the same kind, element count,
/// dtype and root: a mismatch, or an argument a rank refused, is an error on every rank (instead
/// of a hang or garbage). Tensors are changed in place; they must be contiguous.
public final class ProcessGroup: @unchecked Sendable {
    public let backend: CollectiveBackend
    public var rank: Int { backend.rank }
    public var worldSize: Int { backend.worldSize }
    /// One collective at a time per group.
    private let lock = Lock()

    public init(_ backend: CollectiveBackend) { self.backend = backend }

    /// Combines `tensor` across ranks, in place (float32, float64, bfloat16, float16; int64 with
    /// sum or max).
    public func allReduce(_ tensor: Tensor, op: ReduceOp = .sum) throws {
        try lock.withLock {
            var refusal = refusalOf(tensor, "all_reduce")
            if refusal == nil && !(tensor.dtype.isFloatingPoint || (tensor.dtype == .int64 && op != .average)) {
                refusal = "all_reduce: expected a float32, float64, bfloat16 or float16 tensor (or int64 with sum or max), got \(tensor.dtype)\(tensor.dtype == .int64 ? " with average" : "")"
            }
            try agree("all_reduce", refusal, [("element count", tensor.numel), ("dtype", Int(tensor.dtype.rawValue)), ("op", Int(op.rawValue))])
            try combine(tensor, op)
        }
    }

    /// `allReduce` of a contiguous floating-point tensor whose size and dtype every rank is known
    /// to share (DDP's buckets, laid out alike from parameters checked at construction), without
    /// the check's extra round.
    func allReduceAgreed(_ tensor: Tensor, op: ReduceOp) throws {
        try lock.withLock { try combine(tensor, op) }
    }

    /// Checks that every rank holds the same `fields` (an error on every rank if not).
    func checkAgreement(_ name: String, _ fields: [(String, Int)]) throws {
        try lock.withLock { try agree(name, nil, fields) }
    }

    private func combine(_ tensor: Tensor, _ op: ReduceOp) throws {
        try withNoGrad {
            let wide = [.float32, .float64, .int64].contains(tensor.dtype) ? tensor : try tensor.to(.float32)
            try backend.allReduce(wide.rawPointer, count: wide.numel, dtype: wide.dtype, op: op == .max ? .max : .sum)
            if op == .average { try wide.mulInPlace(1 / Double(worldSize)) }
            if wide !== tensor { try tensor.copy_(wide) }
        }
    }

    /// Copies rank `source`'s `tensor` into every other rank's `tensor`.
    public func broadcast(_ tensor: Tensor, source: Int = 0) throws {
        try lock.withLock {
            var refusal = refusalOf(tensor, "broadcast")
            if refusal == nil && !(0..<worldSize).contains(source) {
                refusal = "broadcast: source rank \(source) is out of range for world size \(worldSize)"
            }
            try agree("broadcast", refusal, [("element count", tensor.numel), ("dtype", Int(tensor.dtype.rawValue)), ("source rank", source)])
            try backend.broadcast(tensor.rawPointer, byteCount: tensor.numel * tensor.dtype.itemSize, root: source)
        }
    }

    /// Every rank's `tensor`, stacked in rank order: `[worldSize, ...tensor.shape]`.
    public func allGather(_ tensor: Tensor) throws -> Tensor {
        try lock.withLock {
            let refusal = refusalOf(tensor, "all_gather", inPlace: false)
            try agree("all_gather", refusal, [("shape", shapeCode(tensor.shape)), ("dtype", Int(tensor.dtype.rawValue))])
            let out = try Tensor(empty: [worldSize] + tensor.shape, dtype: tensor.dtype)
            let input = tensor.isContiguous ? tensor : try withNoGrad { try tensor.contiguous() }
            try backend.allGather(input.rawPointer, into: out.rawPointer, byteCount: tensor.numel * tensor.dtype.itemSize)
            return out
        }
    }

    /// Returns once every rank has called it.
    public func barrier() throws {
        try lock.withLock { try agree("barrier", nil, []) }
    }

    /// Ends the group after an error on this rank (see `CollectiveBackend.abort`).
    public func abort(_ message: String) { backend.abort(message) }

    /// Makes this rank's default random stream its own: rank 0 keeps the default generator's
    /// state, every other rank replaces it with a state derived from it and the rank. Called on
    /// every rank after seeding them alike (or after every rank loaded rank 0's checkpoint), it
    /// gives each rank distinct dropout masks and noise, reproducibly: the same seed (or
    /// checkpoint) and world size give the same streams. Not a collective.
    public func separateRandomStreams() {
        guard rank > 0 else { return }
        let state = Generator.defaultState
        let mixed = state.prefix(4).reduce(UInt64(truncatingIfNeeded: rank) &* 0x9E37_79B9_7F4A_7C15) { ($0 ^ $1) &* 0xBF58_476D_1CE4_E5B9 }
        var derived = Generator(seed: mixed).state
        derived[4] = state.count == 5 ? state[4] : derived[4]   // the seed the user gave stays readable
        Generator.defaultState = derived
    }

    /// Why this rank cannot take part with `tensor`, or nil.
    private func refusalOf(_ tensor: Tensor, _ name: String, inPlace: Bool = true) -> String? {
        if inPlace && !tensor.isContiguous { return "\(name): the tensor must be contiguous (it is changed in place)" }
        return nil
    }

    /// Exchanges each rank's view of a collective (whether it refused, and its arguments) and
    /// throws on every rank unless all agree. One small all-reduce (max of v and −v) carries it.
    private func agree(_ name: String, _ refusal: String?, _ fields: [(String, Int)]) throws {
        let codes = [name.utf8.reduce(0) { $0 &* 31 &+ Int($1) } & 0xFFFF, refusal == nil ? 0 : 1] + fields.map(\.1)
        var buffer = codes.map { Int64($0) } + codes.map { -Int64($0) }
        let count = buffer.count
        try buffer.withUnsafeMutableBytes { try backend.allReduce($0.baseAddress!, count: count, dtype: .int64, op: .max) }
        let n = codes.count
        let high = Array(buffer[..<n]), low = buffer[n...].map { -$0 }
        if let refusal { throw GentrainError(.distributed, "rank \(rank): \(refusal)") }
        guard high[1] == 0 else {
            throw GentrainError(.distributed, "rank \(rank): \(name) failed: another rank refused its arguments")
        }
        guard high[0] == low[0] else {
            throw GentrainError(.distributed, "rank \(rank): \(name) met a different collective on another rank (ranks must call the same collectives in the same order)")
        }
        for (i, (what, value)) in fields.enumerated() where high[i + 2] != low[i + 2] {
            throw GentrainError(.distributed, "rank \(rank): \(name): ranks disagree on the \(what) (\(value) here; from \(low[i + 2]) to \(high[i + 2]) across ranks)")
        }
    }

    /// A shape as one number for `agree` (equal shapes give equal codes; a collision is unlikely).
    private func shapeCode(_ shape: [Int]) -> Int {
        shape.reduce(shape.count) { ($0 &* 1_000_003 &+ $1) & 0x3FFF_FFFF_FFFF }
    }
}
