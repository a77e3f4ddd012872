import XCTest
import Foundation
import Gentrain

/// Layer behaviour beyond the golden table: running statistics, evaluation mode, bad shapes.
final class LayerTests: XCTestCase {
    /// PyTorch's Module.to(dtype): floating parameters, buffers and gradients change dtype in
    /// place (the layers' own references see it; num_batches_tracked stays int64); an optimizer
    /// built before refuses to step; a non-floating dtype changes nothing.
    func testModuleToConvertsInPlace() throws {
        let linear = try Linear(3, 2), norm = try BatchNorm(2)
        let model = try Sequential([linear, norm])
        let before = try Adam(model.parameters())
        let x = try Tensor.randn([4, 3])
        try model(x).sum().backward()
        try before.step()
        let w = try linear.weight.toArray(Double.self)
        try model.double()
        XCTAssertEqual(linear.weight.dtype, .float64)
        XCTAssertEqual(linear.weight.grad?.dtype, .float64)
        XCTAssertEqual(norm.runningMean!.dtype, .float64)
        XCTAssertEqual(norm.numBatchesTracked!.dtype, .int64)
        XCTAssertEqual(try linear.weight.toArray(Double.self), w, "float32 values widen exactly")
        XCTAssertEqual(try model(x.to(.float64)).dtype, .float64)
        XCTAssertThrowsError(try before.step()) { XCTAssertTrue("\($0)".contains("build the optimizer after")) }
        XCTAssertThrowsError(try model.to(.int32))
        XCTAssertEqual(linear.weight.dtype, .float64)
        try model.bfloat16()
        model.eval()
        XCTAssertEqual(try model(x.to(.bfloat16)).dtype, .bfloat16)
        let leaf = try x.detach()
        try leaf.setRequiresGrad(true)
        XCTAssertThrowsError(try leaf.mul(2).convertInPlace(.float64), "only leaves change dtype in place")
    }

    func testBatchNormRunningStatisticsAndEvaluation() throws {
        let x = try Tensor([1, 2, 3, 5, 10, 20, 30, 40] as [Double], shape: [4, 2])
        let mean = try Tensor.zeros([2], dtype: .float64), variance = try Tensor.ones([2], dtype: .float64)
        _ = try batchNorm(x, runningMean: mean, runningVar: variance, training: true, momentum: 0.5)
        // batch means 11.5 / 16.75; unbiased variances by hand
        let c0 = [1.0, 3, 10, 30], c1 = [2.0, 5, 20, 40]
        func unbiased(_ v: [Double]) -> Double {
            let m = v.reduce(0, +) / 4
            return v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / 3
        }
        assertClose(try values(mean), [0.5 * 11, 0.5 * 16.75], atol: 1e-12, rtol: 1e-12, "running mean")
        assertClose(try values(variance), [0.5 + 0.5 * unbiased(c0), 0.5 + 0.5 * unbiased(c1)], atol: 1e-12, rtol: 1e-12, "running var")
        let y = try batchNorm(x, runningMean: mean, runningVar: variance, training: false)
        XCTAssertEqual(try y.toArray(Double.self)[0], (1 - 5.5) / Foundation.sqrt(try values(variance)[0] + 1e-5), accuracy: 1e-12)
        XCTAssertThrowsError(try batchNorm(Tensor.zeros([1, 2]), runningMean: nil, runningVar: nil, training: true))
        XCTAssertThrowsError(try batchNorm(x, runningMean: nil, runningVar: nil, training: false))
    }

    /// max_pool2d's choice as PyTorch makes it: the first maximum of a window on ties, a NaN over
    /// any number (the last NaN), never a padding position; the gradient goes where the value came from.
    func testMaxPoolTiesNaNAndPadding() throws {
        let x = try Tensor([1, 1, 0, 5,
                            1, 1, .nan, 2,
                            -3, -4, -1, -2,
                            -5, -6, .nan, -9] as [Float], shape: [1, 1, 4, 4])
        try x.setRequiresGrad(true)
        let y = try maxPool2d(x, kernel: (2, 2))
        let v = try y.toArray(Float.self)
        XCTAssertEqual(v[0], 1)
        XCTAssertTrue(v[1].isNaN)
        XCTAssertEqual(v[2], -3)
        XCTAssertTrue(v[3].isNaN)
        try Autograd.backward([y], gradTensors: [Tensor.ones([1, 1, 2, 2])])
        XCTAssertEqual(try x.grad!.toArray(Float.self), [1, 0, 0, 0,  0, 0, 1, 0,  1, 0, 0, 0,  0, 0, 1, 0])
        // Padding: a window that is half padding takes its inside maximum, even when negative.
        let z = try maxPool2d(Tensor([-2, -1, -3, -4] as [Float], shape: [1, 1, 2, 2]), kernel: (2, 2), stride: (1, 1), padding: (1, 1))
        XCTAssertEqual(try z.toArray(Float.self), [-2, -1, -1, -2, -1, -1, -3, -3, -4])
    }

    func testMaxUnpool2dModuleInvertsPoolingWithIndices() throws {
        // PyTorch's documented example: MaxPool2d(2, stride=2, return_indices=True), MaxUnpool2d(2, stride=2).
        let x = try Tensor((1...16).map(Float.init), shape: [1, 1, 4, 4])
        let (pooled, indices) = try maxPool2dWithIndices(x, kernel: (2, 2), stride: (2, 2))
        let unpool = try MaxUnpool2d((2, 2), stride: (2, 2))
        XCTAssertEqual(try unpool(pooled, indices: indices).toArray(Float.self),
                       [0, 0, 0, 0, 0, 6, 0, 8, 0, 0, 0, 0, 0, 14, 0, 16])
        let larger = try unpool(pooled, indices: indices, outputSize: (5, 5))   // indices index the 5 × 5 plane
        XCTAssertEqual(larger.shape, [1, 1, 5, 5])
        XCTAssertEqual(try larger.toArray(Float.self).enumerated().filter { $0.element != 0 }.map(\.offset), [5, 7, 13, 15])
        XCTAssertThrowsError(try unpool(pooled)) { XCTAssertTrue("\($0)".contains("indices"), "\($0)") }
        XCTAssertThrowsError(try MaxUnpool2d((0, 2)))
    }

    func testNearestUpsamplingByWholeFactorsRepeatsAndSumsBlocks() throws {
        let x = try Tensor.randn([2, 3, 4, 5], generator: Generator(seed: 4)).requiringGrad()
        let xs = try x.toArray(Double.self)
        for (kr, kc) in [(2, 2), (3, 1), (1, 3), (2, 3)] {
            let y = try upsample(x, scaleFactor: (Double(kr), Double(kc)))
            XCTAssertEqual(y.shape, [2, 3, 4 * kr, 5 * kc])
            let ys = try y.toArray(Double.self)
            for p in 0..<6 { for i in 0..<4 * kr { for j in 0..<5 * kc {
                XCTAssertEqual(ys[(p * 4 * kr + i) * 5 * kc + j], xs[(p * 4 + i / kr) * 5 + j / kc])
            } } }
            // Backward: each block's gradient summed; double backward: the gradient of the sum, repeated.
            let g = try Tensor.randn(y.shape, generator: Generator(seed: 5)).requiringGrad()
            let dx = try Autograd.grad(outputs: [y], inputs: [x], gradOutputs: [g], createGraph: true)[0]
            let gs = try g.toArray(Double.self), dxs = try dx.toArray(Double.self)
            for p in 0..<6 { for i in 0..<4 { for j in 0..<5 {
                var sum = 0.0
                for a in 0..<kr { for b in 0..<kc { sum += gs[(p * 4 * kr + i * kr + a) * 5 * kc + j * kc + b] } }
                XCTAssertEqual(dxs[(p * 4 + i) * 5 + j], sum, accuracy: 1e-5)
            } } }
            let v = try Tensor.randn(dx.shape, generator: Generator(seed: 6))
            let ggrad = try Autograd.grad(outputs: [dx], inputs: [g], gradOutputs: [v])[0]
            XCTAssertEqual(try ggrad.toArray(Double.self), try upsample(v, scaleFactor: (Double(kr), Double(kc))).toArray(Double.self))
        }
    }

    func testConvolutionShapesAndErrors() throws {
        let x = try Tensor.randn([2, 4, 9, 9])
        XCTAssertEqual(try conv2d(x, Tensor.randn([8, 4, 4, 4]), stride: (2, 2), padding: .explicit(1, 1)).shape, [2, 8, 4, 4])
        XCTAssertEqual(try convTranspose2d(Tensor.randn([2, 8, 4, 4]), Tensor.randn([8, 4, 4, 4]), stride: (2, 2), padding: (1, 1)).shape,
                       [2, 4, 8, 8])
        XCTAssertEqual(try conv2d(x, Tensor.randn([3, 4, 3, 3]), padding: .same).shape, [2, 3, 9, 9])
        XCTAssertEqual(try maxPool2d(x, kernel: (2, 2)).shape, [2, 4, 4, 4])
        XCTAssertEqual(try adaptiveAvgPool2d(x, outputSize: (1, 1)).shape, [2, 4, 1, 1])
        XCTAssertEqual(try pixelShuffle(Tensor.randn([1, 12, 3, 3]), upscaleFactor: 2).shape, [1, 3, 6, 6])
        XCTAssertThrowsError(try conv2d(x, Tensor.randn([8, 3, 3, 3])))                        // channels
        XCTAssertThrowsError(try conv2d(x, Tensor.randn([6, 2, 3, 3]), groups: 3))             // groups
        XCTAssertThrowsError(try conv2d(x, Tensor.randn([8, 4, 3, 3]), stride: (2, 2), padding: .same))
        XCTAssertThrowsError(try conv2d(Tensor.randn([1, 4, 2, 2]), Tensor.randn([8, 4, 3, 3])))   // kernel larger than input
        XCTAssertThrowsError(try conv2d(x, Tensor.randn([8, 4, 3, 3], dtype: .float64)))          // dtypes differ (as PyTorch)
        XCTAssertThrowsError(try conv2d(x.to(.int64), Tensor.randn([8, 4, 3, 3]).to(.int64)))      // integers
        XCTAssertThrowsError(try convTranspose2d(x, Tensor.randn([4, 2, 3, 3]), stride: (2, 2), outputPadding: (2, 0)))
        XCTAssertThrowsError(try maxPool2d(x, kernel: (2, 2), padding: (2, 2)))
        XCTAssertThrowsError(try x.unfold(WindowGeometry(kernel: (0, 1))))
    }
}

extension LayerTests {
    /// The extractor of the golden file, built from gentrain modules.
    private func extractor() throws -> Sequential {
        try Sequential([Conv2d(1, 4, kernelSize: (3, 3), padding: .explicit(1, 1)), ReLU(),
                        Conv2d(4, 8, kernelSize: (3, 3), stride: (2, 2), padding: .explicit(1, 1)), Layers.leakyReLU(0.2),
                        Conv2d(8, 8, kernelSize: (3, 3), padding: .explicit(1, 1))])
    }

    func testPerceptualLossThroughAnExtractorSavedByPyTorch() throws {
        let net = try extractor()
        for p in net.parameters() { try withNoGrad { try p.copy_(p.to(.float64)) } }
        let weights = Golden.directory.appendingPathComponent("perceptual_extractor.safetensors").path
        // The module holds float32; PyTorch saved float64: load converts, as load_state_dict does.
        try net.load(from: weights)
        let double = try Sequential(net.namedChildren.map(\.1))
        XCTAssertEqual(double.stateDict().map(\.0), ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"])
        let json = Golden.json("perceptual.json")
        let generated = try StoredTensor(json["generated"]!).tensor(.float32)
        try generated.setRequiresGrad(true)
        let real = try StoredTensor(json["real"]!).tensor(.float32)
        let loss = try PerceptualLoss(extractor: net, layers: [1: 1.0, 3: 0.5, 4: 0.25])(generated, real)
        XCTAssertEqual(try loss.item(), json["loss"] as! Double, accuracy: 1e-5 * abs(json["loss"] as! Double))
        try Autograd.backward([loss])
        assertClose(try values(generated.grad), StoredTensor(json["grad"]!).data, atol: 1e-6, rtol: 1e-4, "d loss / d generated")
        XCTAssertTrue(net.parameters().allSatisfy { $0.grad == nil && !$0.requiresGrad })   // frozen
    }

    func testModuleStateDictRoundTripAndMismatches() throws {
        let dir = "/tmp/gentrain-layers-\(getpid())"
        mkdir(dir, 0o755)
        defer { _ = try? FileManager.default.removeItem(atPath: dir) }
        let a = try Sequential([Conv2d(3, 4, kernelSize: (3, 3)), BatchNorm(4), Layers.gelu(), Linear(4, 2)])
        let b = try Sequential([Conv2d(3, 4, kernelSize: (3, 3)), BatchNorm(4), Layers.gelu(), Linear(4, 2)])
        XCTAssertEqual(a.stateDict().map(\.0), ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var",
                                                "1.num_batches_tracked", "3.weight", "3.bias"])
        try a.save(to: "\(dir)/a.safetensors")
        try b.load(from: "\(dir)/a.safetensors")
        for ((_, x), (_, y)) in zip(a.stateDict(), b.stateDict()) { XCTAssertEqual(try values(x), try values(y)) }
        let c = try Sequential([Conv2d(3, 5, kernelSize: (3, 3))])
        XCTAssertThrowsError(try c.load(from: "\(dir)/a.safetensors")) { e in
            let m = (e as! GentrainError).message
            XCTAssertTrue(m.contains("size mismatch for '0.weight'") && m.contains("unexpected key '1.running_mean'"), m)
        }
        // BatchNorm counts batches and updates its running statistics in training only.
        let bn = try BatchNorm(2)
        _ = try bn(Tensor.randn([4, 2]))
        bn.eval()
        _ = try bn(Tensor.randn([4, 2]))
        XCTAssertEqual(try bn.numBatchesTracked!.item(), 1)
    }

    /// PyTorch's BatchNorm options: momentum nil (cumulative averages of the batch statistics)
    /// and trackRunningStats false (no buffers; batch statistics in eval too).
    func testBatchNormOptions() throws {
        let x1 = try Tensor.randn([4, 3, 5, 5], dtype: .float64), x2 = try x1.mul(2).add(1)
        let free = try BatchNorm(3, affine: false, trackRunningStats: false)
        XCTAssertTrue(free.stateDict().isEmpty)
        let trained = try free(x1)
        free.eval()
        XCTAssertEqual(try values(free(x1)), try values(trained))
        let cumulative = try BatchNorm(3, momentum: nil).to(.float64)
        _ = try cumulative(x1)
        _ = try cumulative(x2)
        let expected = try x1.mean(dims: [0, 2, 3]).add(x2.mean(dims: [0, 2, 3])).div(2)
        assertClose(try values(cumulative.runningMean!), try values(expected), atol: 1e-12, rtol: 1e-12, "cumulative mean")
        XCTAssertEqual(try cumulative.numBatchesTracked!.item(), 2)
    }

    func testEmbeddingPaddingRowGetsNoGradient() throws {
        let e = try Embedding(5, 3, paddingIdx: 0)
        XCTAssertEqual(try e.weight.select(0, 0).toArray(Float.self), [0, 0, 0])
        try Autograd.backward([e(Tensor([0, 2, 0] as [Int64])).sum()])
        XCTAssertEqual(try e.weight.grad!.toArray(Float.self), [0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    }

    func testInitializers() throws {
        let w = try Tensor.zeros([64, 32])
        _ = try Init.xavierUniform_(w)
        let bound = (6.0 / 96).squareRoot()
        XCTAssertTrue(try values(w).allSatisfy { abs($0) <= bound })
        _ = try Init.kaimingNormal_(w, nonlinearity: "relu")
        XCTAssertEqual(try w.variance().item(), 2.0 / 32, accuracy: 0.01)
        _ = try Init.constant_(w, 0.5)
        XCTAssertEqual(try w.mean().item(), 0.5)
        XCTAssertThrowsError(try Init.fans(Tensor.zeros([3])))
    }

    /// A model composed in Swift: ModuleDict entries and dotted submodule paths, PyTorch's names.
    func testModuleDictAndSubmodules() throws {
        final class Heads: Module {
            let body = try! Sequential([Linear(3, 4), ReLU()])
            let heads = try! ModuleDict([("mu", Linear(4, 2)), ("logvar", Linear(4, 2, bias: false))])
            override init() {
                super.init()
                try! registerModule("body", body)
                try! registerModule("heads", heads)
            }
            override func forward(_ x: Tensor) throws -> Tensor {
                let h = try body(x)
                return try heads["mu"]!(h) + heads["logvar"]!(h)
            }
        }
        let m = Heads()
        XCTAssertEqual(m.stateDict().map(\.0), ["body.0.weight", "body.0.bias", "heads.mu.weight", "heads.mu.bias", "heads.logvar.weight"])
        XCTAssertEqual(m.heads.keys, ["mu", "logvar"])
        XCTAssertTrue(try m.submodule("heads.logvar") === m.heads["logvar"]!)
        XCTAssertTrue(try m.submodule("") === m)
        XCTAssertThrowsError(try m.submodule("heads.sigma"))
        XCTAssertThrowsError(try m.heads.forward(Tensor.zeros([1, 4])))
        try Autograd.backward([m(Tensor.randn([5, 3])).sum()])
        XCTAssertTrue(m.parameters().allSatisfy { $0.grad != nil })
    }

    /// PyTorch's rules for a module or parameter reached twice: parameters, buffers and modules
    /// once (under the first name), the state dict under every name; and the bounds of a tree.
    func testSharedModulesComeOnceAndTreesAreBounded() throws {
        let lin = try Linear(2, 2)
        let inner = try Sequential([lin, ReLU(), lin])
        let model = try Sequential([inner, Sequential([inner])])
        XCTAssertEqual(model.namedParameters().map(\.0), ["0.0.weight", "0.0.bias"])
        XCTAssertEqual(model.parameters().count, 2)
        XCTAssertEqual(model.stateDict().map(\.0), ["0.0.weight", "0.0.bias", "0.2.weight", "0.2.bias",
                                                     "1.0.0.weight", "1.0.0.bias", "1.0.2.weight", "1.0.2.bias"])
        XCTAssertEqual(model.namedModules().map(\.0), ["", "0", "0.0", "0.1", "1"])
        XCTAssertEqual(model.namedModules(removeDuplicates: false).count, 10)
        XCTAssertEqual([model.depth, model.paths], [3, 10])
        model.eval()
        XCTAssertFalse(lin.training)
        // A cycle, a tree too deep, a tree of too many paths: refused, nothing changed.
        let outer = try Sequential([model])
        XCTAssertThrowsError(try inner.registerModule("loop", outer))
        XCTAssertEqual(inner.namedChildren.count, 3)
        var deep: Module = try Linear(1, 1)
        for _ in 0..<Module.maxDepth { deep = try Sequential([deep]) }
        XCTAssertEqual(deep.depth, Module.maxDepth)
        XCTAssertThrowsError(try Sequential([deep]))
        var wide: Module = try Linear(1, 1)
        for _ in 0..<19 { wide = try Sequential([wide, wide]) }
        XCTAssertEqual(wide.parameters().count, 2)
        XCTAssertThrowsError(try Sequential([wide, wide, wide]))
    }

    func testConv1dModuleIsTheFunctionWithItsParameters() throws {
        let conv = try Conv1d(4, 6, kernelSize: 3, stride: 2, padding: .explicit(1, 1))
        XCTAssertEqual(conv.stateDict().map(\.0), ["weight", "bias"])
        XCTAssertEqual(conv.weight.shape, [6, 4, 3])
        let x = try Tensor.randn([2, 4, 9])
        let y = try conv(x)
        XCTAssertEqual(y.shape, [2, 6, 5])
        XCTAssertEqual(try values(y), try values(conv1d(x, conv.weight, bias: conv.bias, stride: 2, padding: .explicit(1, 1))))
        XCTAssertThrowsError(try Conv1d(4, 6, kernelSize: 3, groups: 4))
    }
}
