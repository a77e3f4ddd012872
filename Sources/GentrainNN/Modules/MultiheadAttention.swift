import GentrainCore

/// PyTorch's `nn.MultiheadAttention(embed_dim, num_heads, dropout, bias, batch_first)` with its
/// parameter names (`in_proj_weight`, `in_proj_bias`, `out_proj.weight`, `out_proj.bias`) and
/// initialization (xavier-uniform input projection, zero biases, `Linear`'s default for the
/// output projection). Key and value have the embedding's size.
public final class MultiheadAttention: Module {
    public let embedDim: Int, numHeads: Int, dropout: Double, batchFirst: Bool
    public let inProjWeight: Tensor, inProjBias: Tensor?
    public let outProj: Linear

    public init(_ embedDim: Int, _ numHeads: Int, dropout: Double = 0, bias: Bool = true, batchFirst: Bool = false) throws {
        guard embedDim > 0, numHeads > 0, embedDim % numHeads == 0 else {
            throw GentrainError(.invalidArgument, "MultiheadAttention: embed_dim (\(embedDim)) must be positive and divisible by num_heads (\(numHeads))")
        }
        guard dropout >= 0 && dropout <= 1 else { throw GentrainError(.invalidArgument, "MultiheadAttention: dropout must be in [0, 1], got \(dropout)") }
        (self.embedDim, self.numHeads, self.dropout, self.batchFirst) = (embedDim, numHeads, dropout, batchFirst)
        inProjWeight = try Init.xavierUniform_(Tensor.zeros([3 * embedDim, embedDim]))
        inProjBias = bias ? try Tensor.zeros([3 * embedDim]) : nil
        outProj = try Linear(embedDim, embedDim, bias: bias)
        if let b = outProj.bias { _ = try Init.zeros_(b) }
        super.init()
        try registerParameter("in_proj_weight", inProjWeight)
        if let inProjBias { try registerParameter("in_proj_bias", inProjBias) }
        try registerModule("out_proj", outProj)
    }

    /// Attention of `query` over `key`/`value`: (output, weights averaged over heads or nil);
    /// the masks and options are those of `multiHeadAttention`.
    public func callAsFunction(_ query: Tensor, _ key: Tensor, _ value: Tensor, keyPaddingMask: Tensor? = nil,
                               needWeights: Bool = true, attnMask: Tensor? = nil, averageAttnWeights: Bool = true,
                               isCausal: Bool = false) throws -> (output: Tensor, weights: Tensor?) {
        try multiHeadAttention(query: query, key: key, value: value, numHeads: numHeads,
                               weights: AttentionWeights(inProj: inProjWeight, inProjBias: inProjBias, outProj: outProj.weight,
                                                         outProjBias: outProj.bias),
                               keyPaddingMask: keyPaddingMask, needWeights: needWeights, attnMask: attnMask,
                               averageAttnWeights: averageAttnWeights, isCausal: isCausal, batchFirst: batchFirst,
                               dropoutP: dropout, training: training)
    }

    /// Self-attention of `input` (query = key = value), the output only: the form a `Sequential` uses.
    public override func forward(_ input: Tensor) throws -> Tensor {
        try self(input, input, input, needWeights: false).output
    }
}
