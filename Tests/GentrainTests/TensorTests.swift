import XCTest
@testable import GentrainCore
import Foundation
import Gentrain

/// Tensors: creation, views over shared storage, dtypes, broadcasting, and the errors users hit.
final class TensorTests: XCTestCase {
    func testCreation() throws {
        XCTAssertEqual(try Tensor.arange(0, 5).toArray(Int64.self), [0, 1, 2, 3, 4])
        XCTAssertEqual(try Tensor.arange(1, 2, step: 0.25, dtype: .float64).toArray(Double.self), [1, 1.25, 1.5, 1.75])
        XCTAssertEqual(try Tensor.eye(2, 3).toArray(Float.self), [1, 0, 0, 0, 1, 0])
        XCTAssertEqual(try Tensor.full([2], 7, dtype: .int32).toArray(Int32.self), [7, 7])
        XCTAssertEqual(try Tensor.zeros([0, 3]).numel, 0)
        XCTAssertEqual(try Tensor.scalar(3).shape, [])
        let u = try Tensor.rand([1000]).toArray(Double.self)
        XCTAssertTrue(u.allSatisfy { $0 >= 0 && $0 < 1 })
        let r = try Tensor.randint(-3, 4, [1000]).toArray(Int64.self)
        XCTAssertEqual(Set(r), Set(-3...3))
        let n = try Tensor.randn([20000], dtype: .float64)
        XCTAssertEqual(try n.mean().item(), 0, accuracy: 0.03)
        XCTAssertEqual(try n.variance().item(), 1, accuracy: 0.05)
    }

    func testSeedingRepeats() throws {
        manualSeed(42)
        let a = try Tensor.randn([5]).toArray(Float.self)
        manualSeed(42)
        XCTAssertEqual(try Tensor.randn([5]).toArray(Float.self), a)
        let g = Generator(seed: 1), h = Generator(seed: 1)
        XCTAssertEqual(try Tensor.rand([4], generator: g).toArray(Float.self), try Tensor.rand([4], generator: h).toArray(Float.self))
    }

    func testRandpermFromAGeneratorOfItsOwn() throws {
        let g = Generator(seed: 3)
        let first = try Tensor.randperm(20, generator: g).toArray(Int64.self)
        XCTAssertEqual(first.sorted(), (0..<20).map(Int64.init))
        g.manualSeed(3)
        XCTAssertEqual(try Tensor.randperm(20, generator: g).toArray(Int64.self), first)
        XCTAssertEqual(try Tensor.randperm(4, dtype: .float32).dtype, .float32)
        XCTAssertThrowsError(try Tensor.randperm(300, dtype: .bfloat16))
        XCTAssertThrowsError(try Tensor.randperm(-1))
    }

    func testViewsShareStorage() throws {
        let x = try Tensor.arange(0, 24, dtype: .float32).reshape([2, 3, 4])
        let t = try x.transpose(0, 2)
        XCTAssertTrue(t.storage === x.storage)
        XCTAssertEqual(t.shape, [4, 3, 2])
        XCTAssertEqual(t.strides, [1, 4, 12])
        XCTAssertFalse(t.isContiguous)
        XCTAssertEqual(try t.contiguous().toArray(Float.self).prefix(4), [0, 12, 4, 16])
        let s = try x.slice(2, start: 1, end: 4, step: 2)
        XCTAssertTrue(s.storage === x.storage)
        XCTAssertEqual(try s.toArray(Float.self), [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23])
        let e = try Tensor([1, 2, 3] as [Float]).reshape([3, 1]).expand([3, 2])
        XCTAssertEqual(e.strides, [1, 0])
        XCTAssertEqual(try e.toArray(Float.self), [1, 1, 2, 2, 3, 3])
        XCTAssertEqual(try x.select(0, 1).select(0, 2).toArray(Float.self), [20, 21, 22, 23])
        XCTAssertEqual(try x.unsqueeze(0).shape, [1, 2, 3, 4])
        XCTAssertEqual(try x.unsqueeze(-1).squeeze().shape, [2, 3, 4])
        XCTAssertEqual(try x.permute([2, 0, 1]).shape, [4, 2, 3])
        XCTAssertEqual(try x.flatten().shape, [24])
        XCTAssertEqual(try x.reshape([-1, 4]).shape, [6, 4])
        // Reshape of a non-contiguous view copies; view refuses.
        XCTAssertEqual(try t.reshape([24]).toArray(Float.self).prefix(3), [0, 12, 4])
        XCTAssertThrowsError(try t.view([24]))
    }

    /// Copies of transposed matrices go in tiles: every element lands where it belongs, for
    /// sizes that are not multiples of the tile, with leading dimensions, and a view at an offset.
    func testTransposedCopies() throws {
        for (rows, cols) in [(37, 45), (8, 100), (64, 33)] {
            let x = try Tensor.arange(0, Double(3 * rows * cols)).reshape([3, rows, cols])
            let y = try x.transpose(1, 2).contiguous()                       // [3, cols, rows]
            let v = try y.toArray(Double.self)
            for b in 0..<3 { for i in 0..<cols { for j in 0..<rows {
                XCTAssertEqual(v[(b * cols + i) * rows + j], Double((b * rows + j) * cols + i))
            } } }
        }
        let m = try Tensor.arange(0, 40 * 30).reshape([40, 30])
        let part = try m.narrow(0, start: 3, length: 20).t().contiguous()    // [30, 20] from row 3 on
        XCTAssertEqual(try part.toArray(Double.self)[0..<3], [90, 120, 150])
        XCTAssertEqual(try part.toArray(Double.self)[20], 91)
    }

    func testBroadcastingArithmetic() throws {
        let a = try Tensor([1, 2, 3] as [Float]).reshape([3, 1])
        let b = try Tensor([10, 20] as [Float])
        XCTAssertEqual(try (a + b).toArray(Float.self), [11, 21, 12, 22, 13, 23])
        XCTAssertEqual(try (a * b).shape, [3, 2])
        XCTAssertThrowsError(try Tensor.zeros([2, 3]) + Tensor.zeros([4])) { error in
            let e = error as! GentrainError
            XCTAssertEqual(e.kind, .shape)
            XCTAssertTrue(e.message.contains("[2, 3]") && e.message.contains("[4]"), e.message)
        }
    }

    func testDTypesAndPromotion() throws {
        let f = try Tensor([1.5, -2.25] as [Float])
        XCTAssertEqual(try (f + Tensor([1, 2] as [Double])).dtype, .float64)
        XCTAssertEqual(try (f * Tensor.scalar(2, dtype: .float64)).dtype, .float32)   // a 0-d operand does not promote
        XCTAssertEqual(try (Tensor([1, 2] as [Int64]) + Tensor([3, 4] as [Int64])).toArray(Int64.self), [4, 6])
        XCTAssertEqual(try (Tensor([1, 2] as [Int64]) / Tensor([2, 4] as [Int64])).dtype, .float32)
        XCTAssertEqual(try f.to(.int64).toArray(Int64.self), [1, -2])   // truncates toward zero
        XCTAssertEqual(try f.to(.bool).toArray(Bool.self), [true, true])
        // Half types store rounded values and compute through float32.
        let h = try Tensor([1, 1.0009765625, 65504, 1e-8] as [Float]).to(.float16)
        XCTAssertEqual(try h.toArray(Float.self), [1, 1.0009765625, 65504, 0])
        let bf = try Tensor([1, 1.00390625, 1.01171875, 3e38] as [Float]).to(.bfloat16)
        XCTAssertEqual(try bf.toArray(Float.self), [1, 1, 1.015625, 3.0040553e38])
        XCTAssertEqual(try (bf * 2).dtype, .bfloat16)
        XCTAssertEqual(try bf.exp().dtype, .bfloat16)
        XCTAssertEqual(try h.sum().dtype, .float16)
        XCTAssertEqual(try Tensor([1, 2] as [Int64]).exp().dtype, .float32)   // integers in float32, as PyTorch's exp
        XCTAssertThrowsError(try Tensor([1, 2] as [Int64]).gelu())
    }

    /// Binary ops over broadcast or strided half-precision operands (computed in float32 blocks,
    /// without float32 copies): the bits of computing through float32 copies and rounding once,
    /// runs longer than a block, broadcasts on either side, a transposed and a sliced operand.
    func testBroadcastHalfPrecisionBinaryOpsRoundOnceFromFloat32() throws {
        for dtype in [DType.bfloat16, .float16] {
            let a = try Tensor.randn([3, 5, 4, 700]).to(dtype), bias = try Tensor.randn([1, 5, 1, 1]).to(dtype)
            let cases: [(Tensor, Tensor)] = [(a, bias), (bias, a), (try a.transpose(1, 3), try Tensor.randn([4, 1]).to(dtype)),
                                             (try a.narrow(3, start: 3, length: 500), try Tensor.randn([500]).to(dtype)),
                                             (try a.narrow(3, start: 1, length: 7).transpose(0, 2), try Tensor.randn([4, 1, 1, 1]).to(dtype))]
            for (x, y) in cases {
                for op in [BinaryOp.add, .sub, .mul, .div, .maximum] {
                    let got = try binaryRaw(x, y, op, "test")
                    let want = try binaryRaw(x.to(.float32), y.to(.float32), op, "test").to(dtype)
                    XCTAssertEqual(got.dtype, dtype)
                    XCTAssertEqual(got.shape, want.shape)
                    XCTAssertEqual(try got.to(.float32).toArray(Float.self).map(\.bitPattern),
                                   try want.to(.float32).toArray(Float.self).map(\.bitPattern), "\(dtype) \(op) \(x.shape) \(y.shape)")
                }
            }
        }
    }

    func testHostMemory() throws {
        var released = false
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: 4)
        buffer.initialize(from: [1, 2, 3, 4], count: 4)
        do {
            let t = try Tensor.borrowing(buffer, shape: [2, 2], dtype: .float32) { released = true }
            let v = try t.transpose(0, 1)
            buffer[1] = 20   // zero copy: the tensor sees host writes
            XCTAssertEqual(try v.toArray(Float.self), [1, 3, 20, 4])
        }
        XCTAssertTrue(released)
        buffer.deallocate()
        var out = [Double](repeating: 0, count: 3)
        try out.withUnsafeMutableBytes { try Tensor([1, 2, 3] as [Float]).copyOut(to: $0.baseAddress!, byteCount: $0.count, dtype: .float64) }
        XCTAssertEqual(out, [1, 2, 3])
        XCTAssertThrowsError(try Tensor([1, 2, 3] as [Float]).copyOut(to: &out, byteCount: 8))
    }

    func testBufferCacheReusesMemory() throws {
        let size = 1 << 20
        var first: UnsafeMutableRawPointer? = nil
        do { first = try Tensor.zeros([size / 4]).storage.data }
        let second = try Tensor.zeros([size / 4]).storage.data
        XCTAssertEqual(first, second)
        XCTAssertEqual(BufferCache.sizeClass(1000).size, 1024)
        XCTAssertEqual(BufferCache.sizeClass(1025).size, 1280)
        XCTAssertEqual(BufferCache.sizeClass(100).size, 128)
        // Classes are distinct and ordered: every size maps to the smallest class that holds it.
        var last = (index: -1, size: 0)
        for bytes in stride(from: 1, through: 1 << 22, by: 37) {
            let c = BufferCache.sizeClass(bytes)
            XCTAssertGreaterThanOrEqual(c.size, bytes)
            XCTAssertLessThanOrEqual(c.size, Swift.max(bytes + 63, bytes + bytes / 4 + 1))   // 64-byte steps, then quarters
            XCTAssertTrue(c.index > last.index ? c.size > last.size : c == last, "\(bytes)")
            last = c
        }
    }

    func testIndexingOps() throws {
        let x = try Tensor.arange(0, 12, dtype: .float32).reshape([3, 4])
        XCTAssertEqual(try x.indexSelect(0, Tensor([2, 0] as [Int64])).toArray(Float.self), [8, 9, 10, 11, 0, 1, 2, 3])
        XCTAssertEqual(try x.gather(1, Tensor([3, 0, 1, 1, 2, 2] as [Int64], shape: [3, 2])).toArray(Float.self), [3, 0, 5, 5, 10, 10])
        let s = try Tensor.zeros([2, 3]).scatterAdd(1, Tensor([0, 0, 2, 1] as [Int64], shape: [2, 2]), Tensor([1, 2, 3, 4] as [Float], shape: [2, 2]))
        XCTAssertEqual(try s.toArray(Float.self), [3, 0, 0, 0, 4, 3])
        // Integer running sums wrap around past int64's range, as PyTorch's (they trapped).
        XCTAssertEqual(try Tensor([Int64.max, 1, 2] as [Int64]).cumsum(dim: 0).toArray(Int64.self), [Int64.max, Int64.min, Int64.min + 2])
        // A src of fewer dimensions than the index is refused (it was read past its shape).
        XCTAssertThrowsError(try Tensor.zeros([2, 3]).scatterAdd(1, Tensor([0, 0, 2, 1] as [Int64], shape: [2, 2]), Tensor([1, 2] as [Float]))) {
            XCTAssertTrue("\($0)".contains("same number of dimensions as src"), "\($0)")
        }
        XCTAssertEqual(try x.maskedFill(x.gt(9), -1).toArray(Float.self).suffix(3), [9, -1, -1])
        let (v, i) = try x.max(dim: 1)
        XCTAssertEqual(try v.toArray(Float.self), [3, 7, 11])
        XCTAssertEqual(try i.toArray(Int64.self), [3, 3, 3])
        XCTAssertEqual(try Tensor.cat([x, x], dim: 0).shape, [6, 4])
        XCTAssertEqual(try Tensor.stack([x, x], dim: 2).shape, [3, 4, 2])
        XCTAssertEqual(try x.split(3, dim: 1).map(\.shape), [[3, 3], [3, 1]])
        XCTAssertEqual(try x.chunk(2, dim: 0).map(\.shape), [[2, 4], [1, 4]])
        // Out-of-range indices are errors, not crashes.
        XCTAssertThrowsError(try x.indexSelect(0, Tensor([3] as [Int64])))
        XCTAssertThrowsError(try x.gather(1, Tensor([4] as [Int64], shape: [1, 1])))
        XCTAssertThrowsError(try x.select(1, 4))
        XCTAssertThrowsError(try x.sum(dims: [2]))
        XCTAssertThrowsError(try embedding(Tensor([5] as [Int64]), Tensor.zeros([5, 2])))
    }

    func testReductionsAndSoftmax() throws {
        let x = try Tensor([1, 2, 3, 4, 5, 6] as [Double], shape: [2, 3])
        XCTAssertEqual(try x.sum(dims: [0]).toArray(Double.self), [5, 7, 9])
        XCTAssertEqual(try x.mean(dims: [1], keepdim: true).shape, [2, 1])
        XCTAssertEqual(try x.amax().item(), 6)
        XCTAssertEqual(try x.norm(p: 1).item(), 21)
        XCTAssertEqual(try x.logsumexp().item(), 6.456193316018123, accuracy: 1e-12)
        let big = try Tensor([1000, 1000] as [Float])
        XCTAssertEqual(try big.softmax(dim: 0).toArray(Float.self), [0.5, 0.5])
        XCTAssertEqual(try big.logsumexp().item(), 1000.6931471805599, accuracy: 1e-3)
        XCTAssertEqual(try Tensor([-Float.infinity, 0]).logSoftmax(dim: 0).toArray(Float.self), [-.infinity, 0])
    }
}

extension TensorTests {
    func testSizeClassesRoundTrip() {
        for bytes in [1, 64, 65, 512, 513, 1000, 4096, 65536, 65537, 1 << 30] {
            let c = BufferCache.sizeClass(bytes)
            XCTAssertEqual(BufferCache.classSize(c.index), c.size, "\(bytes)")
        }
        XCTAssertEqual(BufferCache.sizeClass(65536).index, BufferCache.localClasses - 1)
    }

    func testBuffersOfAThreadThatEndedAreReused() throws {
        BufferCache.release()   // empty this thread's list and the shared cache
        final class Box: @unchecked Sendable { var pointer: UnsafeMutableRawPointer? }
        let freedThere = Box()
        let thread = Thread {
            let t = try! Tensor.zeros([16])   // made and freed on the other thread: cached there
            freedThere.pointer = t.storage.data
        }
        thread.start()
        while !thread.isFinished { usleep(1000) }
        usleep(20000)   // the thread's cache hands its buffers to the shared cache as the thread ends
        let t = try Tensor.zeros([16])
        XCTAssertEqual(t.storage.data, freedThere.pointer)
    }

    /// Each op makes a tensor object: it must stay small enough for malloc's fast bins (chunks up
    /// to 128 bytes on 64-bit glibc, so at most 120 usable), where freeing it is cheap.
    func testATensorObjectFitsMallocsFastBins() throws {
        typealias UsableSize = @convention(c) (UnsafeMutableRawPointer?) -> Int   // glibc's malloc_usable_size
        let symbol = try XCTUnwrap(dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_usable_size"))
        let usableSize = unsafeBitCast(symbol, to: UsableSize.self)
        let t = try Tensor.zeros([4])
        let usable = withExtendedLifetime(t) { usableSize(Unmanaged.passUnretained(t).toOpaque()) }
        XCTAssertLessThanOrEqual(usable, 120, "the tensor object grew out of malloc's fast bins")
    }
}
