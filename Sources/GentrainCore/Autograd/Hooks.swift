/// Hooks into backward passes, as PyTorch's `Tensor.register_post_accumulate_grad_hook` and
/// the autograd engine's `queue_callback`: what distributed data parallel training needs to
/// start reducing a gradient as soon as it is final, and to finish when the pass ends.

/// A registered hook; `remove()` unregisters it (PyTorch's `RemovableHandle`).
public final class HookHandle {
    private weak var tensor: Tensor?
    private let id: Int

    fileprivate init(_ tensor: Tensor, _ id: Int) { (self.tensor, self.id) = (tensor, id) }

    public func remove() {
        tensor?.postAccumulateGradHooks?.list.removeAll { $0.id == id }
    }
}

/// A leaf's post-accumulate hooks, in registration order.
final class PostAccumulateGradHooks {
    var list: [(id: Int, hook: (Tensor) throws -> Void)] = []
}

private let hookIDs = Lock()
nonisolated(unsafe) private var lastHookID = 0

extension Tensor {
    /// Calls `hook(self)` during each `backward()` once this leaf's `.grad` holds every
    /// gradient of the pass (after accumulation), PyTorch's `register_post_accumulate_grad_hook`.
    /// `grad()` passes, which do not accumulate, do not call it.
    @discardableResult
    public func registerPostAccumulateGradHook(_ hook: @escaping (Tensor) throws -> Void) throws -> HookHandle {
        guard gradFn == nil && leafRequiresGrad else {
            throw GentrainError.autograd("post accumulate grad hooks can only be registered on leaf tensors that require grad")
        }
        let id = hookIDs.withLock { lastHookID += 1; return lastHookID }
        if postAccumulateGradHooks == nil { postAccumulateGradHooks = PostAccumulateGradHooks() }
        postAccumulateGradHooks!.list.append((id, hook))
        return HookHandle(self, id)
    }
}

extension Autograd {
    /// Runs `callback` when the backward pass running on this thread ends (after every node and
    /// hook), PyTorch's `Variable._execution_engine.queue_callback`. Only callable from inside a
    /// pass (a hook or a backward function).
    public static func queueCallback(_ callback: @escaping () throws -> Void) throws {
        try queueCallback(callback, ifPassFails: {})
    }

    /// `queueCallback`, and `failed` to run instead if the pass ends with an error before its
    /// callbacks (state a hook left half done must not leak into the next pass).
    package static func queueCallback(_ callback: @escaping () throws -> Void, ifPassFails failed: @escaping () -> Void) throws {
        let passes = PassCallbacks.state.value
        guard !passes.stack.isEmpty else {
            throw GentrainError.autograd("queue_callback: no backward pass is running on this thread")
        }
        passes.stack[passes.stack.count - 1].append((callback, failed))
    }
}

/// The callbacks queued by each pass running on a thread (nested passes: a hook may run one).
final class PassCallbacks {
    static let state = ThreadLocal { PassCallbacks() }
    var stack: [[(run: () throws -> Void, failed: () -> Void)]] = []

    /// Runs `body` as a pass, then the callbacks it queued, in order (including ones they queue);
    /// if `body` fails, their failure handlers instead.
    static func running<R>(_ body: () throws -> R) throws -> R {
        let passes = state.value
        passes.stack.append([])
        defer { passes.stack.removeLast() }
        let result: R
        do {
            result = try body()
        } catch {
            for entry in passes.stack[passes.stack.count - 1] { entry.failed() }
            throw error
        }
        var i = 0
        while i < passes.stack[passes.stack.count - 1].count {
            try passes.stack[passes.stack.count - 1][i].run()
            i += 1
        }
        return result
    }
}

/// The leaves with post-accumulate hooks that a pass reaches, and how many gradients each
/// still expects; a leaf's hooks run when its last gradient arrives.
struct LeafHooks {
    private var expected: [ObjectIdentifier: (leaf: Tensor, remaining: Int, delivered: Bool)] = [:]

    @inline(__always)
    mutating func expect(_ leaf: Tensor) {
        guard leaf.postAccumulateGradHooks?.list.isEmpty == false else { return }
        expected[ObjectIdentifier(leaf), default: (leaf, 0, false)].remaining += 1
    }

    /// One gradient reached `leaf`'s `.grad`: runs its hooks if it was the last one.
    @inline(__always)
    mutating func delivered(_ leaf: Tensor) throws {
        guard leaf.postAccumulateGradHooks?.list.isEmpty == false, var e = expected[ObjectIdentifier(leaf)] else { return }
        e.remaining -= 1
        e.delivered = true
        expected[ObjectIdentifier(leaf)] = e
        if e.remaining == 0 { try Self.run(leaf) }
    }

    /// At the end of the sweep: leaves that got some but not all expected gradients (a consumer
    /// that received none did not run) are final now.
    func finish() throws {
        for (_, e) in expected where e.delivered && e.remaining > 0 { try Self.run(e.leaf) }
    }

    private static func run(_ leaf: Tensor) throws {
        for (_, hook) in leaf.postAccumulateGradHooks?.list ?? [] { try hook(leaf) }
    }
}
