/// One recorded op in the autograd graph: where the gradient of each input goes, and the
/// function that maps the gradient of the output to the gradients of the inputs. An op with
/// several outputs (`unbind`, `split`, a fused recurrent cell) is one node whose backward
/// receives one gradient per output (nil for an output nothing used).
///
/// Backward functions are written with differentiable tensor ops, so running them with
/// grad mode on (`create_graph`) records a graph of the gradient itself.
public final class Node {
    /// Where an input's gradient goes.
    enum Edge {
        /// The input does not require grad.
        case none
        /// A leaf that requires grad: its `.grad` accumulates.
        case leaf(Tensor)
        /// Output `k` of another op.
        case node(Node, Int)
    }

    struct Input {
        let edge: Edge
        let shape: [Int]
        let dtype: DType

        /// What fills an inline slot the op has no input for.
        static var absent: Input { Input(edge: .none, shape: [], dtype: .float32) }
    }

    /// The op's name, for error messages (`MulBackward`).
    public let name: String
    // The inputs: the first two inline (no array for the common ops; `absent` where the op has
    // fewer), any others in `more`. Not optionals, so that reading one in place copies nothing.
    private var first: Input, second: Input, more: [Input]
    let inputCount: Int

    /// Input `i` (`i < inputCount`).
    @inline(__always)
    func input(_ i: Int) -> Input { i == 0 ? first : (i == 1 ? second : more[i - 2]) }
    /// Where input `i`'s gradient goes (its shape not copied: the backward pass's walks read only this).
    @inline(__always)
    func edge(_ i: Int) -> Edge { i == 0 ? first.edge : (i == 1 ? second.edge : more[i - 2].edge) }
    /// Whether `g` has input `i`'s shape and dtype, as its gradient must (compared in place).
    @inline(__always)
    func inputMatches(_ g: Tensor, _ i: Int) -> Bool {
        switch i {   // field by field: a method call on `first` would copy the whole input
        case 0: return g.dtype == first.dtype && g.shape == first.shape
        case 1: return g.dtype == second.dtype && g.shape == second.shape
        default: return g.dtype == more[i - 2].dtype && g.shape == more[i - 2].shape
        }
    }
    /// Maps the output's gradient to one gradient per input (nil where not needed).
    /// Set to nil once run without `retain_graph`, which frees what it saved.
    var backwardFn: ((Node, Tensor) throws -> Grads)?
    /// The backward function of a node with several outputs, nil elsewhere (and once freed).
    var multiBackwardFn: ((Node, [Tensor?]) throws -> Grads)?
    /// How many outputs the op has.
    let outputCount: Int

    // Scratch state of the current backward pass: the gradient of output 0, and of the others.
    var pendingGrad: Tensor?
    var pendingOthers: [Tensor?] = []
    var dependencies = 0
    var needed = false
    /// The inputs below 64 that are leaves this pass wants a gradient for, a bit each: all of
    /// them in `backward()`, only `grad()`'s targets there (so `grad(y, x)` computes no weight
    /// gradients). Inputs from 64 on are always wanted.
    var wantedLeaves: UInt64 = ~0
    /// Whether the backward function runs even when every gradient reaching the node is a known
    /// zero (a host's function, whose calls the host may count); other nodes are skipped then.
    var runsOnZeroGradients = false
    /// The pass that last visited the node, and whether that pass has queued it to run.
    var visitMark = 0
    var queued = false
    /// Hooks on this node's outputs and the outputs that retain their gradient (nil for almost
    /// every node).
    var outputHooks: OutputHooks?
    /// Held by the pass that walks the node: a second thread's pass through it is a misuse.
    let use = UseGuard()
    /// The tensors the backward function reads, with their storages' versions when recorded
    /// (two inline: most ops have one or two).
    private var savedFirst: SavedTensor?, savedSecond: SavedTensor?, savedMore: [SavedTensor] = []

    init(name: String, _ first: consuming Input?, _ second: consuming Input?, more: consuming [Input] = [],
         backward: @escaping (Node, Tensor) throws -> Grads) {
        self.name = name
        inputCount = (first == nil ? 0 : 1) + (second == nil ? 0 : 1) + more.count
        (self.first, self.second, self.more) = (first ?? .absent, second ?? .absent, more)
        backwardFn = backward
        outputCount = 1
    }

    /// A node with `outputs` outputs.
    init(name: String, inputs: [Input], outputs: Int, backward: @escaping (Node, [Tensor?]) throws -> Grads) {
        self.name = name
        (first, second, more) = (inputs.first ?? .absent, inputs.count > 1 ? inputs[1] : .absent, Array(inputs.dropFirst(2)))
        inputCount = inputs.count
        multiBackwardFn = backward
        outputCount = outputs
    }

    /// A deep graph is freed one node at a time, not each node inside its consumer's deinit: past
    /// `NodeRemains.inlineDepth` levels, what a node holds that can free further nodes (its inputs'
    /// edges, its backward function with the tensors it captured, its pending gradients) goes to
    /// this thread's list of remains, which the outermost such deinit empties in a loop. Freed
    /// recursively, a chain of 200,000 ops (a long unrolled sequence, a loop that keeps its loss
    /// graph) overflowed the stack and crashed the host.
    deinit {
        // Released here unless this thread is already `NodeRemains.inlineDepth` nodes deep.
        if NodeRemains.releasedInline({
            (first, second, backwardFn, multiBackwardFn, pendingGrad) = (.absent, .absent, nil, nil, nil)
            if !more.isEmpty { more = [] }
            if !pendingOthers.isEmpty { pendingOthers = [] }
        }) { return }
        // Moved out, not copied: the list must hold the last references when it releases them.
        var remains = NodeRemains()
        swap(&remains.first, &first)
        swap(&remains.second, &second)
        (remains.backward, remains.multiBackward, remains.pending) = (backwardFn.take(), multiBackwardFn.take(), pendingGrad.take())
        swap(&remains.more, &more)
        swap(&remains.pendingOthers, &pendingOthers)
        NodeRemains.take(&remains)
    }

    /// Whether the backward function was freed (by a pass without `retain_graph`).
    var isFreed: Bool { backwardFn == nil && multiBackwardFn == nil }

    /// Notes that the backward function reads `t`, its input `index` (or, for -1, its output):
    /// an in-place write to it before backward is then an error instead of a silently wrong gradient.
    func save(_ t: Tensor, index: Int) {
        let s = SavedTensor(storage: t.storage, version: t.storage.version, index: index)
        if savedFirst == nil { savedFirst = s } else if savedSecond == nil { savedSecond = s } else { savedMore.append(s) }
    }

    /// Refuses to run the backward function when a tensor it reads was written in place since.
    func checkSaved() throws {
        func check(_ s: SavedTensor) throws {
            guard s.storage.version != s.version else { return }
            let what = s.index < 0 ? "the output" : "input \(s.index) [\(input(s.index).dtype) \(shapeString(input(s.index).shape))]"
            throw GentrainError.autograd("one of the variables needed for gradient computation has been modified by an inplace operation: \(what) of \(name) is at version \(s.storage.version); expected version \(s.version) instead. Use an out-of-place op (x = x + 1, not x += 1) where a tensor is still needed for backward")
        }
        if let s = savedFirst { try check(s) }
        if let s = savedSecond { try check(s) }
        if !savedMore.isEmpty { for s in savedMore { try check(s) } }
    }

    /// Whether this node, or one it reaches, saved a tensor of `storage`.
    func reachesSaved(_ storage: Storage) -> Bool {
        var stack: [Node] = [self], seen = Set<ObjectIdentifier>()
        while let node = stack.popLast() {
            guard seen.insert(ObjectIdentifier(node)).inserted else { continue }
            if node.savedFirst?.storage === storage || node.savedSecond?.storage === storage
                || node.savedMore.contains(where: { $0.storage === storage }) { return true }
            for k in 0..<node.inputCount { if case .node(let child, _) = node.edge(k) { stack.append(child) } }
        }
        return false
    }

    /// Drops the saved tensors' storages (with the backward function that read them).
    func releaseSaved() {
        (savedFirst, savedSecond) = (nil, nil)
        if !savedMore.isEmpty { savedMore = [] }
    }

    /// Adds `g` to the pending gradient of output `k`.
    @inline(__always)
    func accumulate(_ g: Tensor, output k: Int) throws {
        // `if let`, not `map … ?? g`: the optional chain's temporaries were destroyed through
        // the runtime's generic witnesses (W7: 280 of 4,885 instructions per op).
        if k == 0 {
            if let p = pendingGrad { pendingGrad = try p.adding(gradient: g) } else { pendingGrad = g }
        } else if let p = pendingOthers[k - 1] {
            pendingOthers[k - 1] = try p.adding(gradient: g)
        } else {
            pendingOthers[k - 1] = g
        }
    }

    /// Adds `g` into `region(pending)` of output `k`'s pending gradient in place, when that
    /// gradient is a dense buffer of `g`'s dtype that nothing else holds (not handed on, not a
    /// leaf's `.grad`, no history); false, with nothing done, otherwise.
    func addToPending(output k: Int, _ g: Tensor, region: (Tensor) -> Tensor) throws -> Bool {
        func add(_ pending: inout Tensor?) throws -> Bool {
            guard isKnownUniquelyReferenced(&pending), let p = pending, p.gradFn == nil, !p.isKnownZero,
                  p.dtype == g.dtype, p.isDenseOwner else { return false }
            try region(p).addInPlace(g)
            return true
        }
        return k == 0 ? try add(&pendingGrad) : try add(&pendingOthers[k - 1])
    }

    /// Whether every gradient waiting here is a known zero (and one is).
    var pendingAreKnownZeros: Bool {
        guard hasPendingGrad else { return false }
        return (pendingGrad?.isKnownZero ?? true) && (outputCount == 1 || pendingOthers.allSatisfy { $0?.isKnownZero ?? true })
    }

    /// The pending gradient of output `k`.
    func pending(_ k: Int) -> Tensor? { k == 0 ? pendingGrad : pendingOthers[k - 1] }

    /// Whether any output has received a gradient.
    var hasPendingGrad: Bool { pendingGrad != nil || (outputCount > 1 && pendingOthers.contains { $0 != nil }) }

    /// Prepares the node for the backward pass `mark`.
    @inline(__always)
    func reset(_ mark: Int, needed: Bool) {
        visitMark = mark
        pendingGrad = nil
        if outputCount > 1 { pendingOthers = Array(repeating: nil, count: outputCount - 1) }
        dependencies = 0
        self.needed = needed
        wantedLeaves = ~0
        queued = false
    }

    /// Drops the gradients waiting here: a pass that fails midway must not leave them behind
    /// (a seed that is the node's own output would make a reference cycle).
    func clearPending() {
        pendingGrad = nil
        if !pendingOthers.isEmpty { pendingOthers = Array(repeating: nil, count: pendingOthers.count) }
    }

    /// Whether the backward function must compute the gradient of input `i`.
    @inline(__always)
    public func needsInputGrad(_ i: Int) -> Bool {
        switch edge(i) {
        case .none: return false
        case .leaf: return i >= 64 || wantedLeaves & (1 << UInt64(i)) != 0
        case .node(let n, _): return n.needed
        }
    }

    /// The op's own output, rebuilt from saved (detached) data with this node as its
    /// producer: backward functions that use their output go through this, so that the
    /// node does not own its output (no reference cycle) and double backward still sees it.
    public func output(_ saved: Tensor, _ k: Int = 0) -> Tensor {
        let t = saved.detach()
        t.gradFn = self
        t.outputIndex = k
        return t
    }
}

/// A tensor a backward function reads: its storage and the version it had when recorded.
struct SavedTensor {
    let storage: Storage
    let version: Int
    /// Which input of the node it is; -1 for the node's output.
    let index: Int
}

/// The gradients a backward function returns, one per input (nil where not needed):
/// `Grads(ga, gb)`. Up to three are stored inline and passed as arguments, so the common ops
/// build no array on the way back (an array literal would be built, and destroyed element by
/// element through the runtime, at every node of every backward pass).
public struct Grads {
    private var first: Tensor?, second: Tensor?, third: Tensor?
    private var rest: [Tensor?] = []
    public let count: Int

    @inline(__always)
    public init(_ a: Tensor?) {
        (first, count) = (a, 1)
    }

    @inline(__always)
    public init(_ a: Tensor?, _ b: Tensor?) {
        (first, second, count) = (a, b, 2)
    }

    @inline(__always)
    public init(_ a: Tensor?, _ b: Tensor?, _ c: Tensor?) {
        (first, second, third, count) = (a, b, c, 3)
    }

    /// Any number of gradients (ops with more than three inputs).
    public init(_ elements: [Tensor?]) {
        count = elements.count
        if count > 0 { first = elements[0] }
        if count > 1 { second = elements[1] }
        if count > 2 { third = elements[2] }
        if count > 3 { rest = Array(elements[3...]) }
    }

    @inline(__always)
    public subscript(_ i: Int) -> Tensor? {
        switch i {
        case 0: first
        case 1: second
        case 2: third
        default: rest[i - 3]
        }
    }
}

/// Records `out` as produced by an op over `inputs` with the given backward function, when
/// grad mode is on and any input requires grad. Returns `out`.
@inline(__always)
@discardableResult
func record(_ out: Tensor, _ name: String, _ inputs: [Tensor], saves: Bool = true,
            _ backward: @escaping (Node, Tensor) throws -> Grads) throws -> Tensor {
    var any = false
    for t in inputs where t.requiresGrad { any = true; break }
    let mode = GradMode.switches
    guard any && mode.grad else { return out }
    if mode.anomaly { try AnomalyMode.checkForward(out, name) }
    let n = inputs.count
    let node = Node(name: name, n > 0 ? Node.Input(inputs[0]) : nil, n > 1 ? Node.Input(inputs[1]) : nil,
                    more: n > 2 ? inputs[2...].map(Node.Input.init) : [], backward: backward)
    if saves { for (i, t) in inputs.enumerated() { node.save(t, index: i) } }
    out.gradFn = node
    return out
}

/// `record` for a one-input op (no array of inputs to build when nothing is recorded); also for
/// the package's fused ops outside this module (the cross-entropy).
@inline(__always)
@discardableResult
package func record(_ out: Tensor, _ name: String, _ x: Tensor, saves: Bool = true,
            _ backward: @escaping (Node, Tensor) throws -> Grads) throws -> Tensor {
    guard x.requiresGrad else { return out }
    let mode = GradMode.switches
    guard mode.grad else { return out }
    if mode.anomaly { try AnomalyMode.checkForward(out, name) }
    let node = Node(name: name, Node.Input(x), nil, backward: backward)
    if saves { node.save(x, index: 0) }
    out.gradFn = node
    return out
}

/// `record` for a two-input op.
@inline(__always)
@discardableResult
func record(_ out: Tensor, _ name: String, _ a: Tensor, _ b: Tensor, saves: Bool = true,
            _ backward: @escaping (Node, Tensor) throws -> Grads) throws -> Tensor {
    guard a.requiresGrad || b.requiresGrad else { return out }
    let mode = GradMode.switches
    guard mode.grad else { return out }
    if mode.anomaly { try AnomalyMode.checkForward(out, name) }
    let node = Node(name: name, Node.Input(a), Node.Input(b), backward: backward)
    if saves {
        node.save(a, index: 0)
        node.save(b, index: 1)
    }
    out.gradFn = node
    return out
}

/// Records `outs` as the outputs of one op over `inputs`, when grad mode is on and any input
/// requires grad. The backward function gets one gradient per output, nil where none arrived.
@discardableResult
func recordMulti(_ outs: [Tensor], _ name: String, _ inputs: [Tensor], saves: Bool = true,
                 _ backward: @escaping (Node, [Tensor?]) throws -> Grads) throws -> [Tensor] {
    let mode = GradMode.switches
    guard mode.grad && inputs.contains(where: { $0.requiresGrad }) else { return outs }
    if mode.anomaly { for t in outs { try AnomalyMode.checkForward(t, name) } }
    let node = Node(name: name, inputs: inputs.map(Node.Input.init), outputs: outs.count, backward: backward)
    if saves { for (i, t) in inputs.enumerated() { node.save(t, index: i) } }
    for (k, t) in outs.enumerated() {
        t.gradFn = node
        t.outputIndex = k
    }
    return outs
}

extension Node.Input {
    /// Where the gradient of `t` goes: its producer, itself as a leaf, or nowhere.
    @inline(__always)
    init(_ t: Tensor) {
        let edge: Node.Edge
        if let fn = t.gradFn { edge = .node(fn, t.outputIndex) } else if t.leafRequiresGrad { edge = .leaf(t) } else { edge = .none }
        self.init(edge: edge, shape: t.shape, dtype: t.dtype)
    }
}

/// What a freed node held that can free further nodes (see `Node.deinit`).
private struct NodeRemains {
    var first = Node.Input.absent, second = Node.Input.absent, more: [Node.Input] = []
    var backward: ((Node, Tensor) throws -> Grads)?, multiBackward: ((Node, [Tensor?]) throws -> Grads)?
    var pending: Tensor?, pendingOthers: [Tensor?] = []

    /// One thread's remains waiting to be released, whether a loop is releasing them, and how many
    /// nodes deep this thread is in releasing nodes' fields in place.
    private final class List {
        var items: [NodeRemains] = []
        var releasing = false
        var depth = 0
    }

    private static let list = ThreadLocal { List() }

    /// How deep nodes free each other recursively before the list takes over: a chain of up to
    /// this many ops is freed without the list's moves (W7, a chain of 100 adds: 5,288 → 4,977
    /// instructions per op), on about 30 KB of stack (304 bytes per level measured for that chain).
    static let inlineDepth = 100

    /// Runs `release` (which releases a node's fields) at once, one level deeper, and returns
    /// true; false, without running it, when this thread is `inlineDepth` levels deep already.
    @inline(__always)
    static func releasedInline(_ release: () -> Void) -> Bool {
        let l = list.value
        guard l.depth < inlineDepth else { return false }
        l.depth += 1
        release()
        l.depth -= 1
        return true
    }

    /// Takes `remains` over (leaving it empty); the outermost call then releases the list one
    /// node's remains at a time (each release may add more).
    static func take(_ remains: inout NodeRemains) {
        let l = list.value
        l.items.append(remains)
        remains = NodeRemains()
        guard !l.releasing else { return }
        l.releasing = true
        while let next = l.items.popLast() { _ = next }   // released here, which may add to the list
        l.releasing = false
    }
}
