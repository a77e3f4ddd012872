/// One recorded op in the autograd graph: where the gradient of each input goes, and the
/// function that maps the gradient of the output to the gradients of the inputs.
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
        /// The output of another op.
        case node(Node)
    }

    struct Input {
        let edge: Edge
        let shape: [Int]
        let dtype: DType
    }

    /// The op's name, for error messages (`MulBackward`).
    public let name: String
    // The inputs: the first two inline (no array for the common ops), any others in `more`.
    private let first: Input?, second: Input?, more: [Input]
    let inputCount: Int

    /// Input `i` (`i < inputCount`).
    @inline(__always)
    func input(_ i: Int) -> Input { i == 0 ? first! : (i == 1 ? second! : more[i - 2]) }
    /// Maps the output's gradient to one gradient per input (nil where not needed).
    /// Set to nil once run without `retain_graph`, which frees what it saved.
    var backwardFn: ((Node, Tensor) throws -> Grads)?

    // Scratch state of the current backward pass.
    var pendingGrad: Tensor?
    var dependencies = 0
    var needed = false
    var visitMark = 0

    init(name: String, _ first: Input?, _ second: Input?, more: [Input] = [], backward: @escaping (Node, Tensor) throws -> Grads) {
        self.name = name
        (self.first, self.second, self.more) = (first, second, more)
        inputCount = (first == nil ? 0 : 1) + (second == nil ? 0 : 1) + more.count
        backwardFn = backward
    }

    /// Prepares the node for the backward pass `mark`.
    @inline(__always)
    func reset(_ mark: Int, needed: Bool) {
        visitMark = mark
        pendingGrad = nil
        dependencies = 0
        self.needed = needed
    }

    /// Whether the backward function must compute the gradient of input `i`.
    @inline(__always)
    public func needsInputGrad(_ i: Int) -> Bool {
        switch input(i).edge {
        case .none: return false
        case .leaf: return true
        case .node(let n): return n.needed
        }
    }

    /// The op's own output, rebuilt from saved (detached) data with this node as its
    /// producer: backward functions that use their output go through this, so that the
    /// node does not own its output (no reference cycle) and double backward still sees it.
    public func output(_ saved: Tensor) -> Tensor {
        let t = saved.detach()
        t.gradFn = self
        return t
    }
}

/// The gradients a backward function returns, one per input (nil where not needed). Written
/// as an array literal (`[ga, gb]`); up to two are stored inline, so the common ops build no
/// array on the way back.
public struct Grads: ExpressibleByArrayLiteral {
    private var first: Tensor?, second: Tensor?
    private var rest: [Tensor?] = []
    public let count: Int

    @inline(__always)
    public init(arrayLiteral elements: Tensor?...) {
        self.init(elements)
    }

    @inline(__always)
    public init(_ elements: [Tensor?]) {
        count = elements.count
        if count > 0 { first = elements[0] }
        if count > 1 { second = elements[1] }
        if count > 2 { rest = Array(elements[2...]) }
    }

    @inline(__always)
    public subscript(_ i: Int) -> Tensor? {
        i == 0 ? first : (i == 1 ? second : rest[i - 2])
    }
}

/// Records `out` as produced by an op over `inputs` with the given backward function, when
/// grad mode is on and any input requires grad. Returns `out`.
@inline(__always)
@discardableResult
func record(_ out: Tensor, _ name: String, _ inputs: [Tensor],
            _ backward: @escaping (Node, Tensor) throws -> Grads) -> Tensor {
    var any = false
    for t in inputs where t.requiresGrad { any = true; break }
    guard any && GradMode.isEnabled else { return out }
    let all = inputs.map(Node.Input.init)
    out.gradFn = Node(name: name, all.first, all.count > 1 ? all[1] : nil, more: Array(all.dropFirst(2)), backward: backward)
    return out
}

/// `record` for a one-input op (no array of inputs to build when nothing is recorded).
@inline(__always)
@discardableResult
func record(_ out: Tensor, _ name: String, _ x: Tensor, _ backward: @escaping (Node, Tensor) throws -> Grads) -> Tensor {
    guard x.requiresGrad && GradMode.isEnabled else { return out }
    out.gradFn = Node(name: name, Node.Input(x), nil, backward: backward)
    return out
}

/// `record` for a two-input op.
@inline(__always)
@discardableResult
func record(_ out: Tensor, _ name: String, _ a: Tensor, _ b: Tensor,
            _ backward: @escaping (Node, Tensor) throws -> Grads) -> Tensor {
    guard (a.requiresGrad || b.requiresGrad) && GradMode.isEnabled else { return out }
    out.gradFn = Node(name: name, Node.Input(a), Node.Input(b), backward: backward)
    return out
}

extension Node.Input {
    /// Where the gradient of `t` goes: its producer, itself as a leaf, or nowhere.
    @inline(__always)
    init(_ t: Tensor) {
        let edge: Node.Edge
        if let fn = t.gradFn { edge = .node(fn) } else if t.leafRequiresGrad { edge = .leaf(t) } else { edge = .none }
        self.init(edge: edge, shape: t.shape, dtype: t.dtype)
    }
}
