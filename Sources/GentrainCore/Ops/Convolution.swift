/// The shapes of one 2-D convolution in PyTorch's NCHW layout:
/// `src [N, C, H, W]` (*) `weight [O, C/groups, kh, kw]` → `dst [N, O, oh, ow]`.
package struct ConvolutionGeometry: Hashable, Sendable {
    public let src: [Int], weight: [Int], dst: [Int]
    public let window: WindowGeometry
    public let groups: Int

    /// The geometry of convolving `src` with `weight`; the output size follows from the window.
    public init(src: [Int], weight: [Int], window: WindowGeometry, groups: Int) throws {
        try window.validate("convolution")
        guard src.count == 4, weight.count == 4, groups > 0, src[1] % groups == 0, weight[0] % groups == 0,
              weight[1] * groups == src[1], weight[2] == window.kernel.0, weight[3] == window.kernel.1 else {
            throw GentrainError.shape("convolution: input \(shapeString(src)) and weight \(shapeString(weight)) do not fit \(groups) groups")
        }
        let (oh, ow) = (window.positions(src[2], 0), window.positions(src[3], 1))
        guard oh > 0, ow > 0 else { throw GentrainError.shape("convolution: the kernel does not fit input \(shapeString(src)) with this padding") }
        (self.src, self.weight, self.dst, self.window, self.groups) = (src, weight, [src[0], weight[0], oh, ow], window, groups)
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.src == b.src && a.weight == b.weight && a.window == b.window && a.groups == b.groups
    }

    public func hash(into h: inout Hasher) {
        h.combine(src)
        h.combine(weight)
        for v in [window.stride.0, window.stride.1, window.padding.0, window.padding.1, window.dilation.0, window.dilation.1, groups] {
            h.combine(v)
        }
    }
}

/// The three linear maps of a convolution, each the others' gradient, so that every order of
/// derivative is again one of them:
/// - `forward(src, weight) → dst`
/// - `backwardData(dst, weight) → src` (the adjoint in src; a transposed convolution's forward)
/// - `backwardWeights(src, dst) → weight` (the adjoint in weight)
package enum ConvolutionPass: Sendable {
    case forward, backwardData, backwardWeights
}

extension Tensor {
    /// One pass of the convolution `geometry`; `a` and `b` are the pass's two operands in the
    /// order above, of the geometry's shapes. float32, bfloat16 and float16 run on oneDNN's
    /// convolutions or as unfold + GEMM + fold, whichever was measured faster for the pass
    /// (`ConvolutionBackend`); float64 as unfold + GEMM + fold. bfloat16 goes to oneDNN as it is
    /// where the CPU has bfloat16 dot products (`CPU.bfloat16Products`), else as float32 copies,
    /// and to the GEMM path as it is wherever the packing GEMM runs (AVX2: the products widen it
    /// while they pack); float16 computes through float32 copies.
    package static func convolution(_ pass: ConvolutionPass, _ a: Tensor, _ b: Tensor, _ geometry: ConvolutionGeometry) throws -> Tensor {
        let g = geometry
        let (shapeA, shapeB): ([Int], [Int]) = switch pass {
        case .forward: (g.src, g.weight)
        case .backwardData: (g.dst, g.weight)
        case .backwardWeights: (g.src, g.dst)
        }
        guard a.shape == shapeA, b.shape == shapeB else {
            throw GentrainError.shape("convolution: expected operands \(shapeString(shapeA)) and \(shapeString(shapeB)), got \(shapeString(a.shape)) and \(shapeString(b.shape))")
        }
        guard a.dtype == b.dtype, a.dtype.isFloatingPoint else {   // as PyTorch: no promotion
            throw GentrainError.dtype("convolution: expected floating point operands of one dtype, got \(a.dtype) and \(b.dtype)")
        }
        let dtype = a.dtype
        let bf16 = dtype == .bfloat16
        let (oneDNNType, gemmType) = (bf16 && CPU.bfloat16Products ? dtype : dtype.computeType,
                                      bf16 && GemmBackend.packing.isAvailable ? dtype : dtype.computeType)
        let out = try withNoGrad { () throws -> Tensor in
            // Each way with its own conversions (measured with them).
            func byGemm() throws -> Tensor { try convolutionByGemm(pass, a.to(gemmType).contiguous(), b.to(gemmType).contiguous(), g) }
            guard let conv = OneDNNConvolution.serving(g, oneDNNType) else { return try byGemm() }
            func run(_ backend: ConvolutionBackend) throws -> Tensor {
                backend == .onednn ? try conv.run(pass, a.to(oneDNNType).contiguous(), b.to(oneDNNType).contiguous()) : try byGemm()
            }
            return try run(ConvolutionBackend.forPass(pass, dtype, g) { _ = try run($0) })
        }
        let result = out.dtype == dtype ? out : try withNoGrad { try out.to(dtype) }
        return try record(result, "ConvolutionBackward", a, b) { node, grad in
            let (needA, needB) = (node.needsInputGrad(0), node.needsInputGrad(1))
            switch pass {
            case .forward:          // dst = F(src, weight)
                return Grads(needA ? try convolution(.backwardData, grad, b, g) : nil,
                             needB ? try convolution(.backwardWeights, a, grad, g) : nil)
            case .backwardData:     // src = BD(dst, weight)
                return Grads(needA ? try convolution(.forward, grad, b, g) : nil,
                             needB ? try convolution(.backwardWeights, grad, a, g) : nil)
            case .backwardWeights:  // weight = BW(src, dst)
                return Grads(needA ? try convolution(.backwardData, b, grad, g) : nil,
                             needB ? try convolution(.forward, a, grad, g) : nil)
            }
        }
    }
}

/// The passes as matrix products over the window columns (unfold with the batch inside the
/// columns, `[C·kh·kw, N·L]`), one GEMM per group for the whole batch. Operands contiguous.
private func convolutionByGemm(_ pass: ConvolutionPass, _ a: Tensor, _ b: Tensor, _ g: ConvolutionGeometry) throws -> Tensor {
    let (n, groups) = (g.src[0], g.groups)
    let (o, k, l) = (g.weight[0], g.weight[1] * g.weight[2] * g.weight[3], g.dst[2] * g.dst[3])
    // dst [N, O, oh, ow] as the product's layout [g, O/g, N·L]
    func dstRows(_ d: Tensor) throws -> Tensor { try d.reshape([n, o, l]).transpose(0, 1).reshape([groups, o / groups, n * l]) }
    switch pass {
    case .forward:
        let cols = try a.unfoldBatchColumns(g.window).reshape([groups, k, n * l])
        let y = try b.reshape([groups, o / groups, k]).matmul(cols)                                   // [g, O/g, N·L]
        return try y.reshape([o, n, g.dst[2], g.dst[3]]).transpose(0, 1).contiguous()
    case .backwardData:
        let cols = try b.reshape([groups, o / groups, k]).transpose(1, 2).matmul(dstRows(a))        // [g, K, N·L]
        return try cols.reshape([groups * k, n * l]).foldBatchColumns(into: g.src, g.window)
    case .backwardWeights:
        let cols = try a.unfoldBatchColumns(g.window).reshape([groups, k, n * l])
        return try dstRows(b).matmul(cols.transpose(1, 2)).reshape(g.weight)                       // [g, O/g, K]
    }
}
