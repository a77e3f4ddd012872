import GentrainCore
import GentrainOptim

/// A training checkpoint: one safetensors file with the whole state of a run — named model
/// parameters and buffers, every optimizer's state keyed by parameter name, the schedulers,
/// the gradient scalers, the default random generator, step and epoch counters, and user key-values — so that a
/// run resumed from it continues exactly as if it had never stopped.
///
/// Layout (readable by Python's `safetensors`): `model.<name>`; `optimizer.<k>.<name>.<buffer>`
/// and `optimizer.<k>.<name>.step`; `optimizer.<k>.group.<g>.<option>`; `scheduler.<k>.<key>`;
/// `grad_scaler.<k>.<key>` (PyTorch's state_dict keys); `rng.default`. Metadata: `gentrain.format`, `gentrain.step`, `gentrain.epoch`, each
/// optimizer group's parameter names (`optimizer.<k>.group.<g>.params`, a JSON list), and
/// user entries as `user.<key>`.
public final class TrainingCheckpoint {
    public static let format = "gentrain-checkpoint-1"

    /// Model parameters and buffers, by the names they are saved under.
    public var tensors: [(String, Tensor)]
    public var optimizers: [Optimizer]
    public var schedulers: [SchedulerState]
    public var gradScalers: [GradScaler] = []
    public var step: Int
    public var epoch: Int
    /// The user's key-values.
    public var metadata: [String: String]
    /// Whether the default generator's state is saved and restored (default true).
    public var includesRandomState = true

    public init(tensors: [(String, Tensor)], optimizers: [Optimizer] = [], schedulers: [SchedulerState] = [],
                step: Int = 0, epoch: Int = 0, metadata: [String: String] = [:]) {
        (self.tensors, self.optimizers, self.schedulers, self.step, self.epoch, self.metadata) =
            (tensors, optimizers, schedulers, step, epoch, metadata)
    }

    /// The name of each model tensor, by identity.
    private func names() throws -> [ObjectIdentifier: String] {
        var byTensor: [ObjectIdentifier: String] = [:]
        var seen = Set<String>()
        for (name, t) in tensors {
            guard seen.insert(name).inserted else { throw GentrainError(.invalidArgument, "checkpoint: the name '\(name)' is given twice") }
            byTensor[ObjectIdentifier(t)] = name
        }
        return byTensor
    }

    private func name(of p: Tensor, _ names: [ObjectIdentifier: String], optimizer k: Int) throws -> String {
        guard let n = names[ObjectIdentifier(p)] else {
            throw GentrainError(.invalidArgument, "checkpoint: optimizer \(k) has a parameter that is not among the named tensors")
        }
        return n
    }

    /// Runs `body` holding every optimizer, so that none steps on another thread meanwhile.
    private func holdingOptimizers<R>(_ body: () throws -> R) throws -> R {
        var held: [Optimizer] = []
        defer { for o in held { o.use.release() } }
        for o in optimizers where try o.use.acquire("an optimizer of the checkpoint") { held.append(o) }
        return try body()
    }

    /// Writes the checkpoint to `path` atomically (the old file stays until the new one is complete).
    public func save(to path: String) throws {
        try holdingOptimizers { try write(to: path) }
    }

    private func write(to path: String) throws {
        let names = try names()
        var out: [(String, Tensor)] = tensors.map { ("model.\($0.0)", $0.1) }
        var meta: [String: String] = ["gentrain.format": TrainingCheckpoint.format, "gentrain.step": String(step),
                                      "gentrain.epoch": String(epoch)]
        for (k, v) in metadata { meta["user.\(k)"] = v }
        for (k, opt) in optimizers.enumerated() {
            let params = opt.paramGroups.flatMap(\.params)
            let d = opt.stateDict()
            for (gi, g) in d.groups.enumerated() {
                let groupNames = try g.params.map { try name(of: params[$0], names, optimizer: k) }
                meta["optimizer.\(k).group.\(gi).params"] = "[" + groupNames.map(JSON.quote).joined(separator: ",") + "]"
                for (option, value) in g.options.sorted(by: { $0.key < $1.key }) {
                    out.append(("optimizer.\(k).group.\(gi).\(option)", try Tensor.scalar(value, dtype: .float64)))
                }
            }
            for (index, s) in d.state.sorted(by: { $0.key < $1.key }) {
                let pname = try name(of: params[index], names, optimizer: k)
                out.append(("optimizer.\(k).\(pname).step", try Tensor.scalar(s.step, dtype: .float64)))
                for (b, t) in s.buffers.sorted(by: { $0.key < $1.key }) { out.append(("optimizer.\(k).\(pname).\(b)", t)) }
            }
        }
        for (k, s) in schedulers.enumerated() {
            for (key, values) in s.stateDict().sorted(by: { $0.key < $1.key }) {
                out.append(("scheduler.\(k).\(key)", try Tensor(values, dtype: .float64)))
            }
        }
        for (k, s) in gradScalers.enumerated() {
            for (key, value) in s.stateDict().sorted(by: { $0.key < $1.key }) {
                out.append(("grad_scaler.\(k).\(key)", try Tensor.scalar(value, dtype: .float64)))
            }
        }
        if includesRandomState {
            let state = Generator.defaultState.map { Int64(bitPattern: $0) }
            out.append(("rng.default", try Tensor(state)))
        }
        try SafeTensors.save(out, metadata: meta, to: path)
    }

    /// Restores everything from `path` into this checkpoint's objects. Every name, shape and
    /// dtype is checked first; on a mismatch nothing is changed and the error lists them.
    public func load(from path: String) throws {
        try holdingOptimizers { try read(from: path) }
    }

    private func read(from path: String) throws {
        let (saved, meta) = try SafeTensors.load(path)
        guard meta["gentrain.format"] == TrainingCheckpoint.format else {
            throw GentrainError(.io, "\(path) is not a gentrain training checkpoint (format '\(meta["gentrain.format"] ?? "none")')")
        }
        var byName: [String: Tensor] = [:]
        for (n, t) in saved { byName[n] = t }

        // Model tensors: the same names, shapes and dtypes.
        var problems: [String] = []
        let modelNames = Set(saved.map(\.0).filter { $0.hasPrefix("model.") }.map { String($0.dropFirst(6)) })
        for (name, t) in tensors {
            guard let s = byName["model.\(name)"] else { problems.append("missing '\(name)'"); continue }
            if s.shape != t.shape { problems.append("'\(name)': shape \(shapeString(s.shape)) in the file, \(shapeString(t.shape)) in the model") }
            if s.dtype != t.dtype { problems.append("'\(name)': dtype \(s.dtype) in the file, \(t.dtype) in the model") }
        }
        for name in modelNames.subtracting(tensors.map(\.0)).sorted() { problems.append("unexpected '\(name)'") }
        guard problems.isEmpty else {
            throw GentrainError(.invalidArgument, "checkpoint \(path) does not match the model: " + problems.joined(separator: "; "))
        }

        // Optimizer and scheduler states, rebuilt and checked before anything is changed.
        let names = try names()
        var optimizerStates: [OptimizerStateDict] = []
        for (k, opt) in optimizers.enumerated() {
            let params = opt.paramGroups.flatMap(\.params)
            var index: [String: Int] = [:]
            for (i, p) in params.enumerated() { index[try name(of: p, names, optimizer: k)] = i }
            var d = OptimizerStateDict()
            var first = 0
            for (gi, g) in opt.paramGroups.enumerated() {
                guard let list = meta["optimizer.\(k).group.\(gi).params"] else {
                    throw GentrainError(.invalidArgument, "checkpoint \(path) has no parameter group \(gi) for optimizer \(k)")
                }
                let savedNames = try parseNameList(list)
                let current = try g.params.map { try name(of: $0, names, optimizer: k) }
                guard savedNames == current else {
                    throw GentrainError(.invalidArgument, "checkpoint \(path): optimizer \(k) group \(gi) holds \(savedNames), the optimizer \(current)")
                }
                let prefix = "optimizer.\(k).group.\(gi)."
                var options: [String: Double] = [:]
                for (n, t) in saved where n.hasPrefix(prefix) { options[String(n.dropFirst(prefix.count))] = try t.item() }
                d.groups.append(.init(options: options, params: Array(first..<(first + g.params.count))))
                first += g.params.count
            }
            if meta["optimizer.\(k).group.\(opt.paramGroups.count).params"] != nil {
                throw GentrainError(.invalidArgument, "checkpoint \(path): optimizer \(k) has more parameter groups than the optimizer")
            }
            for (pname, i) in index {
                let prefix = "optimizer.\(k).\(pname)."
                guard let step = byName[prefix + "step"] else { continue }
                var buffers: [String: Tensor] = [:]
                for (n, t) in saved where n.hasPrefix(prefix) && n != prefix + "step" { buffers[String(n.dropFirst(prefix.count))] = t }
                d.state[i] = .init(step: try step.item(), buffers: buffers)
            }
            optimizerStates.append(d)
        }
        var schedulerStates: [[String: [Double]]] = []
        for k in schedulers.indices {
            let prefix = "scheduler.\(k)."
            var d: [String: [Double]] = [:]
            for (n, t) in saved where n.hasPrefix(prefix) { d[String(n.dropFirst(prefix.count))] = try t.toArray(Double.self) }
            guard !d.isEmpty else { throw GentrainError(.invalidArgument, "checkpoint \(path) has no state for scheduler \(k)") }
            schedulerStates.append(d)
        }
        var scalerStates: [[String: Double]] = []
        for (k, s) in gradScalers.enumerated() {
            let prefix = "grad_scaler.\(k)."
            var d: [String: Double] = [:]
            for (n, t) in saved where n.hasPrefix(prefix) {
                guard t.numel == 1 else { throw GentrainError(.invalidArgument, "checkpoint \(path): '\(n)' is not one number") }
                d[String(n.dropFirst(prefix.count))] = try t.item()
            }
            guard !d.isEmpty || !s.isEnabled else { throw GentrainError(.invalidArgument, "checkpoint \(path) has no state for grad scaler \(k)") }
            scalerStates.append(d)
        }
        var rng: [UInt64]? = nil
        if includesRandomState {
            guard let r = byName["rng.default"], r.dtype == .int64, r.numel == 5 else {
                throw GentrainError(.invalidArgument, "checkpoint \(path) has no valid random generator state")
            }
            rng = try r.toArray(Int64.self).map { UInt64(bitPattern: $0) }
        }
        guard let step = meta["gentrain.step"].flatMap(Int.init), let epoch = meta["gentrain.epoch"].flatMap(Int.init) else {
            throw GentrainError(.invalidArgument, "checkpoint \(path) has no valid step and epoch counters")
        }

        // Everything checked (the optimizers' and schedulers' values too): apply.
        let applyOptimizers = try zip(optimizers, optimizerStates).map { try $0.prepareLoad($1) }
        let applySchedulers = try zip(schedulers, schedulerStates).map { try $0.prepareLoad($1) }
        let applyScalers = try zip(gradScalers, scalerStates).map { try $0.prepareLoad($1) }
        try withNoGrad {
            for (name, t) in tensors { try t.copyRaw(from: byName["model.\(name)"]!) }
        }
        for apply in applyOptimizers + applySchedulers + applyScalers { apply() }
        if let rng { Generator.defaultState = rng }
        self.step = step
        self.epoch = epoch
        metadata = [:]
        for (k, v) in meta where k.hasPrefix("user.") { metadata[String(k.dropFirst(5))] = v }
    }

    private func parseNameList(_ s: String) throws -> [String] {
        let bytes = Array(s.utf8)
        let value = try bytes.withUnsafeBufferPointer { try JSON.parse($0) }
        guard case .array(let items) = value else { throw malformed("a parameter-name list is not a JSON array") }
        return try items.map {
            guard case .string(let n) = $0 else { throw malformed("a parameter name is not a string") }
            return n
        }
    }
}

extension Tensor {
    /// Copies the bytes of `src` (same shape and dtype) into this tensor, bit for bit.
    func copyRaw(from src: Tensor) throws {
        guard src.shape == shape, src.dtype == dtype else {
            throw GentrainError(.shape, "copy: \(shapeString(src.shape)) \(src.dtype) into \(shapeString(shape)) \(dtype)")
        }
        try copy_(src)
    }
}
