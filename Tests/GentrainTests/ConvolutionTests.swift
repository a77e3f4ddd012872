import XCTest
@testable import GentrainCore
import Gentrain

/// The convolution passes: oneDNN's and the GEMM path's agree, for every pass and the second
/// order (the golden table checks both against PyTorch); which one runs is measured per pass.
final class ConvolutionTests: XCTestCase {
    /// Strides, padding, dilation, groups, odd sizes, batch 1, strides that skip the edge, and the
    /// DCGAN critic's 64 → 128 layer.
    let geometries: [ConvolutionGeometry] = [
        try! ConvolutionGeometry(src: [64, 64, 14, 14], weight: [128, 64, 4, 4], window: WindowGeometry(kernel: (4, 4), stride: (2, 2), padding: (1, 1)), groups: 1),
        try! ConvolutionGeometry(src: [1, 16, 9, 7], weight: [24, 8, 3, 2], window: WindowGeometry(kernel: (3, 2), stride: (1, 2), padding: (2, 0), dilation: (2, 1)), groups: 2),
        try! ConvolutionGeometry(src: [3, 8, 5, 6], weight: [8, 8, 1, 1], window: WindowGeometry(kernel: (1, 1)), groups: 1),
        // The stride skips the last rows and columns (oneDNN's padding after them is negative).
        try! ConvolutionGeometry(src: [2, 8, 5, 7], weight: [16, 8, 2, 1], window: WindowGeometry(kernel: (2, 1), stride: (3, 3)), groups: 1),
    ]

    func testOneDNNServesEveryGeometryAndEachPassIsMeasuredOnce() throws {
        guard OneDNN.library != nil else { throw XCTSkip("oneDNN is not installed") }
        let image = try ConvolutionGeometry(src: [4, 1, 28, 28], weight: [64, 1, 4, 4], window: WindowGeometry(kernel: (4, 4), stride: (2, 2), padding: (1, 1)), groups: 1)
        for g in geometries + [image] {
            let conv = try XCTUnwrap(OneDNNConvolution.serving(g, .float32), "\(g.src) (*) \(g.weight)")
            XCTAssertTrue(conv === OneDNNConvolution.serving(g, .float32), "primitives are kept per geometry and dtype")
            if CPU.bfloat16Products {
                let bf16 = try XCTUnwrap(OneDNNConvolution.serving(g, .bfloat16), "bfloat16 \(g.src) (*) \(g.weight)")
                XCTAssertFalse(conv === bf16)
            }
        }
        let before = GemmBackend.current
        defer { try? GemmBackend.set(before) }
        // A forced GEMM backend decides without measuring: oneDNN's primitives under onednn only.
        try GemmBackend.set(.onednn)
        XCTAssertEqual(ConvolutionBackend.forPass(.forward, .float32, image) { _ in XCTFail("measured a forced pass") }, .onednn)
        try GemmBackend.set(.openblas)
        XCTAssertEqual(ConvolutionBackend.forPass(.forward, .float32, image) { _ in XCTFail("measured a forced pass") }, .gemm)
        // Measured: the first pass of a class times both backends, later ones reuse the choice.
        try GemmBackend.set(nil)
        guard GemmBackend.current == nil else { throw XCTSkip("one GEMM backend only: nothing is measured") }
        let g = try ConvolutionGeometry(src: [2, 3, 11, 9], weight: [5, 3, 3, 3], window: WindowGeometry(kernel: (3, 3), padding: (1, 1)), groups: 1)
        var tried: [ConvolutionBackend] = []
        let first = ConvolutionBackend.choice(.backwardWeights, .float32, g) ?? ConvolutionBackend.forPass(.backwardWeights, .float32, g) { tried.append($0) }
        XCTAssertTrue(tried.isEmpty || (Set(tried) == Set(ConvolutionBackend.allCases) && tried.count >= 6), "\(tried)")
        XCTAssertEqual(ConvolutionBackend.choice(.backwardWeights, .float32, g), first)
        XCTAssertEqual(ConvolutionBackend.forPass(.backwardWeights, .float32, g) { _ in XCTFail("measured twice") }, first)
        // Images of other sizes with the same bit lengths are the same class: not measured again.
        let wider = try ConvolutionGeometry(src: [3, 3, 9, 15], weight: g.weight, window: g.window, groups: 1)
        XCTAssertEqual(ConvolutionBackend.forPass(.backwardWeights, .float32, wider) { _ in XCTFail("measured a known class") }, first)
        let (src, dst) = (try Tensor.randn(g.src), try Tensor.randn(g.dst))
        let once = try values(Tensor.convolution(.backwardWeights, src, dst, g))
        XCTAssertEqual(try values(Tensor.convolution(.backwardWeights, src, dst, g)), once, "equal inputs, equal bits")
    }

    /// oneDNN's primitives run on the OpenMP threads there were when they were made: they are made
    /// for the thread count of the call and kept per count, so a process set to one thread never
    /// runs a convolution on two (primitives made earlier did).
    func testPrimitivesAreMadePerThreadCount() throws {
        guard OneDNN.library != nil else { throw XCTSkip("oneDNN is not installed") }
        let before = Threads.count
        defer { try? Threads.set(before) }
        try Threads.set(2)
        let g = geometries[0]
        let two = try XCTUnwrap(OneDNNConvolution.serving(g, .float32))
        let one = try XCTUnwrap(Threads.limitingThisThread(to: 1) { OneDNNConvolution.serving(g, .float32) })
        XCTAssertFalse(one === two, "one primitive served two thread counts")
        XCTAssertTrue(two === OneDNNConvolution.serving(g, .float32))
        XCTAssertTrue(one === Threads.limitingThisThread(to: 1) { OneDNNConvolution.serving(g, .float32) })
    }

    /// float32 and, where the packing GEMM runs, bfloat16: oneDNN in bfloat16 (with bfloat16 dot
    /// products) or on float32 copies against the GEMM path in bfloat16, all accumulating in
    /// float32, so they agree to bfloat16's resolution.
    func testBackendsAgreeOnEveryPassAndSecondOrder() throws {
        guard OneDNN.library != nil else { throw XCTSkip("oneDNN is not installed") }
        let before = GemmBackend.current
        defer { try? GemmBackend.set(before) }
        for dtype in GemmBackend.packing.isAvailable ? [DType.float32, .bfloat16] : [.float32] {
            for g in geometries {
                let src = try Tensor.randn(g.src).to(dtype), weight = try Tensor.randn(g.weight).to(dtype)
                let dst = try Tensor.randn(g.dst).to(dtype), v = try Tensor.randn(g.src).to(dtype), w = try Tensor.randn(g.weight).to(dtype)
                var results: [[Double]] = []
                for backend in [GemmBackend.openblas, .onednn] {
                    try GemmBackend.set(backend)
                    let (x, k) = (src.detach(), weight.detach())
                    try x.setRequiresGrad(true)
                    try k.setRequiresGrad(true)
                    let y = try Tensor.convolution(.forward, x, k, g)
                    XCTAssertEqual(y.dtype, dtype)
                    let back = try Tensor.convolution(.backwardData, dst, weight, g)
                    let gw = try Tensor.convolution(.backwardWeights, src, dst, g)
                    // First order with the graph kept, then the gradient of <grads, (v, w)>.
                    let grads = try Autograd.grad(outputs: [y.mul(dst).sum()], inputs: [x, k], createGraph: true)
                    let inner = try grads[0].mul(v).sum().add(grads[1].mul(w).sum())
                    let second = try Autograd.grad(outputs: [inner], inputs: [x, k], allowUnused: true)
                    results.append(try values(y) + values(back) + values(gw) + values(grads[0]) + values(grads[1])
                                   + values(second[0]) + values(second[1]))
                }
                if dtype == .float32 {
                    assertClose(results[1], results[0], atol: 2e-3, rtol: 1e-4, "oneDNN vs GEMM \(g.src) (*) \(g.weight)")
                } else {
                    // Sums of up to 1,024 products of normals (about ±32) rounded to bfloat16 (2^-8).
                    assertClose(results[1], results[0], atol: 0.25, rtol: 1e-2, "bfloat16: oneDNN vs GEMM \(g.src) (*) \(g.weight)")
                }
            }
        }
    }
}
