/// Matrix products: matmul (batched, broadcasting) and linear, on the BLAS (float32, float64) or the
/// packing GEMM (bfloat16 operands).
import CGentrainKernels

extension Tensor {
    /// PyTorch's `matmul`: dot product for 1-D·1-D, matrix-vector, matrix-matrix, and
    /// batched products whose batch dimensions broadcast.
    public func matmul(_ other: Tensor) throws -> Tensor {
        let (a, b) = (try Autocast.lowerPrecision(self), try Autocast.lowerPrecision(other))
        if a !== self || b !== other { return try a.matmul(b) }
        guard ndim > 0 && other.ndim > 0 else {
            throw GentrainError.shape("matmul: both arguments need at least 1 dimension, got \(ndim)D and \(other.ndim)D")
        }
        if ndim == 1 && other.ndim == 1 {
            return try unsqueeze(0).matmul(other.unsqueeze(1)).reshape([])
        }
        if ndim == 1 { return try unsqueeze(0).matmul(other).squeeze(-2) }
        if other.ndim == 1 { return try matmul(other.unsqueeze(1)).squeeze(-1) }
        if other.ndim == 2 && ndim > 2 && isContiguous {   // fold the batch into the rows
            return try reshape([-1, shape[ndim - 1]]).matmul(other).reshape(Array(shape.dropLast()) + [other.shape[1]])
        }
        return try matmulND(other)
    }

    /// The product of two tensors of at least 2 dimensions each.
    private func matmulND(_ other: Tensor) throws -> Tensor {
        let (m, k) = (shape[ndim - 2], shape[ndim - 1])
        let (k2, n) = (other.shape[other.ndim - 2], other.shape[other.ndim - 1])
        guard k == k2 else {
            throw GentrainError.shape("matmul: mat1 and mat2 shapes cannot be multiplied (\(m)x\(k) and \(k2)x\(n)); shapes \(shapeString(shape)) and \(shapeString(other.shape))")
        }
        let dtype = DType.promote(self.dtype, other.dtype)
        guard dtype.isFloatingPoint else { throw GentrainError.dtype("matmul: expected floating point tensors, got \(self.dtype) and \(other.dtype)") }
        try checkBlasSizes(m, n, k)
        let batch = try broadcastShapes(Array(shape.dropLast(2)), Array(other.shape.dropLast(2)), "matmul")
        // bfloat16 operands (with float32 or bfloat16 ones) go to the packing GEMM as they are;
        // other products convert to their compute type and run on the BLAS.
        let packed = GemmBackend.packing.isAvailable && [self.dtype, other.dtype].contains(.bfloat16)
            && [self.dtype, other.dtype].allSatisfy { $0 == .bfloat16 || $0 == .float32 }
        let ct = packed ? .float32 : dtype.computeType
        let (a, b) = packed ? (self, other) : try withNoGrad { (try converted(ct), try other.converted(ct)) }
        let out = try Tensor(empty: batch + [m, n], dtype: ct)
        let sa = broadcastStrides(a, to: batch + [m, k]), sb = broadcastStrides(b, to: batch + [k, n])
        /// Each product of the batch: `product(aOffset, bOffset, outOffset)`, in elements.
        func forEachProduct(_ product: (Int, Int, Int) -> Void) {
            var index = 0
            forEachRun(batch, [Array(sa.dropLast(2)), Array(sb.dropLast(2))]) { off, count, inner in
                for j in 0..<count {
                    product(off[0] + j * inner[0], off[1] + j * inner[1], index * m * n)
                    index += 1
                }
            }
        }
        func run<T: FloatElement>(_: T.Type) {
            let pa = a.pointer(T.self), pb = b.pointer(T.self), po = out.pointer(T.self)
            forEachProduct { ao, bo, co in
                gemm(m, n, k, MatrixOperand(pointer: pa + ao, rowStride: sa[sa.count - 2], colStride: sa[sa.count - 1]),
                     MatrixOperand(pointer: pb + bo, rowStride: sb[sb.count - 2], colStride: sb[sb.count - 1]), po + co, ldc: n)
            }
        }
        if out.numel == 0 {
            // Nothing to compute: no loop over a batch of empty matrices (a batch of 2^48 [0, 0]
            // products ran for hours, found by fuzz_capi).
        } else if packed {
            let po = out.pointer(Float.self)
            var failure: Error?
            forEachProduct { ao, bo, co in
                guard failure == nil else { return }
                do {
                    try packedGemm(m, n, k, gt_matrix(a, offset: ao, rowStride: sa[sa.count - 2], colStride: sa[sa.count - 1]),
                                   gt_matrix(b, offset: bo, rowStride: sb[sb.count - 2], colStride: sb[sb.count - 1]), po + co, ldc: n)
                } catch { failure = error }
            }
            if let failure { throw failure }
        } else if ct == .float32 { run(Float.self) } else { run(Double.self) }
        let result = ct == dtype ? out : try withNoGrad { try out.to(dtype) }
        let (x, y) = (self, other)
        return try record(result, "MmBackward", x, y) { node, g in
            Grads(node.needsInputGrad(0) ? try g.matmul(y.transpose(-1, -2)) : nil,
                  node.needsInputGrad(1) ? try x.transpose(-1, -2).matmul(g) : nil)
        }
    }
}

extension Tensor {
    /// This tensor's elements in `dtype`, laid out as they are when they fill their span of
    /// memory densely in some order (a transposed matrix stays transposed: the product reads it
    /// through the BLAS transpose flag instead of a strided copy, which took 2 ms for a bfloat16
    /// [1024, 1024] weight against 0.3 ms converted in place). Other views convert contiguously.
    /// No gradient is recorded.
    fileprivate func converted(_ dtype: DType) throws -> Tensor {
        if dtype == self.dtype { return self }
        let dims = (0..<ndim).filter { shape[$0] > 1 }.sorted { strides[$0] < strides[$1] }
        var expected = 1
        for d in dims {
            guard strides[d] == expected else { return try to(dtype) }
            expected *= shape[d]
        }
        let out = Tensor(storage: try Storage(byteCount: Swift.max(numel, 1) * dtype.itemSize), shape: shape,
                         strides: strides, offset: 0, dtype: dtype)
        convertElements(storage.data + offset * self.dtype.itemSize, self.dtype, out.storage.data, dtype, numel)
        return out
    }
}

/// OpenBLAS takes 32-bit sizes: larger matrices are an error, not a trap.
private func checkBlasSizes(_ m: Int, _ n: Int, _ k: Int) throws {
    let limit = Int(Int32.max)
    guard m < limit, n < limit, k < limit, m * Swift.max(k, 1) < limit * 64, k * Swift.max(n, 1) < limit * 64 else {
        throw GentrainError(.unsupported, "matmul: matrices of \(m)x\(k) and \(k)x\(n) exceed the 32-bit sizes of the BLAS interface")
    }
}

/// `x Wᵀ + b` for `x` `[*, in]`, `weight` `[out, in]`, `bias` `[out]` (PyTorch's `F.linear`),
/// as one GEMM that starts from the broadcast bias.
public func linear(_ x: Tensor, _ weight: Tensor, _ bias: Tensor? = nil) throws -> Tensor {
    let (cx, cw, cb) = (try Autocast.lowerPrecision(x), try Autocast.lowerPrecision(weight), try Autocast.lowerPrecision(bias))
    if cx !== x || cw !== weight || cb !== bias { return try linear(cx, cw, cb) }
    guard weight.ndim == 2, x.ndim >= 1, x.shape[x.ndim - 1] == weight.shape[1] else {
        throw GentrainError.shape("linear: input \(shapeString(x.shape)) and weight \(shapeString(weight.shape)) cannot be multiplied (expected input [*, \(weight.ndim == 2 ? weight.shape[1] : -1)])")
    }
    let (outF, inF) = (weight.shape[0], weight.shape[1])
    if let bias, bias.shape != [outF] {
        throw GentrainError.shape("linear: bias of shape \(shapeString(bias.shape)) does not match \(outF) output features")
    }
    let dtype = x.dtype
    // bfloat16 runs on the packing GEMM into a float32 result (the bias added there, one rounding
    // to bfloat16 at the end, as a fused addmm does).
    let packed = dtype == .bfloat16 && GemmBackend.packing.isAvailable
    guard dtype == .float32 || dtype == .float64 || packed, weight.dtype == dtype, bias.map({ $0.dtype == dtype }) ?? true else {
        // Mixed or half dtypes: the general path handles promotion and compute types.
        let y = try x.matmul(weight.t())
        return try bias.map { try y.add($0) } ?? y
    }
    let rows = x.numel / Swift.max(inF, 1)
    try checkBlasSizes(rows, outF, inF)
    let x2 = try withNoGrad { try x.contiguous() }
    let b = try bias.map { b in try withNoGrad { try b.contiguous() } }
    var outShape = x.shape
    outShape[outShape.count - 1] = outF
    let out = try Tensor(empty: outShape, dtype: packed ? .float32 : dtype)
    /// The bias in each row of the result, to start the product from.
    func startFromBias<T: FloatElement>(_: T.Type) {
        guard let b, rows > 0 else { return }
        let po = out.pointer(T.self)
        if T.self == Float.self && b.dtype == .bfloat16 {
            convertElements(b.storage.data + b.offset * 2, .bfloat16, po, .float32, outF)
        } else {
            po.update(from: b.pointer(T.self), count: outF)
        }
        repeatFirstRow(po, rows: rows, width: outF)
    }
    func run<T: FloatElement>(_: T.Type) {
        startFromBias(T.self)
        gemm(rows, outF, inF,
             MatrixOperand(pointer: x2.pointer(T.self), rowStride: inF, colStride: 1),
             MatrixOperand(pointer: weight.pointer(T.self), rowStride: weight.strides[1], colStride: weight.strides[0]),
             out.pointer(T.self), ldc: outF, beta: bias == nil ? 0 : 1)
    }
    let result: Tensor
    if packed {
        startFromBias(Float.self)
        try packedGemm(rows, outF, inF, gt_matrix(x2, rowStride: inF, colStride: 1),
                       gt_matrix(weight, rowStride: weight.strides[1], colStride: weight.strides[0]),
                       out.pointer(Float.self), ldc: outF, beta: bias == nil ? 0 : 1)
        result = try withNoGrad { try out.to(.bfloat16) }
    } else {
        if dtype == .float32 { run(Float.self) } else { run(Double.self) }
        result = out
    }
    let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
    defer {   // the backward reads x and the weight, not the bias
        result.gradFn?.save(x, index: 0)
        result.gradFn?.save(weight, index: 1)
    }
    return try record(result, "LinearBackward", inputs, saves: false) { node, g in
        if !packed && !GradMode.isEnabled && g.dtype == dtype {   // no graph to record: three direct products
            let gc = try g.contiguous()
            let (wantX, wantW, wantB) = (node.needsInputGrad(0), node.needsInputGrad(1), bias != nil && node.needsInputGrad(2))
            return dtype == .float32 ? try linearGradients(Float.self, gc, x, weight, bias, wantX, wantW, wantB)
                                     : try linearGradients(Double.self, gc, x, weight, bias, wantX, wantW, wantB)
        }
        let g2 = try g.reshape([-1, outF])
        var grads: [Tensor?] = [
            node.needsInputGrad(0) ? try g.matmul(weight) : nil,
            node.needsInputGrad(1) ? try g2.t().matmul(x.reshape([-1, inF])) : nil,
        ]
        if bias != nil { grads.append(node.needsInputGrad(2) ? try g2.sum(dims: [0]) : nil) }
        return Grads(grads)
    }
}

/// linear's gradients without recording (each computed when wanted), from the contiguous output
/// gradient `g` [rows, outF]: dx = g·W [rows, inF], dW = gᵀ·x [outF, inF] and, when there is a
/// bias, db = g summed over rows [outF], each straight into its result (shaped like its input,
/// sharing the input's shape and strides where it can).
private func linearGradients<T: FloatElement>(_: T.Type, _ g: Tensor, _ x: Tensor, _ weight: Tensor, _ bias: Tensor?,
                                              _ wantX: Bool, _ wantW: Bool, _ wantB: Bool) throws -> Grads {
    let (outF, inF) = (weight.shape[0], weight.shape[1])
    let rows = g.numel / Swift.max(outF, 1), pg = g.pointer(T.self)
    var dx: Tensor?, dw: Tensor?, db: Tensor?
    if wantX {
        let out = try Tensor(emptyLike: x, dtype: x.dtype)
        gemm(rows, inF, outF, MatrixOperand(pointer: pg, rowStride: outF, colStride: 1),
             MatrixOperand(pointer: weight.pointer(T.self), rowStride: weight.strides[0], colStride: weight.strides[1]),
             out.pointer(T.self), ldc: inF)
        dx = out
    }
    if wantW {
        let xc = try x.contiguous(), out = try Tensor(emptyLike: weight, dtype: weight.dtype)
        gemm(outF, inF, rows, MatrixOperand(pointer: pg, rowStride: 1, colStride: outF),
             MatrixOperand(pointer: xc.pointer(T.self), rowStride: inF, colStride: 1), out.pointer(T.self), ldc: inF)
        dw = out
    }
    if wantB, let bias {
        let out = try Tensor(emptyLike: bias, dtype: weight.dtype)
        columnSums(pg, rows: rows, width: outF, into: out.pointer(T.self))
        db = out
    }
    return bias == nil ? Grads(dx, dw) : Grads(dx, dw, db)
}
