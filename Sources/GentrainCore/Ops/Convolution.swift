import CGentrainDNNL

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
    /// order above, of the geometry's shapes. float32 runs on oneDNN's convolutions when they
    /// serve the geometry (see `OneDNNConvolution`), anything else as unfold + GEMM + fold.
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
        let ct = dtype.computeType
        let out = try withNoGrad { () throws -> Tensor in
            let (x, y) = (try a.to(ct).contiguous(), try b.to(ct).contiguous())
            if ct == .float32, let conv = OneDNNConvolution.serving(g) { return try conv.run(pass, x, y) }
            return try convolutionByGemm(pass, x, y, g)
        }
        let result = ct == dtype ? out : try withNoGrad { try out.to(dtype) }
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

/// oneDNN's primitives for one convolution geometry (forward, backward data, backward weights),
/// made on first use and kept per geometry. They serve float32 when oneDNN is loaded and OpenBLAS
/// is not forced (`GemmBackend.convolutionsOnOneDNN`) and both sides have at least 8 channels per group. With
/// a narrow side (an image's 1 or 3 channels) the GEMM path is as fast or faster: on the
/// DCGAN's 1 → 64 layer (batch 64, 28×28, k4 s2) oneDNN's backward-data pass took 2.1 ms
/// against 0.4 ms, the other two passes about even.
final class OneDNNConvolution: @unchecked Sendable {
    private let handle: OpaquePointer
    private let geometry: ConvolutionGeometry

    private init(_ handle: OpaquePointer, _ geometry: ConvolutionGeometry) {
        (self.handle, self.geometry) = (handle, geometry)
    }

    deinit { gt_conv_destroy(handle) }

    private static let lock = Lock()
    nonisolated(unsafe) private static var cache: [ConvolutionGeometry: OneDNNConvolution?] = [:]
    /// Geometries kept at most; a full cache starts over (shapes of a training run repeat).
    private static let capacity = 64

    /// The primitives for `g`, or nil when oneDNN does not serve it.
    static func serving(_ g: ConvolutionGeometry) -> OneDNNConvolution? {
        guard GemmBackend.convolutionsOnOneDNN, g.src[1] / g.groups >= 8, g.weight[0] / g.groups >= 8,
              g.src.allSatisfy({ $0 > 0 }), g.dst.allSatisfy({ $0 > 0 }) else { return nil }
        return lock.withLock {
            if let known = cache[g] { return known }   // nil inside: oneDNN refused this geometry
            if cache.count >= capacity { cache.removeAll() }
            let w = g.window
            var desc = gt_conv_geometry(n: g.src[0], c: g.src[1], h: g.src[2], w: g.src[3], o: g.weight[0], kh: g.weight[2],
                                        kw: g.weight[3], oh: g.dst[2], ow: g.dst[3], stride_h: w.stride.0, stride_w: w.stride.1,
                                        pad_h: w.padding.0, pad_w: w.padding.1, dilation_h: w.dilation.0,
                                        dilation_w: w.dilation.1, groups: g.groups)
            let made = gt_conv_create(&desc).map { OneDNNConvolution($0, g) }
            cache[g] = made
            return made
        }
    }

    /// Runs `pass` on contiguous float32 operands into a new tensor.
    func run(_ pass: ConvolutionPass, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        let g = geometry
        let which: gt_conv_pass = switch pass {
        case .forward: GT_CONV_FORWARD
        case .backwardData: GT_CONV_BACKWARD_DATA
        case .backwardWeights: GT_CONV_BACKWARD_WEIGHTS
        }
        let out = try Tensor(empty: pass == .forward ? g.dst : pass == .backwardData ? g.src : g.weight, dtype: .float32)
        let (workspace, index, size) = try BufferCache.allocate(Swift.max(gt_conv_workspace_size(handle, which), 64))
        defer { BufferCache.recycle(workspace, index, size) }
        OpenMP.setThreads(Threads.usable)
        let (pa, pb, po) = (a.pointer(Float.self), b.pointer(Float.self), out.pointer(Float.self))
        let status = switch pass {
        case .forward: gt_conv_forward(handle, pa, pb, po, workspace)
        case .backwardData: gt_conv_backward_data(handle, pa, pb, po, workspace)
        case .backwardWeights: gt_conv_backward_weights(handle, pa, pb, po, workspace)
        }
        guard status == 0 else { throw GentrainError(.internal, "convolution: oneDNN failed to run a \(pass) pass of \(shapeString(g.src)) (*) \(shapeString(g.weight))") }
        return out
    }
}
