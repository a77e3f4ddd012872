import Synchronization

/// The reverse-mode engine: `backward` (accumulate into leaves' `.grad`) and `grad`
/// (return gradients, PyTorch's `torch.autograd.grad`).
///
/// A pass (`BackwardPass`) finds the nodes reachable from the roots, keeps those on a path to a
/// wanted gradient, counts each node's consumers, and runs nodes in topological order as their
/// gradients complete.
public enum Autograd {
    private static let lastMark = Atomic<Int>(0)

    /// Computes the gradients of `tensors` (weighted by `gradTensors`, defaulting to 1 for
    /// scalars) and accumulates them into the `.grad` of every leaf that requires grad.
    /// `retainGraph` defaults to `createGraph`; `createGraph` records the gradient
    /// computation itself, for higher-order gradients — and, as in PyTorch, makes each leaf's
    /// `.grad` refer back to the leaf (a reference cycle: clear `.grad` after use; a warning
    /// says so).
    public static func backward(_ tensors: [Tensor], gradTensors: [Tensor?] = [], retainGraph: Bool? = nil,
                                createGraph: Bool = false) throws {
        if createGraph {
            Warnings.warn("Using backward() with create_graph=True will create a reference cycle between the parameter and its gradient which can cause a memory leak. We recommend using autograd.grad when creating the graph to avoid this. If you have to use this function, make sure to reset the .grad fields of your parameters to None after use to break the cycle and avoid the leak.")
        }
        _ = try run(roots: tensors, rootGrads: gradTensors, retain: retainGraph ?? createGraph,
                    create: createGraph, targets: nil, allowUnused: true)
    }

    /// Returns the gradients of `outputs` with respect to `inputs`, without touching `.grad`.
    /// An input the outputs do not depend on is an error (see `grad(…, allowUnused:)`).
    public static func grad(outputs: [Tensor], inputs: [Tensor], gradOutputs: [Tensor?] = [],
                            retainGraph: Bool? = nil, createGraph: Bool = false) throws -> [Tensor] {
        try grad(outputs: outputs, inputs: inputs, gradOutputs: gradOutputs, retainGraph: retainGraph, createGraph: createGraph,
                 allowUnused: false).compactMap { $0 }   // none is nil: an unused input threw
    }

    /// `grad`, where an input the outputs do not depend on gives nil when `allowUnused`.
    public static func grad(outputs: [Tensor], inputs: [Tensor], gradOutputs: [Tensor?] = [],
                            retainGraph: Bool? = nil, createGraph: Bool = false,
                            allowUnused: Bool) throws -> [Tensor?] {
        for (i, t) in inputs.enumerated() where !t.requiresGrad {
            throw GentrainError.autograd("grad: input \(i) does not require grad")
        }
        return try run(roots: outputs, rootGrads: gradOutputs, retain: retainGraph ?? createGraph,
                       create: createGraph, targets: inputs, allowUnused: allowUnused)
    }

    private static func nextMark() -> Int {
        lastMark.add(1, ordering: .relaxed).newValue
    }

    private static func run(roots: [Tensor], rootGrads: [Tensor?], retain: Bool, create: Bool,
                            targets: [Tensor]?, allowUnused: Bool) throws -> [Tensor?] {
        guard rootGrads.isEmpty || rootGrads.count == roots.count else {
            throw GentrainError.argument("backward: got \(rootGrads.count) gradients for \(roots.count) tensors")
        }
        var pass = BackwardPass(roots: roots, targets: targets, retain: retain, create: create, mark: nextMark())
        let seeds = try pass.seedGradients(rootGrads)
        defer { pass.release() }
        if targets == nil { try pass.collectForBackward() } else { try pass.collectForGrad() }
        try PassCallbacks.running {
            try Autocast.suspended { try pass.sweep(seeds) }   // gradients in each input's dtype
        }
        return try pass.results(allowUnused: allowUnused)
    }

    /// Reduces a gradient over broadcast dimensions to its input's shape and casts it to the input's dtype.
    fileprivate static func conform(_ g: Tensor, to input: Node.Input, _ name: String) throws -> Tensor {
        if g.isKnownZero && (g.shape != input.shape || g.dtype != input.dtype) {
            return try Tensor.knownZero(input.shape, dtype: input.dtype)
        }
        var g = g
        if g.shape != input.shape {
            do { g = try g.sumToShape(input.shape) } catch {
                throw GentrainError(.internal, "\(name): gradient of shape \(shapeString(g.shape)) does not reduce to input shape \(shapeString(input.shape))")
            }
        }
        if g.dtype != input.dtype { g = try g.to(input.dtype) }
        return g
    }
}

extension Tensor {
    /// Accumulates this tensor's gradient into the leaves' `.grad` (PyTorch's `loss.backward()`):
    /// `Autograd.backward([self], gradTensors: [gradient])`.
    public func backward(_ gradient: Tensor? = nil, retainGraph: Bool? = nil, createGraph: Bool = false) throws {
        try Autograd.backward([self], gradTensors: [gradient], retainGraph: retainGraph, createGraph: createGraph)
    }
}

/// One backward pass, in named steps: `seedGradients` checks the roots and their gradients;
/// `collectForBackward` (every reachable node runs) or `collectForGrad` (only nodes on a path to
/// a wanted gradient) claims the nodes for this thread and counts each one's consumers; `sweep`
/// runs the nodes in topological order as their gradients complete; `results` gives `grad()`'s
/// answers; `release` hands the nodes back, dropping gradients an error left waiting in them.
private struct BackwardPass {
    let roots: [Tensor], targets: [Tensor]?, retain: Bool, create: Bool, mark: Int
    /// Wanted gradients of `grad()`: a leaf's index among the targets...
    let leafTarget: [ObjectIdentifier: Int]
    /// ...and each wanted non-leaf's (target index, output index), by its producer.
    let nodeTarget: [ObjectIdentifier: [(Int, Int)]]
    var sink: GradientSink
    /// backward()'s leaves with post-accumulate hooks.
    private var hooks = LeafHooks()
    /// The nodes this pass holds for its thread until it ends.
    private var claimed: [Node] = []
    private let thread = ThreadID.current
    /// Whether the pass checks every gradient for NaN and infinity (anomaly mode when it began).
    private let anomaly = AnomalyMode.isEnabled

    init(roots: [Tensor], targets: [Tensor]?, retain: Bool, create: Bool, mark: Int) {
        (self.roots, self.targets, self.retain, self.create, self.mark) = (roots, targets, retain, create, mark)
        var leaves: [ObjectIdentifier: Int] = [:], nodes: [ObjectIdentifier: [(Int, Int)]] = [:]
        for (i, t) in (targets ?? []).enumerated() {
            if let fn = t.gradFn { nodes[ObjectIdentifier(fn), default: []].append((i, t.outputIndex)) } else { leaves[ObjectIdentifier(t)] = i }
        }
        (leafTarget, nodeTarget) = (leaves, nodes)
        sink = GradientSink(targets: targets, leafTarget: leaves, create: create, mark: mark)
    }

    /// The gradient each root starts with: the one given (its shape checked, cast to the root's
    /// dtype), or 1 for a one-element root.
    func seedGradients(_ given: [Tensor?]) throws -> [Tensor] {
        try roots.enumerated().map { i, root in
            guard root.requiresGrad else {
                throw GentrainError.autograd("element \(i) of tensors does not require grad and does not have a grad_fn")
            }
            if let g = given.isEmpty ? nil : given[i] {
                guard g.shape == root.shape else {
                    throw GentrainError.shape("backward: gradient of shape \(shapeString(g.shape)) given for a tensor of shape \(shapeString(root.shape))")
                }
                return g.dtype == root.dtype ? g : try g.to(root.dtype)
            }
            guard root.numel == 1 else {
                throw GentrainError.autograd("grad can be implicitly created only for scalar outputs, got shape \(shapeString(root.shape))")
            }
            return try Tensor.ones(root.shape, dtype: root.dtype)
        }
    }

    /// Holds `node` for this thread (a second thread walking the same graph is a misuse).
    private mutating func claim(_ node: Node) throws {
        if try node.use.acquire(by: thread, "the autograd graph (\(node.name))") { claimed.append(node) }
    }

    /// Hands every claimed node back, with no gradient left waiting in it.
    mutating func release() {
        while let node = claimed.popLast() {   // moved out of the list, not copied
            node.clearPending()
            node.use.release()
        }
    }

    /// backward(): every node leads to a leaf that requires grad (that is why it was recorded),
    /// so all reachable nodes run; counts each one's consumers.
    mutating func collectForBackward() throws {
        var stack: [Node] = []
        stack.reserveCapacity(16)
        claimed.reserveCapacity(16)
        for root in roots {
            if root.gradFn == nil { hooks.expect(root) }
            guard let fn = root.gradFn, fn.visitMark != mark else { continue }
            try claim(fn)
            fn.reset(mark, needed: true)
            stack.append(fn)
        }
        while let node = stack.popLast() {
            for k in 0..<node.inputCount {
                let child: Node
                switch node.edge(k) {
                case .none: continue
                case .leaf(let t):
                    hooks.expect(t)
                    continue
                case .node(let n, _): child = n
                }
                if child.visitMark != mark {
                    try claim(child)
                    child.reset(mark, needed: true)
                    stack.append(child)
                }
                child.dependencies += 1
            }
        }
    }

    /// grad(): only nodes on a path to a wanted gradient run. Finds the reachable nodes in
    /// post-order (inputs before the ops that consume them), marks the needed ones, then counts
    /// each needed node's needed consumers.
    mutating func collectForGrad() throws {
        let order = try reachableInPostOrder()
        for node in order {
            var needed = nodeTarget[ObjectIdentifier(node)] != nil
            for k in 0..<node.inputCount where !needed {
                switch node.edge(k) {
                case .none: break
                case .leaf(let t): needed = leafTarget[ObjectIdentifier(t)] != nil
                case .node(let child, _): needed = child.needed
                }
            }
            node.reset(mark, needed: needed)
            if needed { node.wantedLeaves = wantedLeafInputs(node) }
        }
        for node in order where node.needed {
            for k in 0..<node.inputCount {
                if case .node(let child, _) = node.edge(k), child.needed { child.dependencies += 1 }
            }
        }
    }

    /// The bits of `node`'s inputs (below 64) that are leaves `grad()` wants.
    private func wantedLeafInputs(_ node: Node) -> UInt64 {
        var bits: UInt64 = 0
        for k in 0..<Swift.min(node.inputCount, 64) {
            if case .leaf(let t) = node.edge(k), leafTarget[ObjectIdentifier(t)] != nil { bits |= 1 << UInt64(k) }
        }
        return bits
    }

    /// The nodes reachable from the roots, each after every node it consumes (claimed).
    private mutating func reachableInPostOrder() throws -> [Node] {
        var order: [Node] = []
        var stack: [(node: Node, nextInput: Int)] = []
        for root in roots {
            guard let fn = root.gradFn, fn.visitMark != mark else { continue }
            try claim(fn)
            fn.visitMark = mark
            stack.append((fn, 0))
            while let (node, i) = stack.last {
                guard i < node.inputCount else {
                    stack.removeLast()
                    order.append(node)
                    continue
                }
                stack[stack.count - 1].nextInput = i + 1
                if case .node(let child, _) = node.edge(i), child.visitMark != mark {
                    try claim(child)
                    child.visitMark = mark
                    stack.append((child, 0))
                }
            }
        }
        return order
    }

    /// Delivers the seeds, then runs each node once all its consumers have given it their
    /// gradients, passing its inputs' gradients on (to nodes, or to the sink for leaves).
    mutating func sweep(_ seeds: [Tensor]) throws {
        // Gradients record a graph only for create_graph; set once for the pass, before the seeds
        // are delivered (a seed given for a leaf root that requires grad, added to the leaf's
        // `.grad` with grad mode on, gave the `.grad` a history: a cycle back to the leaf).
        let previousMode = GradMode.isEnabled
        GradMode.isEnabled = create
        defer { GradMode.isEnabled = previousMode }
        for (root, seed) in zip(roots, seeds) {
            if let fn = root.gradFn {
                if fn.needed { try fn.accumulate(seed, output: root.outputIndex) }
            } else {
                try deliver(seed, toLeaf: root, shared: true)
            }
        }
        var ready: [Node] = []
        for root in roots {
            if let fn = root.gradFn, fn.needed, fn.dependencies == 0, !fn.queued {
                fn.queued = true   // once, even when several roots share it
                ready.append(fn)
            }
        }
        while let node = ready.popLast() {
            guard node.hasPendingGrad else { continue }
            if let h = node.outputHooks { try node.runOutputHooks(h, retaining: targets == nil) }
            if let wanted = nodeTarget[ObjectIdentifier(node)] {
                for (i, k) in wanted { sink.results[i] = node.pending(k) }
            }
            let grads = try runBackward(node)
            for i in 0..<node.inputCount {
                switch node.edge(i) {
                case .none: continue
                case .leaf(let t):
                    guard targets == nil || leafTarget[ObjectIdentifier(t)] != nil else { continue }
                    try deliver(try gradient(grads, i, of: node), toLeaf: t)
                case .node(let child, let k):
                    guard child.needed else { continue }
                    try child.accumulate(try gradient(grads, i, of: node), output: k)
                    child.dependencies -= 1
                    if child.dependencies == 0 { ready.append(child) }
                }
            }
        }
        for (leaf, g) in try hooks.takeHeld() { try deliver(g, toLeaf: leaf, held: true) }
        try hooks.finish()
        if targets != nil { try sink.runLeafHooksOnResults() }
    }

    /// Hands a leaf its gradient: backward() adds it to `.grad` (through the leaf's gradient
    /// hooks, once all of the pass's gradient for it has arrived: `held`), grad() to its result.
    @inline(__always)
    private mutating func deliver(_ g: Tensor, toLeaf t: Tensor, shared: Bool = false, held: Bool = false) throws {
        guard targets == nil else { return try sink.deliver(g, toLeaf: t, shared: shared) }
        guard let whole = held ? g : try hooks.arriving(g, at: t) else { return }
        try sink.deliver(whole, toLeaf: t, shared: shared)
        try hooks.delivered(t)
    }

    /// Calls the node's backward function on its pending gradients (freeing it unless retained);
    /// when they are all known zeros, gives known zeros instead (see `KnownZero.swift`).
    @inline(__always)
    private func runBackward(_ node: Node) throws -> Grads {
        guard !node.isFreed else {
            throw GentrainError.autograd("\(node.name): trying to backward through the graph a second time (or to use saved tensors after they were freed); saved values are freed by backward() and grad() unless retain_graph is true")
        }
        let grads: Grads
        if node.pendingAreKnownZeros && !node.runsOnZeroGradients {
            node.clearPending()
            var zeros: [Tensor?] = []
            for i in 0..<node.inputCount {
                let input = node.input(i)
                zeros.append(node.needsInputGrad(i) ? try Tensor.knownZero(input.shape, dtype: input.dtype) : nil)
            }
            grads = Grads(zeros)
        } else if node.backwardFn != nil, node.pendingGrad != nil {
            try node.checkSaved()
            // Moved out, not copied (a pass that does not retain the graph frees the function
            // now; it goes back if it fails, so that the error is what a retry reports).
            let fn = retain ? node.backwardFn! : node.backwardFn.take()!
            do { grads = try fn(node, node.pendingGrad.take()!) } catch {
                if !retain { node.backwardFn = fn }
                throw error
            }
        } else {
            try node.checkSaved()
            let gs = [node.pendingGrad] + node.pendingOthers
            node.pendingGrad = nil
            node.pendingOthers = []
            grads = try node.multiBackwardFn!(node, gs)
        }
        if !retain {
            (node.backwardFn, node.multiBackwardFn) = (nil, nil)
            node.releaseSaved()
        }
        guard grads.count == node.inputCount else {
            throw GentrainError(.internal, "\(node.name) returned \(grads.count) gradients for \(node.inputCount) inputs")
        }
        if anomaly {
            for i in 0..<grads.count { if let g = grads[i] { try AnomalyMode.checkBackward(g, node.name, i) } }
        }
        return grads
    }

    /// Input `i`'s gradient from `grads`, reduced over broadcast dimensions to the input's shape
    /// and cast to its dtype (here, once, rather than in every op's backward).
    @inline(__always)
    private func gradient(_ grads: Grads, _ i: Int, of node: Node) throws -> Tensor {
        guard let g = grads[i] else {
            throw GentrainError.autograd("\(node.name): the derivative with respect to input \(i) is not implemented")
        }
        return node.inputMatches(g, i) ? g : try Autograd.conform(g, to: node.input(i), node.name)
    }

    /// grad()'s gradients; an input the outputs do not depend on is an error unless `allowUnused`.
    func results(allowUnused: Bool) throws -> [Tensor?] {
        if !allowUnused, let i = sink.results.firstIndex(where: { $0 == nil }) {
            throw GentrainError.autograd("grad: input \(i) was not used in the graph of the outputs; pass allow_unused to get nil for it")
        }
        return try sink.results.map { try $0?.materialized() }
    }
}

/// Where a pass's gradients of leaves go: `grad()`'s results, or the leaves' `.grad`.
///
/// A `.grad` takes over the gradient tensor itself when nothing else can keep it (no copy), and
/// later passes add into it in place. So a tensor one leaf took over must not become another
/// leaf's too (an op can return one gradient for two inputs): the second gets a copy. Until
/// the pass ends, nodes may still read a taken-over tensor, so no in-place adds into it
/// happen during the pass; a seed the caller gave is always copied. Tensors carry the mark
/// of the pass that last handed them to a leaf, so this costs no lookup.
private struct GradientSink {
    let targets: [Tensor]?, leafTarget: [ObjectIdentifier: Int], create: Bool, mark: Int
    var results: [Tensor?]

    init(targets: [Tensor]?, leafTarget: [ObjectIdentifier: Int], create: Bool, mark: Int) {
        (self.targets, self.leafTarget, self.create, self.mark) = (targets, leafTarget, create, mark)
        results = Array(repeating: nil, count: targets?.count ?? 0)
    }

    /// grad()'s results for leaves with gradient hooks, through them (each result is the whole
    /// gradient of the pass).
    mutating func runLeafHooksOnResults() throws {
        for (i, t) in (targets ?? []).enumerated() where t.gradFn == nil && t.hooks?.gradient.isEmpty == false {
            if let g = results[i] { results[i] = try runLeafGradientHooks(t, g) }
        }
    }

    /// Adds `g` to a leaf's gradient, or to `grad()`'s result for it (`shared`: the caller may
    /// still hold `g`).
    mutating func deliver(_ g: Tensor, toLeaf leaf: Tensor, shared: Bool = false) throws {
        if targets != nil {
            if let i = leafTarget[ObjectIdentifier(leaf)] { results[i] = try results[i].map { try $0.adding(gradient: g) } ?? g }
            return
        }
        try leaf.use.exclusive("a leaf's .grad") { try accumulate(g, into: leaf, shared: shared) }
    }

    private func accumulate(_ g: Tensor, into leaf: Tensor, shared: Bool) throws {
        // A leaf's .grad has the leaf's dtype, also when the leaf changed dtype after the forward
        // pass (Module.to between forward and backward): the graph recorded the old one.
        if g.isKnownZero && leaf.grad != nil { return }
        let g = try (g.dtype == leaf.dtype ? g : try g.to(leaf.dtype)).materialized()
        if let existing = leaf.grad {
            if create || existing.requiresGrad || !existing.isDenseOwner || existing.handedMark == mark {
                leaf.grad = try existing + g
            } else {
                try existing.addInPlace(g)
            }
        } else if create {
            leaf.grad = g
        } else {
            let owned = shared || g.handedMark == mark ? try withNoGrad { try g.contiguousCopy() } : try g.ownedCopy()
            if owned === g { g.handedMark = mark }
            leaf.grad = owned
        }
    }
}

extension Tensor {
    /// Whether this tensor is the sole, dense user of its storage (safe to update in place).
    var isDenseOwner: Bool {
        offset == 0 && isContiguous && storage.byteCount == numel * dtype.itemSize && isKnownUniquelyReferenced(&storage)
    }

    /// A gradient from outside the engine (a custom op's backward, a hook) that someone else still
    /// holds — one the host keeps, or the gradient it was given — becomes a clone (differentiable
    /// under create_graph): a pass may take a gradient over as a leaf's `.grad` and add into it later.
    static func unshare(_ g: inout Tensor) throws {
        if !isKnownUniquelyReferenced(&g) { g = try g.clone() }
    }

    /// This tensor when it owns its storage densely and has no history, else a fresh copy:
    /// a `.grad` never aliases memory someone else can see.
    func ownedCopy() throws -> Tensor {
        if gradFn == nil && isDenseOwner { return self }
        return try withNoGrad { try contiguousCopy() }
    }
}
