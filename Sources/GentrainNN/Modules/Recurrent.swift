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
private struct RecurrentRun {
    /// The current layer's input, time-major `[T, N, I]`.
    var sequence: Tensor
    let batch: Int, hidden: Int, batchFirst: Bool, dropout: Double, training: Bool

    /// input `[T, N, I]` (`[N, T, I]` with batchFirst); each layer's weights have `gates·H` rows.
    init(_ name: String, _ input: Tensor, _ layers: [RecurrentWeights], gates: Int, batchFirst: Bool, dropout: Double,
         training: Bool) throws {
        guard let first = layers.first else { throw GentrainError(.invalidArgument, "\(name): no layers") }
        try checkDropout(name, dropout)
        guard input.ndim == 3, input.shape[batchFirst ? 1 : 0] > 0 else {
            throw GentrainError(.shape, "\(name): expected input of at least one step \(batchFirst ? "[N, T, I]" : "[T, N, I]"), got \(shapeString(input.shape))")
        }
        let hidden = first.hh.ndim == 2 ? first.hh.shape[1] : 0
        for (l, w) in layers.enumerated() {
            let inSize = l == 0 ? input.shape[2] : hidden, rows = gates * hidden
            guard hidden > 0, w.ih.shape == [rows, inSize], w.hh.shape == [rows, hidden],
                  w.biasIH.map({ $0.shape == [rows] }) ?? true, w.biasHH.map({ $0.shape == [rows] }) ?? true else {
                throw GentrainError(.shape, "\(name): layer \(l) needs weight_ih \(shapeString([rows, inSize])), weight_hh \(shapeString([rows, hidden])) and biases [\(rows)]; got \(shapeString(w.ih.shape)), \(shapeString(w.hh.shape))")
            }
        }
        sequence = batchFirst ? try input.transpose(0, 1) : input
        (batch, self.hidden, self.batchFirst, self.dropout, self.training) = (sequence.shape[1], hidden, batchFirst, dropout, training)
    }

    /// The caller's state `[L, N, H]`, checked, or zeros.
    func state(_ given: Tensor?, _ name: String, layers: Int, like x: Tensor) throws -> Tensor {
        guard let given else { return try Tensor.zeros([layers, batch, hidden], dtype: x.dtype) }
        guard given.shape == [layers, batch, hidden] else {
            throw GentrainError(.shape, "\(name) must be \(shapeString([layers, batch, hidden])), got \(shapeString(given.shape))")
        }
        return given
    }

    /// Takes layer `l` of `count`'s output `[T, N, H]` as the next layer's input, through dropout
    /// when training; the last layer's stays as the result, in the input's layout.
    mutating func finish(_ l: Int, of count: Int, _ output: Tensor) throws {
        let last = l == count - 1
        sequence = last && batchFirst ? try output.transpose(0, 1) : output
        if !last && dropout > 0 && training { sequence = try sequence.dropout(p: dropout, training: true) }
    }
}

/// Multi-layer LSTM (the computation of PyTorch's `nn.LSTM`): input `[T, N, I]` (`[N, T, I]`
/// with batchFirst), h0 and c0 `[L, N, H]` (zeros when nil) → output `[T, N, H]` (or
/// `[N, T, H]`), h_n and c_n `[L, N, H]`. With `dropout` p and `training`, each layer's outputs
/// but the last go through dropout before the next layer, as in PyTorch.
public func lstm(_ input: Tensor, _ state: (h: Tensor?, c: Tensor?) = (nil, nil), layers: [RecurrentWeights],
                 batchFirst: Bool = false, dropout: Double = 0, training: Bool = false) throws -> (output: Tensor, h: Tensor, c: Tensor) {
    var run = try RecurrentRun("lstm", input, layers, gates: 4, batchFirst: batchFirst, dropout: dropout, training: training)
    let h0 = try run.state(state.h, "h0", layers: layers.count, like: input)
    let c0 = try run.state(state.c, "c0", layers: layers.count, like: input)
    var hs: [Tensor] = [], cs: [Tensor] = []
    for (l, w) in layers.enumerated() {
        let r = try lstmLayer(run.sequence, h0.select(0, l), c0.select(0, l), weightIH: w.ih, weightHH: w.hh, biasIH: w.biasIH,
                              biasHH: w.biasHH)
        hs.append(r.h)
        cs.append(r.c)
        try run.finish(l, of: layers.count, r.output)
    }
    return (run.sequence, try Tensor.stack(hs), try Tensor.stack(cs))
}

/// Multi-layer GRU (the computation of PyTorch's `nn.GRU`): input `[T, N, I]` (`[N, T, I]` with
/// batchFirst), h0 `[L, N, H]` (zeros when nil) → output `[T, N, H]` (or `[N, T, H]`), h_n `[L, N, H]`;
/// `dropout` between layers as `lstm`'s.
public func gru(_ input: Tensor, _ h0: Tensor? = nil, layers: [RecurrentWeights], batchFirst: Bool = false,
                dropout: Double = 0, training: Bool = false) throws -> (output: Tensor, h: Tensor) {
    var run = try RecurrentRun("gru", input, layers, gates: 3, batchFirst: batchFirst, dropout: dropout, training: training)
    let h0 = try run.state(h0, "h0", layers: layers.count, like: input)
    var hs: [Tensor] = []
    for (l, w) in layers.enumerated() {
        let r = try gruLayer(run.sequence, h0.select(0, l), weightIH: w.ih, weightHH: w.hh, biasIH: w.biasIH, biasHH: w.biasHH)
        hs.append(r.h)
        try run.finish(l, of: layers.count, r.output)
    }
    return (run.sequence, try Tensor.stack(hs))
}

/// The parameters shared by `LSTM` and `GRU`: `weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`,
/// `bias_hh_l0`, … per layer.
public class RecurrentLayers: Module {
    public let inputSize: Int, hiddenSize: Int, numLayers: Int, batchFirst: Bool, dropout: Double
    public let layers: [RecurrentWeights]

    init(_ name: String, gates: Int, inputSize: Int, hiddenSize: Int, numLayers: Int, bias: Bool, batchFirst: Bool,
         dropout: Double) throws {
        try checkSizes(name, input: inputSize, hidden: hiddenSize, layers: numLayers)
        try checkDropout(name, dropout)
        (self.inputSize, self.hiddenSize, self.numLayers, self.batchFirst, self.dropout) = (inputSize, hiddenSize, numLayers, batchFirst, dropout)
        layers = try (0..<numLayers).map {
            try RecurrentWeights(gates: gates, input: $0 == 0 ? inputSize : hiddenSize, hidden: hiddenSize, bias: bias)
        }
        super.init()
        for (l, w) in layers.enumerated() { try w.register(on: self, suffix: "_l\(l)") }
    }
}

/// `nn.LSTM`: returns the last layer's outputs for every step and each layer's final (h, c).
public final class LSTM: RecurrentLayers {
    public init(_ inputSize: Int, _ hiddenSize: Int, numLayers: Int = 1, bias: Bool = true, batchFirst: Bool = false,
                dropout: Double = 0) throws {
        try super.init("LSTM", gates: 4, inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, bias: bias,
                       batchFirst: batchFirst, dropout: dropout)
    }

    /// See `lstm(_:_:layers:batchFirst:)`.
    public func callAsFunction(_ input: Tensor, _ state: (h: Tensor, c: Tensor)? = nil) throws -> (output: Tensor, h: Tensor, c: Tensor) {
        try lstm(input, (state?.h, state?.c), layers: layers, batchFirst: batchFirst, dropout: dropout, training: training)
    }

    public override func forward(_ input: Tensor) throws -> Tensor { try self(input).output }
}

/// `nn.GRU`: returns the last layer's outputs for every step and each layer's final h.
public final class GRU: RecurrentLayers {
    public init(_ inputSize: Int, _ hiddenSize: Int, numLayers: Int = 1, bias: Bool = true, batchFirst: Bool = false,
                dropout: Double = 0) throws {
        try super.init("GRU", gates: 3, inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, bias: bias,
                       batchFirst: batchFirst, dropout: dropout)
    }

    /// See `gru(_:_:layers:batchFirst:)`.
    public func callAsFunction(_ input: Tensor, _ h0: Tensor?) throws -> (output: Tensor, h: Tensor) {
        try gru(input, h0, layers: layers, batchFirst: batchFirst, dropout: dropout, training: training)
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
