import CGentrainDNNL

/// Where a float32 or bfloat16 convolution pass runs: on oneDNN's primitive (`OneDNNConvolution`) or as
/// unfold + GEMM + fold (`convolutionByGemm`, on the GEMM backends), chosen by measurement per
/// pass, layer, size class and thread count (`passClass`), as `GemmBackend` chooses for products:
/// neither is faster everywhere. On AMD EPYC family 25 model 1 (AVX2, one thread, batch 64, k4 s2 p1), the DCGAN's
/// 1 → 64 convolution took 1.02 ms on oneDNN and 0.86 ms on the GEMM path (packing GEMM), its
/// 128 → 64 transposed convolution 12.1 ms on oneDNN and 15.7–16.3 ms on the GEMM path.
///
/// The first pass of a class times both on its own operands (`fastest`: at least 3 alternating
/// rounds within 0.1 s, or one when a pass takes a second, so that a long pass's first use costs
/// three passes, not seven) and the faster serves every pass of the class from then on, this one
/// included, so equal inputs always give equal bits; choices are kept in `ChoiceFile.convolution`
/// for later processes. A forced GEMM backend (`GENTRAIN_GEMM`) decides instead: oneDNN's
/// primitives under `onednn`, the GEMM path under the others.
package enum ConvolutionBackend: String, CaseIterable, Sendable {
    case onednn, gemm

    private static let lock = Lock()
    nonisolated(unsafe) private static var chosen: [String: ConvolutionBackend] = {
        var choices: [String: ConvolutionBackend] = [:]
        for (key, name) in ChoiceFile.convolution?.read() ?? [] {
            if let backend = ConvolutionBackend(rawValue: name) { choices[key] = backend }
        }
        return choices
    }()

    /// A pass's class, as the choice file spells it: the pass, the dtype (bfloat16 without bfloat16
    /// dot products, where the ways to compare differ, as `bfloat16-widened`), the threads, the
    /// batch and image sizes by their bit lengths (as `GemmBackend`'s classes: inputs of varying
    /// sizes share classes, so they are not measured at every new size), and the layer's exact
    /// channels, kernel, stride, padding, dilation and groups, e.g.
    /// `forward/float32/2/n7c64h4w4/128x64x4x4/2x2/1x1/1x1/1`.
    static func passClass(_ pass: ConvolutionPass, _ dtype: DType, _ g: ConvolutionGeometry) -> String {
        func bits(_ v: Int) -> Int { Int.bitWidth - v.leadingZeroBitCount }
        let w = g.window
        let src = "n\(bits(g.src[0]))c\(g.src[1])h\(bits(g.src[2]))w\(bits(g.src[3]))"
        let parts = [g.weight, [w.stride.0, w.stride.1], [w.padding.0, w.padding.1], [w.dilation.0, w.dilation.1], [g.groups]]
        let type = dtype == .bfloat16 && !CPU.bfloat16Products ? "bfloat16-widened" : "\(dtype)"
        return "\(pass)/\(type)/\(Threads.usable)/\(src)/" + parts.map { $0.map(String.init).joined(separator: "x") }.joined(separator: "/")
    }

    /// The backend measured (or read) for `pass` of `g` in `dtype`, nil before its first pass.
    static func choice(_ pass: ConvolutionPass, _ dtype: DType, _ g: ConvolutionGeometry) -> ConvolutionBackend? {
        let key = passClass(pass, dtype, g)
        return lock.withLock { chosen[key] }
    }

    /// The backend for `pass` of `g` in `dtype` when oneDNN serves the geometry. The first pass of
    /// a class measures: `trial(backend)` must run the pass on `backend`.
    static func forPass(_ pass: ConvolutionPass, _ dtype: DType, _ g: ConvolutionGeometry,
                        trial: (ConvolutionBackend) throws -> Void) rethrows -> ConvolutionBackend {
        if let forced = GemmBackend.current { return forced == .onednn ? .onednn : .gemm }
        let key = passClass(pass, dtype, g)
        if let known = lock.withLock({ chosen[key] }) { return known }
        let measured = try fastest(allCases, rounds: 3...20, budget: 0.1, cap: 1, trial)
        return lock.withLock {
            if let earlier = chosen[key] { return earlier }   // another thread measured the class first
            chosen[key] = measured
            ChoiceFile.convolution?.append(key, measured.rawValue)
            return measured
        }
    }
}

/// oneDNN's primitives for one convolution geometry (forward, backward data, backward weights)
/// in float32 or bfloat16, made on first use and kept per geometry, dtype and thread count, for
/// every one oneDNN accepts when it is loaded. Whether a pass runs on them is measured
/// (`ConvolutionBackend`).
///
/// A primitive divides its work among the OpenMP threads there are when it is made and runs on
/// that many from then on, whatever the thread count at the call: made before the threads were
/// set, a DCGAN's convolutions ran on both cores of a process set to one thread (1.6 cores busy,
/// AMD EPYC family 25 model 17). So the threads are set first and are part of the key.
final class OneDNNConvolution: @unchecked Sendable {
    private let handle: OpaquePointer
    private let geometry: ConvolutionGeometry
    private let dtype: DType
    private let threads: Int

    private init(_ handle: OpaquePointer, _ geometry: ConvolutionGeometry, _ dtype: DType, _ threads: Int) {
        (self.handle, self.geometry, self.dtype, self.threads) = (handle, geometry, dtype, threads)
    }

    deinit { gt_conv_destroy(handle) }

    private struct Key: Hashable {
        let geometry: ConvolutionGeometry, dtype: DType, threads: Int
    }

    private static let lock = Lock()
    nonisolated(unsafe) private static var cache: [Key: OneDNNConvolution?] = [:]
    /// Geometries kept at most; a full cache starts over (shapes of a training run repeat).
    private static let capacity = 64

    /// The primitives for `g` in `dtype` (float32 or bfloat16), or nil when oneDNN does not serve it.
    static func serving(_ g: ConvolutionGeometry, _ dtype: DType) -> OneDNNConvolution? {
        guard OneDNN.library != nil, dtype == .float32 || dtype == .bfloat16,
              g.src.allSatisfy({ $0 > 0 }), g.dst.allSatisfy({ $0 > 0 }) else { return nil }
        let threads = Threads.usable
        let key = Key(geometry: g, dtype: dtype, threads: threads)
        return lock.withLock {
            if let known = cache[key] { return known }   // nil inside: oneDNN refused this geometry
            if cache.count >= capacity { cache.removeAll() }
            let w = g.window
            var desc = gt_conv_geometry(n: g.src[0], c: g.src[1], h: g.src[2], w: g.src[3], o: g.weight[0], kh: g.weight[2],
                                        kw: g.weight[3], oh: g.dst[2], ow: g.dst[3], stride_h: w.stride.0, stride_w: w.stride.1,
                                        pad_h: w.padding.0, pad_w: w.padding.1, dilation_h: w.dilation.0,
                                        dilation_w: w.dilation.1, groups: g.groups)
            OpenMP.setThreads(threads)
            let made = gt_conv_create(&desc, dtype == .bfloat16 ? GT_CONV_BF16 : GT_CONV_F32).map { OneDNNConvolution($0, g, dtype, threads) }
            cache[key] = made
            return made
        }
    }

    /// Runs `pass` on contiguous operands of the primitives' dtype into a new tensor.
    func run(_ pass: ConvolutionPass, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        let g = geometry
        let which: gt_conv_pass = switch pass {
        case .forward: GT_CONV_FORWARD
        case .backwardData: GT_CONV_BACKWARD_DATA
        case .backwardWeights: GT_CONV_BACKWARD_WEIGHTS
        }
        let out = try Tensor(empty: pass == .forward ? g.dst : pass == .backwardData ? g.src : g.weight, dtype: dtype)
        let (workspace, index, size) = try BufferCache.allocate(Swift.max(gt_conv_workspace_size(handle, which), 64))
        defer { BufferCache.recycle(workspace, index, size) }
        OpenMP.setThreads(threads)
        let (pa, pb, po) = (a.rawPointer, b.rawPointer, out.rawPointer)
        let status = switch pass {
        case .forward: gt_conv_forward(handle, pa, pb, po, workspace)
        case .backwardData: gt_conv_backward_data(handle, pa, pb, po, workspace)
        case .backwardWeights: gt_conv_backward_weights(handle, pa, pb, po, workspace)
        }
        guard status == 0 else { throw GentrainError(.internal, "convolution: oneDNN failed to run a \(pass) pass of \(shapeString(g.src)) (*) \(shapeString(g.weight))") }
        return out
    }
}
