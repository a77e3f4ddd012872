import GentrainCore

/// The base of every layer and model, as PyTorch's `nn.Module`: named parameters and
/// submodules in registration order, train/eval mode, and `forward`.
///
/// Subclass it and override `forward`; register parameters and children in `init` so that
/// `namedParameters()` gives PyTorch's names (`0.weight`, `fc1.bias`).
open class Module {
    public private(set) var training = true
    public private(set) var namedOwnParameters: [(String, Tensor)] = []
    /// State that is saved but not trained (running statistics), PyTorch's buffers.
    public private(set) var namedOwnBuffers: [(String, Tensor)] = []
    public private(set) var namedChildren: [(String, Module)] = []

    /// Levels of submodules below this one (0: none), and the paths from it to every module of its
    /// tree (1: itself alone; a module shared by two parents is reached by two paths), as they
    /// were when its children were registered: bounded by `maxDepth` and `maxPaths`.
    public private(set) var depth = 0
    public private(set) var paths = 1

    /// The deepest a module tree may nest: the walks over it (state dicts, forward, release)
    /// recurse once per level, on the caller's stack. Python stops near here too (its recursion
    /// limit); a model nests a few levels.
    public static let maxDepth = 1000

    /// The most paths a module tree may have: a state dict has an entry per path to each parameter
    /// and buffer, and a tree whose modules are shared level after level doubles its paths at
    /// every level.
    public static let maxPaths = 1 << 20

    public init() {}

    /// Computes the module's output. Subclasses override this.
    open func forward(_ input: Tensor) throws -> Tensor {
        throw GentrainError(.unsupported, "\(type(of: self)) does not implement forward")
    }

    public func callAsFunction(_ input: Tensor) throws -> Tensor { try forward(input) }

    /// Adds a parameter (made a leaf that requires grad) under `name`.
    @discardableResult
    public func registerParameter(_ name: String, _ tensor: Tensor) throws -> Tensor {
        try checkName(name)
        try tensor.setRequiresGrad(true)
        namedOwnParameters.append((name, tensor))
        return tensor
    }

    /// Adds a buffer (saved in the state dict, not trained) under `name`.
    @discardableResult
    public func registerBuffer(_ name: String, _ tensor: Tensor) throws -> Tensor {
        try checkName(name)
        namedOwnBuffers.append((name, tensor))
        return tensor
    }

    /// Adds a submodule under `name`. Refused: a module that contains this one (a cycle), and
    /// one that would make the tree deeper than `maxDepth` or give it more than `maxPaths` paths.
    public func registerModule(_ name: String, _ module: Module) throws {
        try checkName(name)
        guard module.depth < Module.maxDepth, paths + module.paths <= Module.maxPaths else {
            throw GentrainError(.invalidArgument, "module '\(name)' would make the tree deeper than \(Module.maxDepth) levels or give it more than \(Module.maxPaths) paths to its modules")
        }
        guard !module.modules().contains(where: { $0 === self }) else {
            throw GentrainError(.invalidArgument, "module '\(name)' contains this module: a module cannot contain itself")
        }
        namedChildren.append((name, module))
        depth = Swift.max(depth, module.depth + 1)
        paths += module.paths
    }

    private func checkName(_ name: String) throws {
        guard !name.isEmpty, !name.contains(".") else {
            throw GentrainError(.invalidArgument, "parameter and module names must be non-empty and contain no '.', got '\(name)'")
        }
        guard !namedOwnParameters.contains(where: { $0.0 == name }) && !namedChildren.contains(where: { $0.0 == name }),
              !namedOwnBuffers.contains(where: { $0.0 == name }) else {
            throw GentrainError(.invalidArgument, "attribute '\(name)' already exists")
        }
    }

    /// The descendant at a dotted path ("encoder.0"), PyTorch's `get_submodule`; "" is this module.
    public func submodule(_ path: String) throws -> Module {
        var m: Module = self
        for name in path.split(separator: ".", omittingEmptySubsequences: false) where !path.isEmpty {
            guard let child = m.namedChildren.first(where: { $0.0 == name })?.1 else {
                throw GentrainError(.invalidArgument, "no submodule '\(name)' in '\(path)'")
            }
            m = child
        }
        return m
    }

    /// This module and every descendant with its dotted path ("" for this one), in PyTorch's
    /// order (each module before its children). A module reached twice (shared by two parents) comes
    /// once, under its first path, unless `removeDuplicates` is false — PyTorch's `named_modules`.
    public func namedModules(removeDuplicates: Bool = true) -> [(String, Module)] {
        var out: [(String, Module)] = []
        walk(removeDuplicates: removeDuplicates, named: true) { out.append(($0, $1)) }
        return out
    }

    /// `namedModules()`'s modules, without making the paths.
    public func modules() -> [Module] {
        var out: [Module] = []
        walk(removeDuplicates: true, named: false) { out.append($1) }
        return out
    }

    /// Visits the tree depth first, each module before its children, on a stack of its own (not
    /// the caller's), with each module's path when `named` (else "").
    private func walk(removeDuplicates: Bool, named: Bool, _ visit: (String, Module) -> Void) {
        var seen = Set<ObjectIdentifier>(), stack: [(String, Module)] = [("", self)]
        while let (path, m) = stack.popLast() {
            if removeDuplicates && !seen.insert(ObjectIdentifier(m)).inserted { continue }
            visit(path, m)
            for (name, child) in m.namedChildren.reversed() {
                stack.append((named ? (path.isEmpty ? name : path + "." + name) : "", child))
            }
        }
    }

    /// The tensors `own` picks from each module, with dotted names, each tensor once (under its
    /// first name) when `removeDuplicates` — PyTorch's `_named_members`.
    private func namedMembers(removeDuplicates: Bool, _ own: (Module) -> [(String, Tensor)]) -> [(String, Tensor)] {
        var seen = Set<ObjectIdentifier>(), out: [(String, Tensor)] = []
        for (prefix, m) in namedModules(removeDuplicates: removeDuplicates) {
            for (name, t) in own(m) where !removeDuplicates || seen.insert(ObjectIdentifier(t)).inserted {
                out.append((prefix.isEmpty ? name : prefix + "." + name, t))
            }
        }
        return out
    }

    /// Every parameter of this module and its descendants, with dotted names, each once (a
    /// parameter shared by two modules, as tied weights, under its first name): PyTorch's
    /// `named_parameters`.
    public func namedParameters() -> [(String, Tensor)] {
        namedMembers(removeDuplicates: true) { $0.namedOwnParameters }
    }

    /// `namedParameters()`'s tensors in its order, without making the names (a training loop asks
    /// every step).
    public func parameters() -> [Tensor] {
        var seen = Set<ObjectIdentifier>(), out: [Tensor] = []
        for m in modules() {
            for (_, t) in m.namedOwnParameters where seen.insert(ObjectIdentifier(t)).inserted { out.append(t) }
        }
        return out
    }

    /// Every buffer of this module and its descendants, with dotted names, each once.
    public func namedBuffers() -> [(String, Tensor)] {
        namedMembers(removeDuplicates: true) { $0.namedOwnBuffers }
    }

    /// Parameters and buffers by PyTorch's state-dict names, in PyTorch's order (each module's
    /// own parameters, then its buffers, then its children's): a tensor shared by two modules
    /// under both names, as PyTorch's `state_dict`.
    public func stateDict() -> [(String, Tensor)] {
        namedMembers(removeDuplicates: false) { $0.namedOwnParameters + $0.namedOwnBuffers }
    }

    /// Copies `state` into the parameters and buffers (PyTorch's `load_state_dict`). With
    /// `strict`, the names must match exactly; shapes must always match. Checked first: on a
    /// mismatch nothing changes and the error lists the problems.
    public func loadStateDict(_ state: [(String, Tensor)], strict: Bool = true) throws {
        try loadNamedTensors(into: stateDict(), from: state, strict: strict)
    }

    /// Sets training mode here and in every descendant (`eval()` is `train(false)`).
    public func train(_ mode: Bool = true) {
        for m in modules() { m.training = mode }
    }

    public func eval() { train(false) }

    /// Clears the gradients of every parameter: to nil (PyTorch's default) or to zeros.
    public func zeroGrad(setToNone: Bool = true) throws {
        for p in parameters() { try p.zeroGrad(setToNone: setToNone) }
    }

    /// Freezes (false) or unfreezes every parameter.
    public func requiresGrad_(_ flag: Bool) throws {
        for p in parameters() { try p.setRequiresGrad(flag) }
    }

    /// PyTorch's `Module.to(dtype)`: every floating-point parameter and buffer (and gradient)
    /// converted to `dtype` in place, so the module's layers compute in it. Build optimizers after
    /// converting, as with PyTorch (an optimizer whose parameters changed dtype refuses to step).
    /// Checked first: a non-floating dtype changes nothing.
    @discardableResult
    public func to(_ dtype: DType) throws -> Self {
        guard dtype.isFloatingPoint else {
            throw GentrainError(.dtype, "nn.Module.to only accepts floating point or complex dtypes, but got desired dtype=\(dtype)")
        }
        for (_, t) in stateDict() where t.dtype.isFloatingPoint { try t.convertInPlace(dtype) }
        return self
    }

    /// `to(.float32)`, `to(.float64)`, `to(.bfloat16)`, `to(.float16)`, PyTorch's names.
    @discardableResult public func float() throws -> Self { try to(.float32) }
    @discardableResult public func double() throws -> Self { try to(.float64) }
    @discardableResult public func bfloat16() throws -> Self { try to(.bfloat16) }
    @discardableResult public func half() throws -> Self { try to(.float16) }
}

/// `y = x Wᵀ + b`, PyTorch's `nn.Linear`, with its default initialization: weight and bias
/// uniform in `±1/√in_features`.
public final class Linear: Module {
    public let weight: Tensor
    public let bias: Tensor?

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, dtype: DType = .float32,
                generator: Generator? = nil) throws {
        guard inFeatures >= 0, outFeatures >= 0 else {
            throw GentrainError(.invalidArgument, "Linear: feature counts must be non-negative, got \(inFeatures), \(outFeatures)")
        }
        let bound = inFeatures > 0 ? 1 / Double(inFeatures).squareRoot() : 0
        weight = try Init.uniform([outFeatures, inFeatures], -bound, bound, dtype: dtype, generator: generator)
        self.bias = bias ? try Init.uniform([outFeatures], -bound, bound, dtype: dtype, generator: generator) : nil
        super.init()
        try registerParameter("weight", weight)
        if let b = self.bias { try registerParameter("bias", b) }
    }

    public override func forward(_ input: Tensor) throws -> Tensor {
        try linear(input, weight, bias)
    }
}

/// `max(x, 0)` as a module.
public final class ReLU: Module {
    public override func forward(_ input: Tensor) throws -> Tensor { try input.relu() }
}

/// `x` where positive, else `negativeSlope · x`, as a module (PyTorch's `nn.LeakyReLU`).
public final class LeakyReLU: Module {
    public let negativeSlope: Double

    public init(negativeSlope: Double = 0.01) {
        self.negativeSlope = negativeSlope
        super.init()
    }

    public override func forward(_ input: Tensor) throws -> Tensor { try input.leakyRelu(negativeSlope: negativeSlope) }
}

/// Runs its children in order; they are named "0", "1", ….
public final class Sequential: Module {
    public init(_ modules: [Module]) throws {
        super.init()
        for (i, m) in modules.enumerated() { try registerModule(String(i), m) }
    }

    public override func forward(_ input: Tensor) throws -> Tensor {
        var x = input
        for (_, m) in namedChildren { x = try m.forward(x) }
        return x
    }
}

/// Parameter initializers (PyTorch's `nn.init`).
public enum Init {
    /// Uniform samples in `[low, high)`.
    public static func uniform(_ shape: [Int], _ low: Double, _ high: Double, dtype: DType = .float32,
                               generator: Generator? = nil) throws -> Tensor {
        let u = try Tensor.rand(shape, dtype: dtype == .float64 ? .float64 : .float32, generator: generator)
        return try withNoGrad { try u.mul(high - low).add(low).to(dtype) }
    }
}

/// `load_state_dict` for any named tensors: copies each of `state` into the tensor of the same
/// name in `targets` (converting dtype; shapes must match). `strict` also requires that no name
/// is missing or unexpected. Every problem is reported at once, and on error nothing changes.
public func loadNamedTensors(into targets: [(String, Tensor)], from state: [(String, Tensor)], strict: Bool = true) throws {
    var given: [String: Tensor] = [:]
    for (n, t) in state { given[n] = t }
    var problems: [String] = []
    for (n, t) in targets {
        guard let s = given[n] else { if strict { problems.append("missing key '\(n)'") }; continue }
        if s.shape != t.shape { problems.append("size mismatch for '\(n)': \(shapeString(s.shape)) given, \(shapeString(t.shape)) in the module") }
    }
    if strict {
        let names = Set(targets.map(\.0))
        for (n, _) in state where !names.contains(n) { problems.append("unexpected key '\(n)'") }
    }
    guard problems.isEmpty else {
        throw GentrainError(.invalidArgument, "load_state_dict: " + problems.joined(separator: "; "))
    }
    try withNoGrad {
        for (n, t) in targets { if let s = given[n] { try t.copy_(s) } }
    }
}
