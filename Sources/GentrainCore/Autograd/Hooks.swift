/// Hooks into backward passes: PyTorch's `Tensor.register_hook` (a function of a tensor's
/// gradient, which may replace it), `retain_grad`, `register_post_accumulate_grad_hook`, and the
/// autograd engine's `queue_callback` — what distributed data parallel training needs to start
/// reducing a gradient as soon as it is final, and to finish when the pass ends.

/// A registered hook; `remove()` unregisters it (PyTorch's `RemovableHandle`).
public final class HookHandle {
    private let removal: () -> Void

    fileprivate init(_ removal: @escaping () -> Void) { self.removal = removal }

    public func remove() { removal() }
}

/// A hook on a gradient: it sees the gradient and returns a replacement, or nil to keep it.
public typealias GradientHook = (Tensor) throws -> Tensor?

/// A leaf's hooks, in registration order: on its gradient (the pass's whole gradient for it,
/// before it is added to `.grad`) and after accumulation.
final class TensorHooks {
    var gradient: [(id: Int, hook: GradientHook)] = []
    var postAccumulate: [(id: Int, hook: (Tensor) throws -> Void)] = []
}

/// The hooks on a node's outputs (non-leaf tensors), by output index, and the outputs whose
/// gradient is kept in their `.grad` (retain_grad); run once the node's gradients are complete.
final class OutputHooks {
    var gradient: [(id: Int, output: Int, hook: GradientHook)] = []
    var retained: [(output: Int, tensor: WeakTensor)] = []
}

/// A tensor a node's hooks refer to without keeping it alive (the tensor holds the node).
struct WeakTensor { weak var tensor: Tensor? }

private let hookIDs = Lock()
nonisolated(unsafe) private var lastHookID = 0
private func nextHookID() -> Int { hookIDs.withLock { lastHookID += 1; return lastHookID } }

extension Tensor {
    /// Calls `hook(self)` during each `backward()` once this leaf's `.grad` holds every
    /// gradient of the pass (after accumulation), PyTorch's `register_post_accumulate_grad_hook`.
    /// `grad()` passes, which do not accumulate, do not call it.
    @discardableResult
    public func registerPostAccumulateGradHook(_ hook: @escaping (Tensor) throws -> Void) throws -> HookHandle {
        guard gradFn == nil && leafRequiresGrad else {
            throw GentrainError.autograd("post accumulate grad hooks can only be registered on leaf tensors that require grad")
        }
        let id = nextHookID()
        if hooks == nil { hooks = TensorHooks() }
        hooks!.postAccumulate.append((id, hook))
        return HookHandle { [weak self] in self?.hooks?.postAccumulate.removeAll { $0.id == id } }
    }

    /// Calls `hook(gradient)` whenever this tensor's gradient has been computed in a backward
    /// pass (all of it: the sum over the tensor's uses), before it flows on — into a leaf's
    /// `.grad` or `grad()`'s result, or into the op that made the tensor; a tensor the hook
    /// returns replaces the gradient (PyTorch's `Tensor.register_hook`). Hooks run in
    /// registration order, each on the previous one's result.
    @discardableResult
    public func registerHook(_ hook: @escaping GradientHook) throws -> HookHandle {
        guard requiresGrad else { throw GentrainError.autograd("cannot register a hook on a tensor that doesn't require gradient") }
        let id = nextHookID()
        if let fn = gradFn {
            if fn.outputHooks == nil { fn.outputHooks = OutputHooks() }
            fn.outputHooks!.gradient.append((id, outputIndex, hook))
            return HookHandle { [weak fn] in fn?.outputHooks?.gradient.removeAll { $0.id == id } }
        }
        if hooks == nil { hooks = TensorHooks() }
        hooks!.gradient.append((id, hook))
        return HookHandle { [weak self] in self?.hooks?.gradient.removeAll { $0.id == id } }
    }

    /// Keeps this non-leaf tensor's gradient in its `.grad` in later backward passes, added up
    /// as a leaf's (PyTorch's `retain_grad`); a leaf keeps its gradient anyway.
    public func retainGrad() throws {
        guard requiresGrad else { throw GentrainError.autograd("can't retain_grad on Tensor that has requires_grad=False") }
        guard let fn = gradFn, !retainsGrad else { return }
        if fn.outputHooks == nil { fn.outputHooks = OutputHooks() }
        fn.outputHooks!.retained.append((outputIndex, WeakTensor(tensor: self)))
    }

    /// Whether this non-leaf tensor keeps its gradient in `.grad` (`retainGrad`).
    public var retainsGrad: Bool {
        guard let fn = gradFn else { return false }
        return fn.outputHooks?.retained.contains { $0.output == outputIndex && $0.tensor.tensor === self } ?? false
    }
}

extension Node {
    /// Runs the hooks on this node's outputs on their complete pending gradients (replacing
    /// them), then (a backward() pass: `retaining`) hands the retained outputs their gradients.
    func runOutputHooks(_ h: OutputHooks, retaining: Bool) throws {
        for entry in h.gradient {
            guard let g = pending(entry.output), let replaced = try replacement(entry.hook, g) else { continue }
            if entry.output == 0 { pendingGrad = replaced } else { pendingOthers[entry.output - 1] = replaced }
        }
        for entry in h.retained where retaining {
            guard let t = entry.tensor.tensor, let g = pending(entry.output) else { continue }
            let kept = try g.materialized()
            t.grad = try t.grad.map { try $0 + kept } ?? (GradMode.isEnabled ? kept : kept.detach())
        }
    }
}

/// Runs a leaf's gradient hooks on its whole gradient of a pass.
func runLeafGradientHooks(_ leaf: Tensor, _ g: Tensor) throws -> Tensor {
    var g = g
    for (_, hook) in leaf.hooks?.gradient ?? [] {
        if let replaced = try replacement(hook, g) { g = replaced }
    }
    return g
}

/// What `hook` returns for `g`, checked to have g's shape (`unshare`d: the host may keep it).
private func replacement(_ hook: GradientHook, _ g: Tensor) throws -> Tensor? {
    guard var replaced = try hook(g) else { return nil }
    guard replaced.shape == g.shape else {
        throw GentrainError.shape("hook: the gradient returned has shape \(shapeString(replaced.shape)) where \(shapeString(g.shape)) was expected")
    }
    try Tensor.unshare(&replaced)
    return replaced
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

/// The leaves with hooks that a backward() pass reaches, and how many gradients each still
/// expects: a leaf with gradient hooks has its gradients held and summed until the last one
/// arrives, which goes through its hooks to `.grad`; post-accumulate hooks run then.
struct LeafHooks {
    private var expected: [ObjectIdentifier: (leaf: Tensor, remaining: Int, delivered: Bool, held: Tensor?)] = [:]

    @inline(__always)
    mutating func expect(_ leaf: Tensor) {
        guard leaf.hooks != nil else { return }
        expected[ObjectIdentifier(leaf), default: (leaf, 0, false, nil)].remaining += 1
    }

    /// A gradient for `leaf`: what to add to its `.grad` now — the gradient, or, for a leaf with
    /// gradient hooks, nil until its last gradient of the pass, then their sum through the hooks.
    @inline(__always)
    mutating func arriving(_ g: Tensor, at leaf: Tensor) throws -> Tensor? {
        guard leaf.hooks?.gradient.isEmpty == false, var e = expected[ObjectIdentifier(leaf)] else { return g }
        e.held = try e.held.map { try $0.adding(gradient: g) } ?? g
        e.remaining -= 1
        defer { expected[ObjectIdentifier(leaf)] = e }
        guard e.remaining == 0 else { return nil }
        let whole = e.held!
        e.held = nil
        return try runLeafGradientHooks(leaf, whole)
    }

    /// One gradient reached `leaf`'s `.grad`: runs its post-accumulate hooks if it was the last one.
    @inline(__always)
    mutating func delivered(_ leaf: Tensor) throws {
        guard leaf.hooks?.postAccumulate.isEmpty == false, var e = expected[ObjectIdentifier(leaf)] else { return }
        if leaf.hooks?.gradient.isEmpty != false { e.remaining -= 1 }   // else counted by `arriving`
        e.delivered = true
        expected[ObjectIdentifier(leaf)] = e
        if e.remaining == 0 { try Self.run(leaf) }
    }

    /// At the end of the sweep, the held gradients of leaves that got some but not all expected
    /// ones (a consumer that received none did not run), through their hooks: for the caller to
    /// deliver (then `delivered` runs their post-accumulate hooks).
    mutating func takeHeld() throws -> [(leaf: Tensor, gradient: Tensor)] {
        var out: [(leaf: Tensor, gradient: Tensor)] = []
        for (key, e) in expected {
            guard let held = e.held else { continue }
            (expected[key]!.held, expected[key]!.remaining) = (nil, 0)
            out.append((e.leaf, try runLeafGradientHooks(e.leaf, held)))
        }
        return out
    }

    /// At the end of the sweep: leaves that got some but not all expected gradients are final now.
    func finish() throws {
        for (_, e) in expected where e.delivered && e.remaining > 0 { try Self.run(e.leaf) }
    }

    private static func run(_ leaf: Tensor) throws {
        for (_, hook) in leaf.hooks?.postAccumulate ?? [] { try hook(leaf) }
    }
}
