import CGentrain
import GentrainCore
import GentrainNN

// Recurrent layers as functions.

/// `num_layers` groups (two per layer when `bidirectional`) of (weight_ih, weight_hh, bias_ih or
/// NULL, bias_hh or NULL).
private func layerWeights(_ weights: UnsafePointer<OpaquePointer?>?, _ numLayers: Int, _ bidirectional: Bool) throws -> [RecurrentWeights] {
    guard numLayers > 0, numLayers <= 1 << 16 else { throw GentrainError(.invalidArgument, "num_layers must be positive, got \(UInt(bitPattern: numLayers))") }
    guard let weights else { throw GentrainError(.invalidArgument, "weights is NULL") }
    return try (0..<numLayers * (bidirectional ? 2 : 1)).map { l in
        let w = weights + 4 * l
        return RecurrentWeights(ih: try tensorArg(w[0], "weights[\(4 * l)] (weight_ih)"), hh: try tensorArg(w[1], "weights[\(4 * l + 1)] (weight_hh)"),
                                biasIH: try optionalTensorArg(w[2], "weights[\(4 * l + 2)] (bias_ih)"),
                                biasHH: try optionalTensorArg(w[3], "weights[\(4 * l + 3)] (bias_hh)"))
    }
}

@c @implementation
public func gentrain_lstm(_ output: TensorOut?, _ hN: TensorOut?, _ cN: TensorOut?, _ input: OpaquePointer?, _ h0: OpaquePointer?,
                          _ c0: OpaquePointer?, _ weights: UnsafePointer<OpaquePointer?>?, _ numLayers: Int, _ batchFirst: Bool,
                          _ dropout: Double, _ training: Bool, _ bidirectional: Bool) -> gentrain_status {
    producing("gentrain_lstm", [output, hN, cN]) {
        let r = try lstm(tensorArg(input, "input"), (try optionalTensorArg(h0, "h0"), try optionalTensorArg(c0, "c0")),
                         layers: layerWeights(weights, numLayers, bidirectional), batchFirst: batchFirst, dropout: dropout,
                         training: training, bidirectional: bidirectional)
        return [r.output, r.h, r.c]
    }
}

@c @implementation
public func gentrain_gru(_ output: TensorOut?, _ hN: TensorOut?, _ input: OpaquePointer?, _ h0: OpaquePointer?,
                         _ weights: UnsafePointer<OpaquePointer?>?, _ numLayers: Int, _ batchFirst: Bool, _ dropout: Double,
                         _ training: Bool, _ bidirectional: Bool) -> gentrain_status {
    producing("gentrain_gru", [output, hN]) {
        let r = try gru(tensorArg(input, "input"), optionalTensorArg(h0, "h0"), layers: layerWeights(weights, numLayers, bidirectional),
                        batchFirst: batchFirst, dropout: dropout, training: training, bidirectional: bidirectional)
        return [r.output, r.h]
    }
}

@c @implementation
public func gentrain_lstm_cell(_ hOut: TensorOut?, _ cOut: TensorOut?, _ x: OpaquePointer?, _ h: OpaquePointer?, _ c: OpaquePointer?,
                               _ weightIH: OpaquePointer?, _ weightHH: OpaquePointer?, _ biasIH: OpaquePointer?,
                               _ biasHH: OpaquePointer?) -> gentrain_status {
    producing("gentrain_lstm_cell", [hOut, cOut]) {
        let r = try lstmCell(tensorArg(x, "x"), tensorArg(h, "h"), tensorArg(c, "c"), weightIH: tensorArg(weightIH, "weight_ih"),
                             weightHH: tensorArg(weightHH, "weight_hh"), biasIH: optionalTensorArg(biasIH, "bias_ih"),
                             biasHH: optionalTensorArg(biasHH, "bias_hh"))
        return [r.h, r.c]
    }
}

@c @implementation
public func gentrain_gru_cell(_ out: TensorOut?, _ x: OpaquePointer?, _ h: OpaquePointer?, _ weightIH: OpaquePointer?,
                              _ weightHH: OpaquePointer?, _ biasIH: OpaquePointer?, _ biasHH: OpaquePointer?) -> gentrain_status {
    producing("gentrain_gru_cell", out) {
        try gruCell(tensorArg(x, "x"), tensorArg(h, "h"), weightIH: tensorArg(weightIH, "weight_ih"), weightHH: tensorArg(weightHH, "weight_hh"),
                    biasIH: optionalTensorArg(biasIH, "bias_ih"), biasHH: optionalTensorArg(biasHH, "bias_hh"))
    }
}
