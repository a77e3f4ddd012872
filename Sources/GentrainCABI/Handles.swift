#if canImport(Glibc)
import Glibc
#endif
import CGentrain
import Synchronization
import GentrainCore
import GentrainNN
import GentrainOptim

/// What a handle refers to; a handle passed where another kind is expected is an error.
enum HandleKind: String {
    case tensor, module, optimizer, scheduler, checkpoint, gradScaler, processGroup, ddp, generator, hook
}

/// The live handles. A handle value encodes a slot index and the slot's generation, so a
/// freed, forged or wrong-kind handle is recognized without dereferencing anything.
/// Generations have 38 bits and a slot whose generation is used up is retired, never reused:
/// a stale handle cannot name a new object however long the process runs.
///
/// Slots live in fixed chunks that never move. A lookup takes the lock and returns a strong
/// reference, so a handle freed by another thread meanwhile leaves the object alive until the
/// call that looked it up is done.
final class HandleTable: @unchecked Sendable {
    private struct Slot {
        var object: Unmanaged<AnyObject>?
        var generation: UInt
        var kind: HandleKind
    }

    private static let generationBits = 38   // 26 bits of slot index above them
    private static let generationMask: UInt = (1 << generationBits) - 1
    private static let chunkBits = 12, chunkSize = 1 << 12, maxChunks = 1 << 14   // up to 64M handles (2^26)
    private let chunks = UnsafeMutablePointer<UnsafeMutablePointer<Slot>?>.allocate(capacity: HandleTable.maxChunks)
    private var count = 1   // slot 0 is never used: no handle is NULL
    private var free: [Int] = []
    private let lock = ShortLock()

    static let shared = HandleTable()

    private init() {
        chunks.initialize(repeating: nil, count: HandleTable.maxChunks)
    }

    @inline(__always)
    private func slot(_ index: Int) -> UnsafeMutablePointer<Slot>? {
        guard index > 0, index < HandleTable.maxChunks << HandleTable.chunkBits,
              let chunk = chunks[index >> HandleTable.chunkBits] else { return nil }
        return chunk + (index & (HandleTable.chunkSize - 1))
    }

    func insert(_ object: AnyObject, _ kind: HandleKind) throws -> OpaquePointer {
        let retained = Unmanaged.passRetained(object)
        return try lock.withLock {
            let index: Int
            if let reused = free.popLast() {
                index = reused
            } else {
                index = count
                let c = index >> HandleTable.chunkBits
                guard c < HandleTable.maxChunks else {
                    retained.release()
                    throw GentrainError(.outOfMemory, "too many live handles (\(index)); free the ones no longer needed")
                }
                if chunks[c] == nil {
                    let chunk = UnsafeMutablePointer<Slot>.allocate(capacity: HandleTable.chunkSize)
                    chunk.initialize(repeating: Slot(object: nil, generation: 1, kind: .tensor), count: HandleTable.chunkSize)
                    chunks[c] = chunk
                }
                count += 1
            }
            let s = slot(index)!
            s.pointee.kind = kind
            s.pointee.object = retained
            let bits = UInt(index) << HandleTable.generationBits | (s.pointee.generation & HandleTable.generationMask)
            return OpaquePointer(bitPattern: bits)!
        }
    }

    @inline(__always)
    private func decode(_ handle: OpaquePointer) -> (Int, UInt) {
        let bits = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(handle)))
        return (Int(bits >> HandleTable.generationBits), bits & HandleTable.generationMask)
    }

    func lookup(_ handle: OpaquePointer?, _ kind: HandleKind, _ what: String) throws -> AnyObject {
        guard let handle else { throw GentrainError(.invalidHandle, "\(what) is NULL") }
        let (index, generation) = decode(handle)
        let (object, found): (AnyObject?, HandleKind?) = lock.withLock {
            guard let s = slot(index), let object = s.pointee.object,
                  s.pointee.generation & HandleTable.generationMask == generation else { return (nil, nil) }
            return s.pointee.kind == kind ? (object.takeUnretainedValue(), kind) : (nil, s.pointee.kind)
        }
        guard let found else { throw GentrainError(.invalidHandle, "\(what) is not a live handle (freed, or never created)") }
        guard let object else {
            throw GentrainError(.invalidHandle, "\(what) is a \(found.rawValue) handle, expected a \(kind.rawValue) handle")
        }
        return object
    }

    /// Releases a handle; unknown handles are ignored (the free functions return nothing).
    func remove(_ handle: OpaquePointer?, _ kind: HandleKind) {
        guard let handle else { return }
        let (index, generation) = decode(handle)
        let released: Unmanaged<AnyObject>? = lock.withLock {
            guard let s = slot(index), let object = s.pointee.object, s.pointee.kind == kind,
                  s.pointee.generation & HandleTable.generationMask == generation else { return nil }
            s.pointee.object = nil
            s.pointee.generation += 1
            if s.pointee.generation < HandleTable.generationMask { free.append(index) }   // else retired
            return object
        }
        released?.release()   // outside the lock: a deinit may free other handles
    }
}

/// The handle table's lock, for its critical sections of a few dozen instructions that every
/// entry point enters: one atomic exchange to take it and one store to give it back (`Lock`
/// reads the thread's id and makes two calls, and is generic across a module boundary). A
/// waiter spins briefly, then yields its core, so a holder that lost its core (a busy or shared
/// machine) gets it back.
private final class ShortLock: @unchecked Sendable {
    private let held = Atomic<Bool>(false)

    @inline(__always)
    func withLock<R>(_ body: () throws -> R) rethrows -> R {
        if held.exchange(true, ordering: .acquiring) { wait() }
        defer { held.store(false, ordering: .releasing) }
        return try body()
    }

    @inline(never)
    private func wait() {
        var spins = 0
        repeat {
            while held.load(ordering: .relaxed) {
                spins += 1
                if spins > 100 { sched_yield() }
            }
        } while held.exchange(true, ordering: .acquiring)
    }
}

/// A module handle's object: the module and the C strings of its parameter names.
final class ModuleBox {
    let module: Module
    private var names: [String: UnsafeMutablePointer<CChar>] = [:]
    private let lock = Lock()   // names are handed out to threads reading the module at once
    init(_ module: Module) { self.module = module }

    func cName(_ name: String) -> UnsafePointer<CChar> {
        lock.withLock {
            if let p = names[name] { return UnsafePointer(p) }
            let p = strdup(name)!
            names[name] = p
            return UnsafePointer(p)
        }
    }

    deinit { for p in names.values { free(p) } }
}

// Typed access to handles.
// The kind check in `lookup` guarantees the class, so the downcasts need no dynamic check.
func tensorArg(_ h: OpaquePointer?, _ what: String = "tensor") throws -> Tensor {
    unsafeDowncast(try HandleTable.shared.lookup(h, .tensor, what), to: Tensor.self)
}

func optionalTensorArg(_ h: OpaquePointer?, _ what: String) throws -> Tensor? {
    h == nil ? nil : try tensorArg(h, what)
}

func moduleArg(_ h: OpaquePointer?) throws -> ModuleBox {
    unsafeDowncast(try HandleTable.shared.lookup(h, .module, "module"), to: ModuleBox.self)
}

func generatorArg(_ h: OpaquePointer?) throws -> Generator {
    unsafeDowncast(try HandleTable.shared.lookup(h, .generator, "generator"), to: Generator.self)
}

/// A generator argument that may be NULL (the default generator).
func optionalGeneratorArg(_ h: OpaquePointer?) throws -> Generator? {
    try h.map { try generatorArg($0) }
}

func optimizerArg(_ h: OpaquePointer?) throws -> Optimizer {
    unsafeDowncast(try HandleTable.shared.lookup(h, .optimizer, "optimizer"), to: Optimizer.self)
}

/// A scheduler handle's object: an `LRScheduler` or a `ReduceLROnPlateau`.
func schedulerArg(_ h: OpaquePointer?) throws -> AnyObject {
    try HandleTable.shared.lookup(h, .scheduler, "scheduler")
}

func newHandle(_ t: Tensor) throws -> OpaquePointer {
    let h = try HandleTable.shared.insert(t, .tensor)
    HandleScopes.record(h)
    return h
}

/// The handle scopes open on each thread (gentrain_scope_begin / gentrain_scope_end): the tensor
/// handles each one has seen created, innermost last.
enum HandleScopes {
    private final class Stack { var scopes: [[OpaquePointer]] = [] }
    private static let stack = ThreadLocal { Stack() }
    /// Threads with a scope open; while it is 0, creating a handle does not look at the thread's stack.
    private static let open = Atomic<Int>(0)

    static func record(_ h: OpaquePointer) {
        guard open.load(ordering: .relaxed) > 0 else { return }
        let s = stack.value
        if !s.scopes.isEmpty { s.scopes[s.scopes.count - 1].append(h) }
    }

    static func begin() {
        stack.value.scopes.append([])
        open.add(1, ordering: .relaxed)
    }

    /// Closes the innermost scope: frees its handles but `keep`, which pass to the enclosing
    /// scope (if any). Throws, changing nothing, when no scope is open.
    static func end(keeping keep: Set<OpaquePointer>) throws {
        let s = stack.value
        guard let handles = s.scopes.popLast() else {
            throw GentrainError(.invalidArgument, "no handle scope is open on this thread (gentrain_scope_begin)")
        }
        open.subtract(1, ordering: .relaxed)
        for h in handles {
            if keep.contains(h) {
                if !s.scopes.isEmpty { s.scopes[s.scopes.count - 1].append(h) }
            } else {
                HandleTable.shared.remove(h, .tensor)   // a handle the caller freed already is ignored
            }
        }
    }
}

/// Handles for several results: all of them, or none (those made are freed on failure).
func newHandles(_ tensors: [Tensor?]) throws -> [OpaquePointer?] {
    var made: [OpaquePointer?] = []
    do {
        for t in tensors { made.append(try t.map(newHandle)) }
    } catch {
        for h in made { HandleTable.shared.remove(h, .tensor) }
        throw error
    }
    return made
}

/// A list of `n` tensor handles.
func tensorList(_ list: UnsafePointer<OpaquePointer?>?, _ n: Int, _ what: String) throws -> [Tensor] {
    if n == 0 { return [] }
    guard n > 0, n <= 1 << 24 else { throw GentrainError(.invalidArgument, "\(what) has an invalid count \(UInt(bitPattern: n))") }
    guard let list else { throw GentrainError(.invalidArgument, "\(what) is NULL but its count is \(n)") }
    return try (0..<n).map { try tensorArg(list[$0], "\(what)[\($0)]") }
}

func cDType(_ d: DType) -> gentrain_dtype { gentrain_dtype(rawValue: UInt32(d.rawValue)) }

// MARK: - Status and the per-thread error message

final class ErrorState {
    var message: UnsafeMutablePointer<CChar> = strdup("")!
    deinit { free(message) }
}

let lastError = ThreadLocal { ErrorState() }

func setLastError(_ text: String) {
    let state = lastError.value
    free(state.message)
    state.message = strdup(text)!
}

/// Runs an entry point's body: maps thrown errors to a status and the thread's message.
@inline(__always)
func guarded(_ function: StaticString, _ body: () throws -> Void) -> gentrain_status {
    do {
        try body()
        return GENTRAIN_OK
    } catch let e as GentrainError {
        setLastError("\(function): \(e.message)")
        return gentrain_status(rawValue: UInt32(e.kind.rawValue))
    } catch {
        setLastError("\(function): \(error)")
        return GENTRAIN_ERR_INTERNAL
    }
}

/// An entry point that produces one tensor into `out` (set to NULL first).
@inline(__always)
func producing(_ function: StaticString, _ out: UnsafeMutablePointer<OpaquePointer?>?,
               _ body: () throws -> Tensor) -> gentrain_status {
    out?.pointee = nil
    return guarded(function) {
        guard let out else { throw GentrainError(.invalidArgument, "out is NULL") }
        out.pointee = try newHandle(body())
    }
}

/// What runs when borrowed memory is no longer used.
typealias Release = () -> Void

/// An entry point that makes a tensor over the host's memory. `body` wraps the host's release
/// (a deleter) with its argument before handing it to the storage: the release then runs when no
/// tensor uses the memory, and only if the call succeeded — after a failure (a refused argument,
/// or no handle left) the memory and its release stay the caller's, as the header promises.
func producingBorrowed(_ function: StaticString, _ out: UnsafeMutablePointer<OpaquePointer?>?,
                       _ body: (_ onRelease: (Release?) -> Release?) throws -> Tensor) -> gentrain_status {
    final class Armed { var value = false }
    let armed = Armed()
    let status = producing(function, out) {
        try body { release in release.map { r in { if armed.value { r() } } } }
    }
    armed.value = status == GENTRAIN_OK
    return status
}

/// An entry point that produces several tensors (all or none; every out set to NULL first).
func producing(_ function: StaticString, _ outs: [UnsafeMutablePointer<OpaquePointer?>?],
               _ body: () throws -> [Tensor]) -> gentrain_status {
    for out in outs { out?.pointee = nil }
    return guarded(function) {
        guard outs.allSatisfy({ $0 != nil }) else { throw GentrainError(.invalidArgument, "an output pointer is NULL") }
        for (out, h) in zip(outs, try newHandles(body())) { out!.pointee = h }
    }
}

/// Writes a value through a non-NULL out-parameter.
@inline(__always)
func write<T>(_ out: UnsafeMutablePointer<T>?, _ value: () throws -> T) throws {
    guard let out else { throw GentrainError(.invalidArgument, "out is NULL") }
    out.pointee = try value()
}

/// A name as a C string that lives as long as the process (state keys are a small set).
func internedCString(_ s: String) -> UnsafePointer<CChar> {
    internLock.withLock {
        if let p = interned[s] { return UnsafePointer(p) }
        let p = strdup(s)!
        interned[s] = p
        return UnsafePointer(p)
    }
}

private let internLock = Lock()
nonisolated(unsafe) private var interned: [String: UnsafeMutablePointer<CChar>] = [:]
