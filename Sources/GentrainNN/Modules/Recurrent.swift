import GentrainCore

// Recurrent layers with PyTorch's gate order, parameter names and initialization. Each layer
// is one sequence op (`lstmLayer`, `gruLayer`: one GEMM for all steps' input projections, one
// [N, H] × [H, k·H] product and the fused gates per step); cells use the step ops
// (`lstmGates`, `gruGates`). Gradients of any order flow through time.

/// The state `[N, H]` and weights `[gates·H, *]`, `[gates·H, H]` of one step agree.
private func checkCell(_ name: String, gates: Int, _ h: Tensor, _ weightIH: Tensor, _ weightHH: Tensor) throws {
    let hidden = h.shape.last ?? 0
    guard h.ndim == 2, hidden > 0, weightIH.ndim == 2, weightIH.shape[0] == gates * hidden, weightHH.shape == [gates * hidden, hidden] else {
        throw GentrainError(.shape, "\(name): h \(shapeString(h.shape)) needs weight_ih [\(gates)·H, I] and weight_hh [\(gates)·H, H]; got \(shapeString(weightIH.shape)), \(shapeString(weightHH.shape))")
    }
}

/// One LSTM step. x `[N, I]`, h and c `[N, H]`; weightIH `[4H, I]`, weightHH `[4H, H]`, biases
/// `[4H]`; gates in PyTorch's order (input, forget, cell, output). Returns (h', c').
public func lstmCell(_ x: Tensor, _ h: Tensor, _ c: Tensor, weightIH: Tensor, weightHH: Tensor,
                     biasIH: Tensor?, biasHH: Tensor?) throws -> (h: Tensor, c: Tensor) {
    try checkCell("lstm_cell", gates: 4, h, weightIH, weightHH)
    guard c.shape == h.shape else { throw GentrainError(.shape, "lstm_cell: c \(shapeString(c.shape)) and h \(shapeString(h.shape)) differ") }
    return try lstmGates(linear(x, weightIH, biasIH), linear(h, weightHH, biasHH), c)
}

/// One GRU step. x `[N, I]`, h `[N, H]`; weightIH `[3H, I]`, weightHH `[3H, H]`, biases `[3H]`;
/// gates in PyTorch's order (reset, update, new): n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),
/// h' = (1 − z) ⊙ n + z ⊙ h.
public func gruCell(_ x: Tensor, _ h: Tensor, weightIH: Tensor, weightHH: Tensor, biasIH: Tensor?, biasHH: Tensor?) throws -> Tensor {
    try checkCell("gru_cell", gates: 3, h, weightIH, weightHH)
    return try gruGates(linear(x, weightIH, biasIH), linear(h, weightHH, biasHH), h)
}

/// The weights of one recurrent layer (or cell): `[gates·H, in]`, `[gates·H, H]`, `[gates·H]`.
public struct RecurrentWeights {
    public let ih: Tensor, hh: Tensor, biasIH: Tensor?, biasHH: Tensor?

    public init(ih: Tensor, hh: Tensor, biasIH: Tensor?, biasHH: Tensor?) {
        (self.ih, self.hh, self.biasIH, self.biasHH) = (ih, hh, biasIH, biasHH)
    }

    /// `weight_ih`, `weight_hh` (and biases), each uniform in ±1/√hidden as PyTorch initializes them.
    init(gates: Int, input: Int, hidden: Int, bias: Bool) throws {
        let bound = 1 / Double(hidden).squareRoot()
        func make(_ shape: [Int]) throws -> Tensor { try Init.uniform(shape, -bound, bound) }
        ih = try make([gates * hidden, input])
        hh = try make([gates * hidden, hidden])
        biasIH = bias ? try make([gates * hidden]) : nil
        biasHH = bias ? try make([gates * hidden]) : nil
    }

    /// Registers them on `module` as `weight_ih<suffix>`, `weight_hh<suffix>`, `bias_ih<suffix>`, `bias_hh<suffix>`.
    func register(on module: Module, suffix: String) throws {
        try module.registerParameter("weight_ih" + suffix, ih)
        try module.registerParameter("weight_hh" + suffix, hh)
        if let biasIH { try module.registerParameter("bias_ih" + suffix, biasIH) }
        if let biasHH { try module.registerParameter("bias_hh" + suffix, biasHH) }
    }
}

/// Positive sizes, and at most `maxLayers` layers (a count a program cannot mean, such as 2^31,
/// would otherwise make that many layers' weights before anything could fail).
private func checkSizes(_ name: String, input: Int, hidden: Int, layers: Int = 1) throws {
    guard input > 0, hidden > 0, layers > 0 else {
        throw GentrainError(.invalidArgument, "\(name): input_size, hidden_size and num_layers must be positive")
    }
    guard layers <= maxLayers else { throw GentrainError(.invalidArgument, "\(name): num_layers \(layers) is over \(maxLayers)") }
}

/// The most layers a recurrent module may have.
private let maxLayers = 1024

private func checkDropout(_ name: String, _ dropout: Double) throws {
    guard dropout >= 0 && dropout <= 1 else { throw GentrainError(.invalidArgument, "\(name): dropout must be in [0, 1], got \(dropout)") }
}

/// A stack of recurrent layers over a sequence, checked: its steps, batch size and hidden size.
/// Bidirectional stacks hold two weight sets per layer (forward, then reverse), and each layer
/// after the first reads both directions' outputs side by side.
private struct RecurrentRun {
    /// The current layer's input, time-major `[T, N, I]`.
    var sequence: Tensor
    let batch: Int, hidden: Int, directions: Int, batchFirst: Bool, dropout: Double, training: Bool

    /// input `[T, N, I]` (`[N, T, I]` with batchFirst); each weight set has `gates·H` rows, and
    /// there are `directions` sets per layer.
    init(_ name: String, _ input: Tensor, _ layers: [RecurrentWeights], gates: Int, directions: Int, batchFirst: Bool,
         dropout: Double, training: Bool) throws {
        guard let first = layers.first, layers.count % directions == 0 else {
            throw GentrainError(.invalidArgument, "\(name): expected \(directions) weight sets per layer, got \(layers.count) sets")
        }
        try checkDropout(name, dropout)
        guard input.ndim == 3, input.shape[batchFirst ? 1 : 0] > 0 else {
            throw GentrainError(.shape, "\(name): expected input of at least one step \(batchFirst ? "[N, T, I]" : "[T, N, I]"), got \(shapeString(input.shape))")
        }
        let hidden = first.hh.ndim == 2 ? first.hh.shape[1] : 0
        for (k, w) in layers.enumerated() {
            let inSize = k < directions ? input.shape[2] : directions * hidden, rows = gates * hidden
            guard hidden > 0, w.ih.shape == [rows, inSize], w.hh.shape == [rows, hidden],
                  w.biasIH.map({ $0.shape == [rows] }) ?? true, w.biasHH.map({ $0.shape == [rows] }) ?? true else {
                throw GentrainError(.shape, "\(name): layer \(k / directions)\(k % directions == 1 ? " (reverse)" : "") needs weight_ih \(shapeString([rows, inSize])), weight_hh \(shapeString([rows, hidden])) and biases [\(rows)]; got \(shapeString(w.ih.shape)), \(shapeString(w.hh.shape))")
            }
        }
        sequence = batchFirst ? try input.transpose(0, 1) : input
        (batch, self.hidden, self.directions) = (sequence.shape[1], hidden, directions)
        (self.batchFirst, self.dropout, self.training) = (batchFirst, dropout, training)
    }

    /// The caller's state `[L·directions, N, H]`, checked, or zeros.
    func state(_ given: Tensor?, _ name: String, sets: Int, like x: Tensor) throws -> Tensor {
        guard let given else { return try Tensor.zeros([sets, batch, hidden], dtype: x.dtype) }
        guard given.shape == [sets, batch, hidden] else {
            throw GentrainError(.shape, "\(name) must be \(shapeString([sets, batch, hidden])), got \(shapeString(given.shape))")
        }
        return given
    }

    /// Runs every layer: `step(x, k)` runs weight set k over a time-major sequence x and returns
    /// its outputs `[T, N, H]` (recording its final state itself). The reverse direction reads the
    /// sequence backwards, and its outputs are put back in time order.
    mutating func run(layers count: Int, _ step: (Tensor, Int) throws -> Tensor) throws {
        let reversed = directions == 2 ? try Tensor.arange(Double(sequence.shape[0] - 1), -1, step: -1) : nil
        for l in 0..<count {
            var outputs: [Tensor] = []
            for d in 0..<directions {
                let k = l * directions + d
                if let reversed, d == 1 {
                    outputs.append(try step(sequence.indexSelect(0, reversed), k).indexSelect(0, reversed))
                } else {
                    outputs.append(try step(sequence, k))
                }
            }
            try finish(l, of: count, outputs.count == 1 ? outputs[0] : try Tensor.cat(outputs, dim: 2))
        }
    }

    /// Takes layer `l` of `count`'s output `[T, N, directions·H]` as the next layer's input,
    /// through dropout when training; the last layer's stays as the result, in the input's layout.
    private mutating func finish(_ l: Int, of count: Int, _ output: Tensor) throws {
        let last = l == count - 1
        sequence = last && batchFirst ? try output.transpose(0, 1) : output
        if !last && dropout > 0 && training { sequence = try sequence.dropout(p: dropout, training: true) }
    }
}

/// Multi-layer LSTM (the computation of PyTorch's `nn.LSTM`): input `[T, N, I]` (`[N, T, I]`
/// with batchFirst), h0 and c0 `[L·D, N, H]` (zeros when nil; D = 2 when bidirectional, else 1)
/// → output `[T, N, D·H]` (or `[N, T, D·H]`), h_n and c_n `[L·D, N, H]`. `layers` holds D weight
/// sets per layer (forward, then reverse). With `dropout` p and `training`, each layer's outputs
/// but the last go through dropout before the next layer, as in PyTorch.
public func lstm(_ input: Tensor, _ state: (h: Tensor?, c: Tensor?) = (nil, nil), layers: [RecurrentWeights],
                 batchFirst: Bool = false, dropout: Double = 0, training: Bool = false,
                 bidirectional: Bool = false) throws -> (output: Tensor, h: Tensor, c: Tensor) {
    let directions = bidirectional ? 2 : 1
    var run = try RecurrentRun("lstm", input, layers, gates: 4, directions: directions, batchFirst: batchFirst, dropout: dropout,
                               training: training)
    let h0 = try run.state(state.h, "h0", sets: layers.count, like: input)
    let c0 = try run.state(state.c, "c0", sets: layers.count, like: input)
    var hs = [Tensor?](repeating: nil, count: layers.count), cs = hs
    try run.run(layers: layers.count / directions) { x, k in
        let w = layers[k]
        let r = try lstmLayer(x, h0.select(0, k), c0.select(0, k), weightIH: w.ih, weightHH: w.hh, biasIH: w.biasIH, biasHH: w.biasHH)
        (hs[k], cs[k]) = (r.h, r.c)
        return r.output
    }
    return (run.sequence, try Tensor.stack(hs.map { $0! }), try Tensor.stack(cs.map { $0! }))
}

/// Multi-layer GRU (the computation of PyTorch's `nn.GRU`): input `[T, N, I]` (`[N, T, I]` with
/// batchFirst), h0 `[L·D, N, H]` (zeros when nil) → output `[T, N, D·H]` (or `[N, T, D·H]`), h_n
/// `[L·D, N, H]`; weight sets, directions and `dropout` as `lstm`'s.
public func gru(_ input: Tensor, _ h0: Tensor? = nil, layers: [RecurrentWeights], batchFirst: Bool = false,
                dropout: Double = 0, training: Bool = false, bidirectional: Bool = false) throws -> (output: Tensor, h: Tensor) {
    let directions = bidirectional ? 2 : 1
    var run = try RecurrentRun("gru", input, layers, gates: 3, directions: directions, batchFirst: batchFirst, dropout: dropout,
                               training: training)
    let h0 = try run.state(h0, "h0", sets: layers.count, like: input)
    var hs = [Tensor?](repeating: nil, count: layers.count)
    try run.run(layers: layers.count / directions) { x, k in
        let w = layers[k]
        let r = try gruLayer(x, h0.select(0, k), weightIH: w.ih, weightHH: w.hh, biasIH: w.biasIH, biasHH: w.biasHH)
        hs[k] = r.h
        return r.output
    }
    return (run.sequence, try Tensor.stack(hs.map { $0! }))
}

/// The parameters shared by `LSTM` and `GRU`: `weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`,
/// `bias_hh_l0`, then (bidirectional) `weight_ih_l0_reverse`, …, per layer.
public class RecurrentLayers: Module {
    public let inputSize: Int, hiddenSize: Int, numLayers: Int, batchFirst: Bool, dropout: Double, bidirectional: Bool
    /// The weight sets, forward then reverse for each layer.
    public let layers: [RecurrentWeights]

    init(_ name: String, gates: Int, inputSize: Int, hiddenSize: Int, numLayers: Int, bias: Bool, batchFirst: Bool,
         dropout: Double, bidirectional: Bool) throws {
        try checkSizes(name, input: inputSize, hidden: hiddenSize, layers: numLayers)
        try checkDropout(name, dropout)
        (self.inputSize, self.hiddenSize, self.numLayers, self.batchFirst) = (inputSize, hiddenSize, numLayers, batchFirst)
        (self.dropout, self.bidirectional) = (dropout, bidirectional)
        let directions = bidirectional ? 2 : 1
        layers = try (0..<numLayers * directions).map {
            try RecurrentWeights(gates: gates, input: $0 < directions ? inputSize : directions * hiddenSize, hidden: hiddenSize, bias: bias)
        }
        super.init()
        for (k, w) in layers.enumerated() { try w.register(on: self, suffix: "_l\(k / directions)" + (k % directions == 1 ? "_reverse" : "")) }
    }
}

/// `nn.LSTM`: returns the last layer's outputs for every step and each layer's final (h, c).
public final class LSTM: RecurrentLayers {
    public init(_ inputSize: Int, _ hiddenSize: Int, numLayers: Int = 1, bias: Bool = true, batchFirst: Bool = false,
                dropout: Double = 0, bidirectional: Bool = false) throws {
        try super.init("LSTM", gates: 4, inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, bias: bias,
                       batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional)
    }

    /// See `lstm(_:_:layers:batchFirst:dropout:training:bidirectional:)`.
    public func callAsFunction(_ input: Tensor, _ state: (h: Tensor, c: Tensor)? = nil) throws -> (output: Tensor, h: Tensor, c: Tensor) {
        try lstm(input, (state?.h, state?.c), layers: layers, batchFirst: batchFirst, dropout: dropout, training: training,
                 bidirectional: bidirectional)
    }

    public override func forward(_ input: Tensor) throws -> Tensor { try self(input).output }
}

/// `nn.GRU`: returns the last layer's outputs for every step and each layer's final h.
public final class GRU: RecurrentLayers {
    public init(_ inputSize: Int, _ hiddenSize: Int, numLayers: Int = 1, bias: Bool = true, batchFirst: Bool = false,
                dropout: Double = 0, bidirectional: Bool = false) throws {
        try super.init("GRU", gates: 3, inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, bias: bias,
                       batchFirst: batchFirst, dropout: dropout, bidirectional: bidirectional)
    }

    /// See `gru(_:_:layers:batchFirst:dropout:training:bidirectional:)`.
    public func callAsFunction(_ input: Tensor, _ h0: Tensor?) throws -> (output: Tensor, h: Tensor) {
        try gru(input, h0, layers: layers, batchFirst: batchFirst, dropout: dropout, training: training, bidirectional: bidirectional)
    }

    public override func forward(_ input: Tensor) throws -> Tensor { try self(input, nil).output }
}

/// The parameters shared by `LSTMCell` and `GRUCell`: `weight_ih`, `weight_hh`, `bias_ih`, `bias_hh`.
public class RecurrentCell: Module {
    public let weights: RecurrentWeights
    public let hiddenSize: Int

    init(_ name: String, gates: Int, inputSize: Int, hiddenSize: Int, bias: Bool) throws {
        try checkSizes(name, input: inputSize, hidden: hiddenSize)
        self.hiddenSize = hiddenSize
        weights = try RecurrentWeights(gates: gates, input: inputSize, hidden: hiddenSize, bias: bias)
        super.init()
        try weights.register(on: self, suffix: "")
    }

    /// The zero state `[N, H]` for input x `[N, I]`.
    func zeroState(_ x: Tensor) throws -> Tensor { try Tensor.zeros([x.shape.first ?? 0, hiddenSize], dtype: x.dtype) }
}

/// `nn.LSTMCell`: one step, x `[N, I]`, state `[N, H]` each (zeros when nil).
public final class LSTMCell: RecurrentCell {
    public init(_ inputSize: Int, _ hiddenSize: Int, bias: Bool = true) throws {
        try super.init("LSTMCell", gates: 4, inputSize: inputSize, hiddenSize: hiddenSize, bias: bias)
    }

    public func callAsFunction(_ x: Tensor, _ state: (h: Tensor, c: Tensor)? = nil) throws -> (h: Tensor, c: Tensor) {
        let zero = try zeroState(x)
        return try lstmCell(x, state?.h ?? zero, state?.c ?? zero, weightIH: weights.ih, weightHH: weights.hh,
                            biasIH: weights.biasIH, biasHH: weights.biasHH)
    }

    public override func forward(_ input: Tensor) throws -> Tensor { try self(input).h }
}

/// `nn.GRUCell`: one step, x `[N, I]`, h `[N, H]` (zeros when nil).
public final class GRUCell: RecurrentCell {
    public init(_ inputSize: Int, _ hiddenSize: Int, bias: Bool = true) throws {
        try super.init("GRUCell", gates: 3, inputSize: inputSize, hiddenSize: hiddenSize, bias: bias)
    }

    public func callAsFunction(_ x: Tensor, _ h: Tensor?) throws -> Tensor {
        try gruCell(x, h ?? zeroState(x), weightIH: weights.ih, weightHH: weights.hh, biasIH: weights.biasIH, biasHH: weights.biasHH)
    }

    public override func forward(_ input: Tensor) throws -> Tensor { try self(input, nil) }
}
