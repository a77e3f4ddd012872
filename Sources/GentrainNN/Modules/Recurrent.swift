import GentrainCore

// Recurrent layers with PyTorch's gate order, parameter names and initialization. Each step
// is built from differentiable ops (two matrix products, then the gates on one [N, k·H]
// tensor), so gradients of any order flow through time.

/// One LSTM step. x `[N, I]`, h and c `[N, H]`; weightIH `[4H, I]`, weightHH `[4H, H]`, biases
/// `[4H]`; gates in PyTorch's order (input, forget, cell, output). Returns (h', c').
public func lstmCell(_ x: Tensor, _ h: Tensor, _ c: Tensor, weightIH: Tensor, weightHH: Tensor,
                     biasIH: Tensor?, biasHH: Tensor?) throws -> (h: Tensor, c: Tensor) {
    let gates = try linear(x, weightIH, biasIH).add(linear(h, weightHH, biasHH)).chunk(4, dim: 1)   // 4 × [N, H]
    let i = try gates[0].sigmoid(), f = try gates[1].sigmoid(), g = try gates[2].tanh(), o = try gates[3].sigmoid()
    let c2 = try f.mul(c).add(i.mul(g))
    return (try o.mul(c2.tanh()), c2)
}

/// One GRU step. x `[N, I]`, h `[N, H]`; weightIH `[3H, I]`, weightHH `[3H, H]`, biases `[3H]`;
/// gates in PyTorch's order (reset, update, new): n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),
/// h' = (1 − z) ⊙ n + z ⊙ h.
public func gruCell(_ x: Tensor, _ h: Tensor, weightIH: Tensor, weightHH: Tensor, biasIH: Tensor?, biasHH: Tensor?) throws -> Tensor {
    let gi = try linear(x, weightIH, biasIH).chunk(3, dim: 1), gh = try linear(h, weightHH, biasHH).chunk(3, dim: 1)
    let r = try gi[0].add(gh[0]).sigmoid(), z = try gi[1].add(gh[1]).sigmoid()
    let n = try gi[2].add(r.mul(gh[2])).tanh()
    return try n.add(z.mul(h.sub(n)))
}

/// The weights of one recurrent layer (or cell).
struct RecurrentWeights {
    let ih: Tensor, hh: Tensor, biasIH: Tensor?, biasHH: Tensor?

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

private func checkSizes(_ name: String, input: Int, hidden: Int, layers: Int = 1) throws {
    guard input > 0, hidden > 0, layers > 0 else {
        throw GentrainError(.invalidArgument, "\(name): input_size, hidden_size and num_layers must be positive")
    }
}

/// A zero state `[count, N, H]`-shaped when the caller gives none, else the caller's, checked.
private func initialState(_ given: Tensor?, _ name: String, layers: Int, batch: Int, hidden: Int, like x: Tensor) throws -> Tensor {
    guard let given else { return try Tensor.zeros([layers, batch, hidden], dtype: x.dtype) }
    guard given.shape == [layers, batch, hidden] else {
        throw GentrainError(.shape, "\(name) must be \(shapeString([layers, batch, hidden])), got \(shapeString(given.shape))")
    }
    return given
}

/// The stacked layers shared by `LSTM` and `GRU`: input `[T, N, I]` (`[N, T, I]` with
/// batchFirst); parameters `weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`, … per layer.
public class RecurrentLayers: Module {
    public let inputSize: Int, hiddenSize: Int, numLayers: Int, batchFirst: Bool
    let layers: [RecurrentWeights]

    init(_ name: String, gates: Int, inputSize: Int, hiddenSize: Int, numLayers: Int, bias: Bool, batchFirst: Bool) throws {
        try checkSizes(name, input: inputSize, hidden: hiddenSize, layers: numLayers)
        (self.inputSize, self.hiddenSize, self.numLayers, self.batchFirst) = (inputSize, hiddenSize, numLayers, batchFirst)
        layers = try (0..<numLayers).map {
            try RecurrentWeights(gates: gates, input: $0 == 0 ? inputSize : hiddenSize, hidden: hiddenSize, bias: bias)
        }
        super.init()
        for (l, w) in layers.enumerated() { try w.register(on: self, suffix: "_l\(l)") }
    }

    /// The input as time-major steps `T × [N, I]`, checked.
    func steps(_ input: Tensor) throws -> [Tensor] {
        guard input.ndim == 3, input.shape[2] == inputSize else {
            throw GentrainError(.shape, "\(type(of: self)): expected input \(batchFirst ? "[N, T, \(inputSize)]" : "[T, N, \(inputSize)]"), got \(shapeString(input.shape))")
        }
        let x = batchFirst ? try input.transpose(0, 1) : input
        return try (0..<x.shape[0]).map { try x.select(0, $0) }
    }

    /// Stacks per-step outputs `T × [N, H]` in the input's layout.
    func sequence(_ outputs: [Tensor]) throws -> Tensor {
        try Tensor.stack(outputs, dim: batchFirst ? 1 : 0)
    }

    /// The batch size of the checked input.
    func batch(_ input: Tensor) -> Int { input.shape[batchFirst ? 0 : 1] }
}

/// `nn.LSTM`: returns the last layer's outputs for every step and each layer's final (h, c).
public final class LSTM: RecurrentLayers {
    public init(_ inputSize: Int, _ hiddenSize: Int, numLayers: Int = 1, bias: Bool = true, batchFirst: Bool = false) throws {
        try super.init("LSTM", gates: 4, inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, bias: bias,
                       batchFirst: batchFirst)
    }

    /// input `[T, N, I]` (or `[N, T, I]`), state h0, c0 `[numLayers, N, H]` (zeros when nil) →
    /// output `[T, N, H]` (or `[N, T, H]`), h_n and c_n `[numLayers, N, H]`.
    public func callAsFunction(_ input: Tensor, _ state: (h: Tensor, c: Tensor)? = nil) throws -> (output: Tensor, h: Tensor, c: Tensor) {
        var xs = try steps(input)
        let n = batch(input)
        let h0 = try initialState(state?.h, "h0", layers: numLayers, batch: n, hidden: hiddenSize, like: input)
        let c0 = try initialState(state?.c, "c0", layers: numLayers, batch: n, hidden: hiddenSize, like: input)
        var hs: [Tensor] = [], cs: [Tensor] = []
        for (l, w) in layers.enumerated() {
            var h = try h0.select(0, l), c = try c0.select(0, l)
            for t in xs.indices {
                (h, c) = try lstmCell(xs[t], h, c, weightIH: w.ih, weightHH: w.hh, biasIH: w.biasIH, biasHH: w.biasHH)
                xs[t] = h
            }
            hs.append(h)
            cs.append(c)
        }
        return (try sequence(xs), try Tensor.stack(hs), try Tensor.stack(cs))
    }

    public override func forward(_ input: Tensor) throws -> Tensor { try self(input).output }
}

/// `nn.GRU`: returns the last layer's outputs for every step and each layer's final h.
public final class GRU: RecurrentLayers {
    public init(_ inputSize: Int, _ hiddenSize: Int, numLayers: Int = 1, bias: Bool = true, batchFirst: Bool = false) throws {
        try super.init("GRU", gates: 3, inputSize: inputSize, hiddenSize: hiddenSize, numLayers: numLayers, bias: bias,
                       batchFirst: batchFirst)
    }

    /// input `[T, N, I]` (or `[N, T, I]`), h0 `[numLayers, N, H]` (zeros when nil) → output
    /// `[T, N, H]` (or `[N, T, H]`) and h_n `[numLayers, N, H]`.
    public func callAsFunction(_ input: Tensor, _ h0: Tensor?) throws -> (output: Tensor, h: Tensor) {
        var xs = try steps(input)
        let h0 = try initialState(h0, "h0", layers: numLayers, batch: batch(input), hidden: hiddenSize, like: input)
        var hs: [Tensor] = []
        for (l, w) in layers.enumerated() {
            var h = try h0.select(0, l)
            for t in xs.indices {
                h = try gruCell(xs[t], h, weightIH: w.ih, weightHH: w.hh, biasIH: w.biasIH, biasHH: w.biasHH)
                xs[t] = h
            }
            hs.append(h)
        }
        return (try sequence(xs), try Tensor.stack(hs))
    }

    public override func forward(_ input: Tensor) throws -> Tensor { try self(input, nil).output }
}

/// `nn.LSTMCell`: one step, x `[N, I]`, state `[N, H]` each (zeros when nil).
public final class LSTMCell: Module {
    let weights: RecurrentWeights
    public let hiddenSize: Int

    public init(_ inputSize: Int, _ hiddenSize: Int, bias: Bool = true) throws {
        try checkSizes("LSTMCell", input: inputSize, hidden: hiddenSize)
        self.hiddenSize = hiddenSize
        weights = try RecurrentWeights(gates: 4, input: inputSize, hidden: hiddenSize, bias: bias)
        super.init()
        try weights.register(on: self, suffix: "")
    }

    public func callAsFunction(_ x: Tensor, _ state: (h: Tensor, c: Tensor)? = nil) throws -> (h: Tensor, c: Tensor) {
        let zero = try Tensor.zeros([x.shape.first ?? 0, hiddenSize], dtype: x.dtype)
        return try lstmCell(x, state?.h ?? zero, state?.c ?? zero, weightIH: weights.ih, weightHH: weights.hh,
                            biasIH: weights.biasIH, biasHH: weights.biasHH)
    }

    public override func forward(_ input: Tensor) throws -> Tensor { try self(input).h }
}

/// `nn.GRUCell`: one step, x `[N, I]`, h `[N, H]` (zeros when nil).
public final class GRUCell: Module {
    let weights: RecurrentWeights
    public let hiddenSize: Int

    public init(_ inputSize: Int, _ hiddenSize: Int, bias: Bool = true) throws {
        try checkSizes("GRUCell", input: inputSize, hidden: hiddenSize)
        self.hiddenSize = hiddenSize
        weights = try RecurrentWeights(gates: 3, input: inputSize, hidden: hiddenSize, bias: bias)
        super.init()
        try weights.register(on: self, suffix: "")
    }

    public func callAsFunction(_ x: Tensor, _ h: Tensor?) throws -> Tensor {
        try gruCell(x, h ?? Tensor.zeros([x.shape.first ?? 0, hiddenSize], dtype: x.dtype), weightIH: weights.ih,
                    weightHH: weights.hh, biasIH: weights.biasIH, biasHH: weights.biasHH)
    }

    public override func forward(_ input: Tensor) throws -> Tensor { try self(input, nil) }
}
