/// One recurrent layer over a whole sequence as one autograd node, the way a training library
/// runs an LSTM or GRU: the input projections of all steps in one GEMM, then per step one
/// [N, H] × [H, k·H] product and the fused gate kernel. Backward runs through time with the
/// gate kernels and leaves the weight gradients to three GEMMs over all T·N rows at once
/// (instead of T small ones).
///
/// The batch's rows are independent through time, so the recurrences split the batch across the
/// threads (`parallelFor` over rows, one block per thread, see `rowBlock`): each thread runs every
/// step for its rows, with no synchronization between steps; the per-step products are too small
/// to split well themselves. The forward's product reads W_hh transposed, as [H, k·H], where it is
/// packed once per call (`ReusedOperand`).
///
/// Under `create_graph`, backward is the same recurrence written with differentiable ops
/// (recomputing the forward from the inputs), so gradients of any order flow through time.

/// The checked sizes of a layer: steps, batch, input and hidden size.
private struct LayerSizes {
    let steps: Int, batch: Int, input: Int, hidden: Int

    init(_ name: String, gates: Int, _ x: Tensor, _ h0: Tensor, _ wih: Tensor, _ whh: Tensor, _ bih: Tensor?, _ bhh: Tensor?) throws {
        guard x.ndim == 3, x.shape[0] > 0, h0.ndim == 2, h0.shape[0] == x.shape[1], h0.shape[1] > 0 else {
            throw GentrainError.shape("\(name): expected input [T > 0, N, I] and state [N, H]; got \(shapeString(x.shape)) and \(shapeString(h0.shape))")
        }
        (steps, batch, input, hidden) = (x.shape[0], x.shape[1], x.shape[2], h0.shape[1])
        let rows = gates * hidden
        guard wih.shape == [rows, input], whh.shape == [rows, hidden], bih.map({ $0.shape == [rows] }) ?? true,
              bhh.map({ $0.shape == [rows] }) ?? true else {
            throw GentrainError.shape("\(name): expected weight_ih \(shapeString([rows, input])), weight_hh \(shapeString([rows, hidden])) and biases [\(rows)]; got \(shapeString(wih.shape)), \(shapeString(whh.shape))")
        }
        let all = [x, h0, wih, whh] + [bih, bhh].compactMap { $0 }
        guard all.allSatisfy({ $0.dtype == x.dtype }), x.dtype.isFloatingPoint else {
            throw GentrainError.dtype("\(name): expected floating point tensors of one dtype")
        }
    }
}

/// Rows per block when a recurrence splits the batch across the threads: one block per thread
/// (at least 8 rows), so that each thread's per-step products have as many rows as they can. On
/// the packing GEMM a [8, 256] · [256, 1024] product runs at 2/3 the speed of a [16, 256] ·
/// [256, 1024] one; with blocks of 8 rows (four for two threads), W2's LSTM ran only 1.2× faster
/// on two threads than on one.
private func rowBlock(_ n: Int) -> Int { Swift.max(8, n / Threads.usable) }

/// Contiguous copies in the compute dtype, for the kernels (nil stays nil).
private func operands(_ ts: [Tensor?], _ ct: DType) throws -> [Tensor?] {
    try withNoGrad { try ts.map { t in try t.map { try $0.to(ct).contiguous() } } }
}

/// A row-major matrix `[rows, cols]` at `p`, or its transpose.
@inline(__always)
private func matrix<T>(_ p: UnsafeMutablePointer<T>, _ cols: Int, transposed: Bool = false) -> MatrixOperand<T> {
    transposed ? MatrixOperand(pointer: p, rowStride: 1, colStride: cols) : MatrixOperand(pointer: p, rowStride: cols, colStride: 1)
}

/// `out[rows, width] = x[rows, in] · wT + b1 + b2` (biases optional), `wT` `[in, width]`.
private func project<T: FloatElement>(_ rows: Int, _ width: Int, _ inSize: Int, _ x: UnsafeMutablePointer<T>, _ wT: MatrixOperand<T>,
                                      _ biases: [UnsafeMutablePointer<T>], _ out: UnsafeMutablePointer<T>) {
    gemm(rows, width, inSize, matrix(x, inSize), wT, out, ldc: width, beta: fillBiases(rows, width, biases, out))
}

/// Fills `out[rows, width]` with the sum of the biases (each `[width]`) when there are any;
/// returns the beta with which a product then adds to `out`.
private func fillBiases<T: FloatElement>(_ rows: Int, _ width: Int, _ biases: [UnsafeMutablePointer<T>], _ out: UnsafeMutablePointer<T>) -> T {
    guard !biases.isEmpty else { return 0 }
    guard rows > 0 else { return 1 }
    out.update(from: biases[0], count: width)
    for b in biases.dropFirst() { for j in 0..<width { out[j] += b[j] } }
    repeatFirstRow(out, rows: rows, width: width)
    return 1
}

/// The weight, bias and input gradients from the pre-activation gradients `dG` `[T·N, k·H]` of
/// one projection: dW = dGᵀ·x, db = Σ rows of dG, dx = dG·W (each when wanted).
private func projectionGrads<T: FloatElement>(_ rowCount: Int, _ width: Int, _ inSize: Int, _ dG: UnsafeMutablePointer<T>,
                                              _ x: UnsafeMutablePointer<T>, _ w: UnsafeMutablePointer<T>, dW: Tensor?, db: Tensor?, dx: Tensor?) {
    if let dW { gemm(width, inSize, rowCount, matrix(dG, width, transposed: true), matrix(x, inSize), dW.pointer(T.self), ldc: inSize) }
    if let db { columnSums(dG, rows: rowCount, width: width, into: db.pointer(T.self)) }
    if let dx { gemm(rowCount, inSize, width, matrix(dG, width), matrix(w, inSize), dx.pointer(T.self), ldc: inSize) }
}

/// One LSTM layer: x `[T, N, I]`, h0 and c0 `[N, H]`, weights `[4H, I]`, `[4H, H]`, biases `[4H]`
/// (PyTorch's gate order) → (output `[T, N, H]`, h_T, c_T).
package func lstmLayer(_ x: Tensor, _ h0: Tensor, _ c0: Tensor, weightIH: Tensor, weightHH: Tensor, biasIH: Tensor?,
                      biasHH: Tensor?) throws -> (output: Tensor, h: Tensor, c: Tensor) {
    let z = try LayerSizes("lstm", gates: 4, x, h0, weightIH, weightHH, biasIH, biasHH)
    guard c0.shape == h0.shape, c0.dtype == h0.dtype else {
        throw GentrainError.shape("lstm: c0 \(shapeString(c0.shape)) must match h0 \(shapeString(h0.shape))")
    }
    let (steps, n, inSize, hidden) = (z.steps, z.batch, z.input, z.hidden), width = 4 * hidden, rows = steps * n
    let dtype = x.dtype, ct = dtype.computeType
    let ops = try operands([x, h0, c0, weightIH, weightHH, biasIH, biasHH], ct)
    // Saved for backward: the activated gates of every step, h_0…h_T, c_0…c_T and tanh(c_1…c_T).
    let act = try Tensor(empty: [steps, n, width], dtype: ct)
    let hs = try Tensor(empty: [steps + 1, n, hidden], dtype: ct), cs = try Tensor(empty: [steps + 1, n, hidden], dtype: ct)
    let tcs = try Tensor(empty: [steps, n, hidden], dtype: ct)
    // The two biases as one, added by the gate kernel (no pass over all T·N rows to fill them in).
    let bias = try withNoGrad { () -> Tensor? in
        switch (ops[5], ops[6]) {
        case let (bi?, bh?): try bi.add(bh)
        case let (b?, nil), let (nil, b?): b
        case (nil, nil): nil
        }
    }
    func forward<T: FloatElement>(_: T.Type) {
        let pa = act.pointer(T.self), ph = hs.pointer(T.self), pc = cs.pointer(T.self), ptc = tcs.pointer(T.self)
        let state = n * hidden, pb = bias.map { UnsafePointer($0.pointer(T.self)) }
        project(rows, width, inSize, ops[0]!.pointer(T.self), matrix(ops[3]!.pointer(T.self), inSize, transposed: true), [], pa)
        ph.update(from: ops[1]!.pointer(T.self), count: state)
        pc.update(from: ops[2]!.pointer(T.self), count: state)
        let recurrent = ReusedOperand(matrix(ops[4]!.pointer(T.self), hidden, transposed: true), k: hidden, n: width)   // W_hhᵀ
        parallelFor(n, grain: rowBlock(n)) { block in
            let (r0, m) = (block.lowerBound, block.count)
            for t in 0..<steps {
                let a = pa + (t * n + r0) * width, s = t * state + r0 * hidden
                recurrent.product(m, matrix(ph + s, hidden), a, ldc: width, beta: 1)
                lstmForwardRows(m, hidden, a, bias: pb, pc + s, pc + s + state, ptc + s, ph + s + state)
            }
        }
    }
    if ct == .float32 { forward(Float.self) } else { forward(Double.self) }
    let results = try withNoGrad { try [hs.narrow(0, start: 1, length: steps), hs.select(0, steps), cs.select(0, steps)].map { try $0.to(dtype) } }
    let inputs = [x, h0, c0, weightIH, weightHH] + [biasIH, biasHH].compactMap { $0 }
    let outs = try recordMulti(results, "LstmBackward", inputs) { node, gs in
        if GradMode.isEnabled {
            return try lstmLayerBackwardOps(x, h0, c0, weightIH, weightHH, biasIH, biasHH, gs, node)
        }
        let d = try operands(gs, ct)
        let wanted = (0..<inputs.count).map { node.needsInputGrad($0) }
        let dG = try Tensor(empty: [steps, n, width], dtype: ct)
        // dc and the next step's dc in two buffers, swapped each step (no aliasing in the kernel's loop).
        let dh = try Tensor.zeros([n, hidden], dtype: ct), dcs = try [Tensor.zeros([n, hidden], dtype: ct), Tensor.zeros([n, hidden], dtype: ct)]
        let grads = try [x, weightIH, weightHH].enumerated().map { k, t in wanted[[0, 3, 4][k]] ? try Tensor(empty: t.shape, dtype: ct) : nil }
        let db = wanted.count > 5 && (wanted[5] || wanted.last!) ? try Tensor(empty: [width], dtype: ct) : nil
        func backward<T: FloatElement>(_: T.Type) {
            let pg = dG.pointer(T.self), state = n * hidden
            if let g = d[1] { dh.pointer(T.self).update(from: g.pointer(T.self), count: state) }
            if let g = d[2] { dcs[0].pointer(T.self).update(from: g.pointer(T.self), count: state) }
            let whh = ops[4]!.pointer(T.self), recurrent = ReusedOperand(matrix(whh, hidden), k: width, n: hidden)
            parallelFor(n, grain: rowBlock(n)) { block in
                let (r0, m) = (block.lowerBound, block.count), o = r0 * hidden
                let pdh = dh.pointer(T.self) + o
                var (pdc, next) = (dcs[0].pointer(T.self) + o, dcs[1].pointer(T.self) + o)
                for t in (0..<steps).reversed() {
                    let s = t * state + o, gt = pg + (t * n + r0) * width
                    if let g = d[0] { binaryKernel(.add, pdh, 1, g.pointer(T.self) + s, 1, pdh, m * hidden) }
                    lstmBackwardRows(m, hidden, act.pointer(T.self) + (t * n + r0) * width, cs.pointer(T.self) + s,
                                     tcs.pointer(T.self) + s, pdh, pdc, gt, next)
                    swap(&pdc, &next)
                    recurrent.product(m, matrix(gt, width), pdh, ldc: hidden, beta: 0)
                }
            }
            projectionGrads(rows, width, inSize, pg, ops[0]!.pointer(T.self), ops[3]!.pointer(T.self), dW: grads[1], db: db, dx: grads[0])
            projectionGrads(rows, width, hidden, pg, hs.pointer(T.self), whh, dW: grads[2], db: nil, dx: nil)
        }
        if ct == .float32 { backward(Float.self) } else { backward(Double.self) }
        var all: [Tensor?] = [grads[0], dh, dcs[steps % 2], grads[1], grads[2]]   // where the last swap left dc
        if biasIH != nil { all.append(db) }
        if biasHH != nil { all.append(db) }
        return Grads(zip(all, wanted).map { $1 ? $0 : nil })
    }
    return (outs[0], outs[1], outs[2])
}

/// The LSTM layer's backward with differentiable ops: the forward again, step by step, then
/// back through time.
private func lstmLayerBackwardOps(_ x: Tensor, _ h0: Tensor, _ c0: Tensor, _ wih: Tensor, _ whh: Tensor, _ bih: Tensor?,
                                  _ bhh: Tensor?, _ gs: [Tensor?], _ node: Node) throws -> Grads {
    let (steps, n, hidden) = (x.shape[0], x.shape[1], h0.shape[1])
    let gis = try linear(x, wih, bih).unbind(0)
    var hs = [h0], cs = [c0], ghs: [Tensor] = []
    for t in 0..<steps {
        ghs.append(try linear(hs[t], whh, bhh))
        let (h, c) = try lstmGates(gis[t], ghs[t], cs[t])
        hs.append(h)
        cs.append(c)
    }
    let douts = try gs[0]?.unbind(0)
    var dh = try gs[1] ?? Tensor.zeros([n, hidden], dtype: h0.dtype), dc = try gs[2] ?? Tensor.zeros([n, hidden], dtype: h0.dtype)
    var dGs = [Tensor?](repeating: nil, count: steps)
    for t in (0..<steps).reversed() {
        if let douts { dh = try dh.add(douts[t]) }
        let (dG, dcPrev) = try lstmGatesBackwardOps(gis[t], ghs[t], cs[t], dh: dh, dc: dc)
        dGs[t] = dG
        dh = try dG.matmul(whh)
        dc = dcPrev
    }
    return try sequenceGrads(x, wih, whh, bih, bhh, dGI: dGs.map { $0! }, dGH: nil, hs: hs, extra: [dh, dc], node)
}

/// The gradients of x, the weights and biases from the per-step pre-activation gradients (the
/// GRU's hidden projection has its own, `dGH`), in the layer's input order.
private func sequenceGrads(_ x: Tensor, _ wih: Tensor, _ whh: Tensor, _ bih: Tensor?, _ bhh: Tensor?, dGI: [Tensor], dGH: [Tensor]?,
                           hs: [Tensor], extra: [Tensor], _ node: Node) throws -> Grads {
    let (steps, n, inSize, hidden) = (x.shape[0], x.shape[1], x.shape[2], hs[0].shape[1])
    let gi = try Tensor.stack(dGI).reshape([steps * n, -1]), gh = try dGH.map { try Tensor.stack($0).reshape([steps * n, -1]) } ?? gi
    let hprev = try Tensor.stack(Array(hs.prefix(steps))).reshape([steps * n, hidden])
    let k = extra.count + 1   // index of weight_ih
    func want(_ i: Int) -> Bool { node.needsInputGrad(i) }
    var grads: [Tensor?] = [want(0) ? try gi.matmul(wih).reshape([steps, n, inSize]) : nil]
    grads += extra.enumerated().map { want($0.offset + 1) ? $0.element : nil }
    grads.append(want(k) ? try gi.t().matmul(x.reshape([steps * n, inSize])) : nil)
    grads.append(want(k + 1) ? try gh.t().matmul(hprev) : nil)
    var next = k + 2
    if bih != nil { grads.append(want(next) ? try gi.sum(dims: [0]) : nil); next += 1 }
    if bhh != nil { grads.append(want(next) ? try gh.sum(dims: [0]) : nil) }
    return Grads(grads)
}

/// One GRU layer: x `[T, N, I]`, h0 `[N, H]`, weights `[3H, I]`, `[3H, H]`, biases `[3H]`
/// (PyTorch's gate order) → (output `[T, N, H]`, h_T).
package func gruLayer(_ x: Tensor, _ h0: Tensor, weightIH: Tensor, weightHH: Tensor, biasIH: Tensor?,
                     biasHH: Tensor?) throws -> (output: Tensor, h: Tensor) {
    let z = try LayerSizes("gru", gates: 3, x, h0, weightIH, weightHH, biasIH, biasHH)
    let (steps, n, inSize, hidden) = (z.steps, z.batch, z.input, z.hidden), width = 3 * hidden, rows = steps * n
    let dtype = x.dtype, ct = dtype.computeType
    let ops = try operands([x, h0, weightIH, weightHH, biasIH, biasHH], ct)
    // Saved for backward: the input and hidden projections and activated gates of every step, h_0…h_T.
    let gis = try Tensor(empty: [steps, n, width], dtype: ct), ghs = try Tensor(empty: [steps, n, width], dtype: ct)
    let act = try Tensor(empty: [steps, n, width], dtype: ct), hs = try Tensor(empty: [steps + 1, n, hidden], dtype: ct)
    func forward<T: FloatElement>(_: T.Type) {
        let pgi = gis.pointer(T.self), pgh = ghs.pointer(T.self), pa = act.pointer(T.self), ph = hs.pointer(T.self)
        let state = n * hidden, bhh = ops[5].map { [$0.pointer(T.self)] } ?? []
        project(rows, width, inSize, ops[0]!.pointer(T.self), matrix(ops[2]!.pointer(T.self), inSize, transposed: true),
                ops[4].map { [$0.pointer(T.self)] } ?? [], pgi)
        ph.update(from: ops[1]!.pointer(T.self), count: state)
        let recurrent = ReusedOperand(matrix(ops[3]!.pointer(T.self), hidden, transposed: true), k: hidden, n: width)   // W_hhᵀ
        parallelFor(n, grain: rowBlock(n)) { block in
            let (r0, m) = (block.lowerBound, block.count)
            for t in 0..<steps {
                let at = (t * n + r0) * width, s = t * state + r0 * hidden
                let beta = fillBiases(m, width, bhh, pgh + at)
                recurrent.product(m, matrix(ph + s, hidden), pgh + at, ldc: width, beta: beta)
                gruForwardRows(m, hidden, pgi + at, pgh + at, ph + s, pa + at, ph + s + state)
            }
        }
    }
    if ct == .float32 { forward(Float.self) } else { forward(Double.self) }
    let results = try withNoGrad { try [hs.narrow(0, start: 1, length: steps), hs.select(0, steps)].map { try $0.to(dtype) } }
    let inputs = [x, h0, weightIH, weightHH] + [biasIH, biasHH].compactMap { $0 }
    let outs = try recordMulti(results, "GruBackward", inputs) { node, gs in
        if GradMode.isEnabled {
            return try gruLayerBackwardOps(x, h0, weightIH, weightHH, biasIH, biasHH, gs, node)
        }
        let d = try operands(gs, ct)
        let wanted = (0..<inputs.count).map { node.needsInputGrad($0) }
        let dGI = try Tensor(empty: [steps, n, width], dtype: ct), dGH = try Tensor(empty: [steps, n, width], dtype: ct)
        // dh and the previous step's dh in two buffers, swapped each step (no aliasing in the kernel's loop).
        let dhs = try [Tensor.zeros([n, hidden], dtype: ct), Tensor.zeros([n, hidden], dtype: ct)]
        let grads = try [x, weightIH, weightHH].enumerated().map { k, t in wanted[[0, 2, 3][k]] ? try Tensor(empty: t.shape, dtype: ct) : nil }
        let dbi = biasIH != nil && wanted[4] ? try Tensor(empty: [width], dtype: ct) : nil
        let dbh = biasHH != nil && wanted.last! ? try Tensor(empty: [width], dtype: ct) : nil
        func backward<T: FloatElement>(_: T.Type) {
            let state = n * hidden, whh = ops[3]!.pointer(T.self), recurrent = ReusedOperand(matrix(whh, hidden), k: width, n: hidden)
            if let g = d[1] { dhs[0].pointer(T.self).update(from: g.pointer(T.self), count: state) }
            parallelFor(n, grain: rowBlock(n)) { block in
                let (r0, m) = (block.lowerBound, block.count), o = r0 * hidden
                var (pdh, previous) = (dhs[0].pointer(T.self) + o, dhs[1].pointer(T.self) + o)
                for t in (0..<steps).reversed() {
                    let s = t * state + o, at = (t * n + r0) * width, gh = dGH.pointer(T.self) + at
                    if let g = d[0] { binaryKernel(.add, pdh, 1, g.pointer(T.self) + s, 1, pdh, m * hidden) }
                    gruBackwardRows(m, hidden, act.pointer(T.self) + at, ghs.pointer(T.self) + at, hs.pointer(T.self) + s,
                                    pdh, dGI.pointer(T.self) + at, gh, previous)
                    recurrent.product(m, matrix(gh, width), previous, ldc: hidden, beta: 1)
                    swap(&pdh, &previous)
                }
            }
            projectionGrads(rows, width, inSize, dGI.pointer(T.self), ops[0]!.pointer(T.self), ops[2]!.pointer(T.self),
                            dW: grads[1], db: dbi, dx: grads[0])
            projectionGrads(rows, width, hidden, dGH.pointer(T.self), hs.pointer(T.self), whh, dW: grads[2], db: dbh, dx: nil)
        }
        if ct == .float32 { backward(Float.self) } else { backward(Double.self) }
        var all: [Tensor?] = [grads[0], dhs[steps % 2], grads[1], grads[2]]   // where the last swap left dh
        if biasIH != nil { all.append(dbi) }
        if biasHH != nil { all.append(dbh) }
        return Grads(zip(all, wanted).map { $1 ? $0 : nil })
    }
    return (outs[0], outs[1])
}

/// The GRU layer's backward with differentiable ops.
private func gruLayerBackwardOps(_ x: Tensor, _ h0: Tensor, _ wih: Tensor, _ whh: Tensor, _ bih: Tensor?, _ bhh: Tensor?,
                                 _ gs: [Tensor?], _ node: Node) throws -> Grads {
    let (steps, n, hidden) = (x.shape[0], x.shape[1], h0.shape[1])
    let gis = try linear(x, wih, bih).unbind(0)
    var hs = [h0], ghs: [Tensor] = []
    for t in 0..<steps {
        ghs.append(try linear(hs[t], whh, bhh))
        hs.append(try gruGates(gis[t], ghs[t], hs[t]))
    }
    let douts = try gs[0]?.unbind(0)
    var dh = try gs[1] ?? Tensor.zeros([n, hidden], dtype: h0.dtype)
    var dGI = [Tensor?](repeating: nil, count: steps), dGH = dGI
    for t in (0..<steps).reversed() {
        if let douts { dh = try dh.add(douts[t]) }
        let (dgi, dgh, direct) = try gruGatesBackwardOps(gis[t], ghs[t], hs[t], dOut: dh)
        (dGI[t], dGH[t]) = (dgi, dgh)
        dh = try direct.add(dgh.matmul(whh))
    }
    return try sequenceGrads(x, wih, whh, bih, bhh, dGI: dGI.map { $0! }, dGH: dGH.map { $0! }, hs: hs, extra: [dh], node)
}
