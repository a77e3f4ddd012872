#if canImport(Glibc)
import Glibc
#endif
import CGentrain
import GentrainCore
import GentrainNN
import GentrainOptim

/// What a handle refers to; a handle passed where another kind is expected is an error.
enum HandleKind: String {
    case tensor, module, optimizer, scheduler, checkpoint
}

/// The live handles. A handle value encodes a slot index and the slot's generation, so a
/// freed, forged or wrong-kind handle is recognized without dereferencing anything.
final class HandleTable: @unchecked Sendable {
    private struct Slot {
        var object: AnyObject?
        var kind: HandleKind = .tensor
        var generation: UInt = 1
    }

    private static let generationBits = 24
    private static let generationMask: UInt = (1 << generationBits) - 1
    private var slots: [Slot] = [Slot()]   // slot 0 unused: no handle is NULL
    private var free: [Int] = []
    private let lock = Lock()

    static let shared = HandleTable()

    func insert(_ object: AnyObject, _ kind: HandleKind) -> OpaquePointer {
        lock.withLock {
            let index: Int
            if let reused = free.popLast() { index = reused } else { index = slots.count; slots.append(Slot()) }
            slots[index].object = object
            slots[index].kind = kind
            let bits = UInt(index) << HandleTable.generationBits | (slots[index].generation & HandleTable.generationMask)
            return OpaquePointer(bitPattern: bits)!
        }
    }

    func lookup(_ handle: OpaquePointer?, _ kind: HandleKind, _ what: String) throws -> AnyObject {
        guard let handle else { throw GentrainError(.invalidHandle, "\(what) is NULL") }
        let bits = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(handle)))
        let index = Int(bits >> HandleTable.generationBits), generation = bits & HandleTable.generationMask
        return try lock.withLock {
            guard index > 0, index < slots.count, let object = slots[index].object,
                  slots[index].generation & HandleTable.generationMask == generation else {
                throw GentrainError(.invalidHandle, "\(what) is not a live handle (freed, or never created)")
            }
            guard slots[index].kind == kind else {
                throw GentrainError(.invalidHandle, "\(what) is a \(slots[index].kind.rawValue) handle, expected a \(kind.rawValue) handle")
            }
            return object
        }
    }

    /// Releases a handle; unknown handles are ignored (the free functions return nothing).
    func remove(_ handle: OpaquePointer?, _ kind: HandleKind) {
        guard let handle else { return }
        let bits = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(handle)))
        let index = Int(bits >> HandleTable.generationBits), generation = bits & HandleTable.generationMask
        let released: AnyObject? = lock.withLock {
            guard index > 0, index < slots.count, slots[index].object != nil, slots[index].kind == kind,
                  slots[index].generation & HandleTable.generationMask == generation else { return nil }
            let object = slots[index].object
            slots[index].object = nil
            slots[index].generation &+= 1
            free.append(index)
            return object
        }
        _ = released   // the object is released here, outside the lock
    }
}

/// A module handle's object: the module and the C strings of its parameter names.
final class ModuleBox {
    let module: Module
    private var names: [String: UnsafeMutablePointer<CChar>] = [:]
    init(_ module: Module) { self.module = module }

    func cName(_ name: String) -> UnsafePointer<CChar> {
        if let p = names[name] { return UnsafePointer(p) }
        let p = strdup(name)!
        names[name] = p
        return UnsafePointer(p)
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

func optimizerArg(_ h: OpaquePointer?) throws -> Optimizer {
    unsafeDowncast(try HandleTable.shared.lookup(h, .optimizer, "optimizer"), to: Optimizer.self)
}

/// A scheduler handle's object: an `LRScheduler` or a `ReduceLROnPlateau`.
func schedulerArg(_ h: OpaquePointer?) throws -> AnyObject {
    try HandleTable.shared.lookup(h, .scheduler, "scheduler")
}

func newHandle(_ t: Tensor) -> OpaquePointer { HandleTable.shared.insert(t, .tensor) }

/// A C string argument.
func stringArg(_ p: UnsafePointer<CChar>?, _ what: String) throws -> String {
    guard let p else { throw GentrainError(.invalidArgument, "\(what) is NULL") }
    return String(cString: p)
}

/// A list of `n` tensor handles.
func tensorList(_ list: UnsafePointer<OpaquePointer?>?, _ n: Int, _ what: String) throws -> [Tensor] {
    if n == 0 { return [] }
    guard n > 0, n <= 1 << 24 else { throw GentrainError(.invalidArgument, "\(what) has an invalid count \(UInt(bitPattern: n))") }
    guard let list else { throw GentrainError(.invalidArgument, "\(what) is NULL but its count is \(n)") }
    return try (0..<n).map { try tensorArg(list[$0], "\(what)[\($0)]") }
}

/// `n` int64 values (shape, dims); NULL is allowed only when n is 0.
func int64List(_ p: UnsafePointer<Int64>?, _ n: Int, _ what: String) throws -> [Int] {
    if n == 0 { return [] }
    guard let p else { throw GentrainError(.invalidArgument, "\(what) is NULL but its length is \(n)") }
    guard n > 0, n <= 64 else { throw GentrainError(.invalidArgument, "\(what) has \(UInt(bitPattern: n)) entries; at most 64 dimensions are supported") }
    return (0..<n).map { Int(p[$0]) }
}

func dtypeArg(_ d: gentrain_dtype) throws -> DType {
    guard let dt = DType(rawValue: Int32(bitPattern: d.rawValue)) else {
        throw GentrainError(.dtype, "unknown dtype \(d.rawValue)")
    }
    return dt
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
        out.pointee = newHandle(try body())
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
