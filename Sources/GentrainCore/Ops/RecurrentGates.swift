/// The gate arithmetic of an LSTM and a GRU step, fused: one pass over the rows forward and
/// one backward, instead of one op (and one buffer) per gate. The matrix products stay outside
/// (the caller's `linear`s), so a layer can compute all steps' input projections in one GEMM.
///
/// Backward runs the fused kernel for first-order gradients; under `create_graph` it is the
/// same formula written with differentiable ops, so gradients of any order flow through.

/// Rows `[N, k·H]` → (N, H) for a gate tensor, checked against the state `[N, H]`.
private func gateSizes(_ name: String, _ gates: Int, _ gi: Tensor, _ gh: Tensor, _ state: Tensor) throws -> (Int, Int) {
    guard state.ndim == 2, gi.shape == [state.shape[0], gates * state.shape[1]], gh.shape == gi.shape else {
        throw GentrainError.shape("\(name): expected gate inputs [N, \(gates)·H] for a state [N, H]; got \(shapeString(gi.shape)), \(shapeString(gh.shape)) and \(shapeString(state.shape))")
    }
    guard gi.dtype.isFloatingPoint, gi.dtype == gh.dtype, gi.dtype == state.dtype else {
        throw GentrainError.dtype("\(name): expected floating point tensors of one dtype, got \(gi.dtype), \(gh.dtype) and \(state.dtype)")
    }
    return (state.shape[0], state.shape[1])
}

/// Contiguous copies in the compute dtype, for the kernels.
private func kernelOperands(_ ts: [Tensor?], _ ct: DType) throws -> [Tensor?] {
    try withNoGrad { try ts.map { t in try t.map { try $0.to(ct).contiguous() } } }
}

/// `cols` columns starting at `col` of a row-major `[rows, width]` tensor.
private func columns(_ t: Tensor, _ col: Int, _ cols: Int) throws -> Tensor {
    try t.narrow(1, start: col, length: cols)
}

/// The LSTM step's gates: pre-activations `gi + gh` (`[N, 4H]`, PyTorch's gate order input,
/// forget, cell, output), previous cell state `c` `[N, H]` → (h', c'), each `[N, H]`:
/// c' = σ(f)·c + σ(i)·tanh(g), h' = σ(o)·tanh(c').
package func lstmGates(_ gi: Tensor, _ gh: Tensor, _ c: Tensor) throws -> (h: Tensor, c: Tensor) {
    let (n, hidden) = try gateSizes("lstm_gates", 4, gi, gh, c)
    let dtype = c.dtype, ct = dtype.computeType
    let ops = try kernelOperands([gi, gh, c], ct)
    // act: the four activated gates [N, 4H]; tc = tanh(c') [N, H].
    let act = try Tensor(empty: [n, 4 * hidden], dtype: ct)
    let (h2, c2, tc) = (try Tensor(empty: [n, hidden], dtype: ct), try Tensor(empty: [n, hidden], dtype: ct),
                        try Tensor(empty: [n, hidden], dtype: ct))
    func forward<T: FloatElement>(_: T.Type) {
        let pa = act.pointer(T.self)
        binaryKernel(.add, ops[0]!.pointer(T.self), 1, ops[1]!.pointer(T.self), 1, pa, n * 4 * hidden)
        lstmForwardRows(n, hidden, pa, bias: nil, ops[2]!.pointer(T.self), c2.pointer(T.self), tc.pointer(T.self), h2.pointer(T.self))
    }
    if ct == .float32 { forward(Float.self) } else { forward(Double.self) }
    let (hOut, cOut) = ct == dtype ? (h2, c2) : try withNoGrad { (try h2.to(dtype), try c2.to(dtype)) }
    let outs = try recordMulti([hOut, cOut], "LstmGatesBackward", [gi, gh, c]) { node, gs in
        let dG: Tensor, dc: Tensor
        if GradMode.isEnabled {
            (dG, dc) = try lstmGatesBackwardOps(gi, gh, c, dh: gs[0], dc: gs[1])
        } else {
            (dG, dc) = try lstmGatesBackwardKernel(act, c: ops[2]!, tc: tc, dh: gs[0], dc: gs[1], n: n, hidden: hidden)
        }
        return Grads(node.needsInputGrad(0) ? dG : nil, node.needsInputGrad(1) ? dG : nil, node.needsInputGrad(2) ? dc : nil)
    }
    return (outs[0], outs[1])
}

/// First-order LSTM gate gradients in one pass: (d pre-activations `[N, 4H]`, d c `[N, H]`).
private func lstmGatesBackwardKernel(_ act: Tensor, c: Tensor, tc: Tensor, dh: Tensor?, dc: Tensor?,
                                     n: Int, hidden: Int) throws -> (Tensor, Tensor) {
    let ct = act.dtype
    // A gradient that did not arrive is zero (the kernel's loop then has no branches).
    let grads = try kernelOperands([dh, dc], ct).map { try $0 ?? Tensor.zeros([n, hidden], dtype: ct) }
    let dG = try Tensor(empty: [n, 4 * hidden], dtype: ct), dcPrev = try Tensor(empty: [n, hidden], dtype: ct)
    func run<T: FloatElement>(_: T.Type) {
        lstmBackwardRows(n, hidden, act.pointer(T.self), c.pointer(T.self), tc.pointer(T.self), grads[0].pointer(T.self),
                         grads[1].pointer(T.self), dG.pointer(T.self), dcPrev.pointer(T.self))
    }
    if ct == .float32 { run(Float.self) } else { run(Double.self) }
    return (dG, dcPrev)
}

/// The LSTM gate gradients written with differentiable ops (for `create_graph`).
func lstmGatesBackwardOps(_ gi: Tensor, _ gh: Tensor, _ c: Tensor, dh: Tensor?, dc: Tensor?) throws -> (Tensor, Tensor) {
    let gates = try gi.add(gh).chunk(4, dim: 1)
    let i = try gates[0].sigmoid(), f = try gates[1].sigmoid(), g = try gates[2].tanh(), o = try gates[3].sigmoid()
    let tc = try f.mul(c).add(i.mul(g)).tanh()
    let zeros = try Tensor.zeros(c.shape, dtype: c.dtype)
    let dh = dh ?? zeros
    let dct = try (dc ?? zeros).add(dh.mul(o).mul(tc.square().neg().add(1)))
    func dSigmoid(_ s: Tensor) throws -> Tensor { try s.mul(s.neg().add(1)) }
    let dG = try Tensor.cat([dct.mul(g).mul(dSigmoid(i)), dct.mul(c).mul(dSigmoid(f)),
                             dct.mul(i).mul(g.square().neg().add(1)), dh.mul(tc).mul(dSigmoid(o))], dim: 1)
    return (dG, try dct.mul(f))
}

/// The GRU step's gates: input projection `gi` and hidden projection `gh` (`[N, 3H]`, PyTorch's
/// order reset, update, new, biases included), previous state `h` `[N, H]` → h' `[N, H]`:
/// r = σ(gi_r + gh_r), z = σ(gi_z + gh_z), n = tanh(gi_n + r·gh_n), h' = (1 − z)·n + z·h.
package func gruGates(_ gi: Tensor, _ gh: Tensor, _ h: Tensor) throws -> Tensor {
    let (n, hidden) = try gateSizes("gru_gates", 3, gi, gh, h)
    let dtype = h.dtype, ct = dtype.computeType
    let ops = try kernelOperands([gi, gh, h], ct)
    // act: r, z and n after activation [N, 3H].
    let act = try Tensor(empty: [n, 3 * hidden], dtype: ct), h2 = try Tensor(empty: [n, hidden], dtype: ct)
    func forward<T: FloatElement>(_: T.Type) {
        gruForwardRows(n, hidden, ops[0]!.pointer(T.self), ops[1]!.pointer(T.self), ops[2]!.pointer(T.self), act.pointer(T.self),
                       h2.pointer(T.self))
    }
    if ct == .float32 { forward(Float.self) } else { forward(Double.self) }
    let out = ct == dtype ? h2 : try withNoGrad { try h2.to(dtype) }
    return try recordMulti([out], "GruGatesBackward", [gi, gh, h]) { node, gs in
        let (dgi, dgh, dh): (Tensor, Tensor, Tensor)
        if GradMode.isEnabled {
            (dgi, dgh, dh) = try gruGatesBackwardOps(gi, gh, h, dOut: gs[0]!)
        } else {
            (dgi, dgh, dh) = try gruGatesBackwardKernel(act, gh: ops[1]!, h: ops[2]!, dOut: gs[0]!, n: n, hidden: hidden)
        }
        return Grads(node.needsInputGrad(0) ? dgi : nil, node.needsInputGrad(1) ? dgh : nil, node.needsInputGrad(2) ? dh : nil)
    }[0]
}

/// First-order GRU gate gradients in one pass: (d gi `[N, 3H]`, d gh `[N, 3H]`, d h `[N, H]`).
private func gruGatesBackwardKernel(_ act: Tensor, gh: Tensor, h: Tensor, dOut: Tensor, n: Int,
                                    hidden: Int) throws -> (Tensor, Tensor, Tensor) {
    let ct = act.dtype
    let d = try kernelOperands([dOut], ct)[0]!
    let dgi = try Tensor(empty: [n, 3 * hidden], dtype: ct), dgh = try Tensor(empty: [n, 3 * hidden], dtype: ct)
    let dh = try Tensor(empty: [n, hidden], dtype: ct)
    func run<T: FloatElement>(_: T.Type) {
        gruBackwardRows(n, hidden, act.pointer(T.self), gh.pointer(T.self), h.pointer(T.self), d.pointer(T.self),
                        dgi.pointer(T.self), dgh.pointer(T.self), dh.pointer(T.self))
    }
    if ct == .float32 { run(Float.self) } else { run(Double.self) }
    return (dgi, dgh, dh)
}

/// The GRU gate gradients written with differentiable ops (for `create_graph`).
func gruGatesBackwardOps(_ gi: Tensor, _ gh: Tensor, _ h: Tensor, dOut: Tensor) throws -> (Tensor, Tensor, Tensor) {
    let hidden = h.shape[1]
    let r = try columns(gi, 0, hidden).add(columns(gh, 0, hidden)).sigmoid()
    let z = try columns(gi, hidden, hidden).add(columns(gh, hidden, hidden)).sigmoid()
    let ghn = try columns(gh, 2 * hidden, hidden)
    let nn = try columns(gi, 2 * hidden, hidden).add(r.mul(ghn)).tanh()
    let dn = try dOut.mul(z.neg().add(1)).mul(nn.square().neg().add(1))
    let dz = try dOut.mul(h.sub(nn)).mul(z.mul(z.neg().add(1)))
    let dr = try dn.mul(ghn).mul(r.mul(r.neg().add(1)))
    return (try Tensor.cat([dr, dz, dn], dim: 1), try Tensor.cat([dr, dz, dn.mul(r)], dim: 1), try dOut.mul(z))
}

// The row kernels, shared by the step ops above and the sequence ops (`lstmLayer`, `gruLayer`).

/// LSTM forward over `n` rows: `a` `[n, 4H]` holds the pre-activations (without `bias` `[4H]`,
/// when given, which is added here) and receives the activated gates; c `[n, H]` → c2,
/// tc = tanh(c2), h2.
func lstmForwardRows<T: FloatElement>(_ n: Int, _ hidden: Int, _ a: UnsafeMutablePointer<T>, bias: UnsafePointer<T>?, _ c: UnsafePointer<T>,
                                      _ c2: UnsafeMutablePointer<T>, _ tc: UnsafeMutablePointer<T>, _ h2: UnsafeMutablePointer<T>) {
    let width = 4 * hidden
    for r in 0..<n {
        let a = a + r * width
        if let bias { for j in 0..<width { a[j] += bias[j] } }
        // The activations as whole runs through the vectorized kernels.
        unaryKernel(.sigmoid, a, a, 2 * hidden)
        unaryKernel(.tanh, a + 2 * hidden, a + 2 * hidden, hidden)
        unaryKernel(.sigmoid, a + 3 * hidden, a + 3 * hidden, hidden)
        let cr = c + r * hidden, c2r = c2 + r * hidden, tcr = tc + r * hidden, hr = h2 + r * hidden
        for j in 0..<hidden { c2r[j] = a[hidden + j] * cr[j] + a[j] * a[2 * hidden + j] }
        unaryKernel(.tanh, c2r, tcr, hidden)
        for j in 0..<hidden { hr[j] = a[3 * hidden + j] * tcr[j] }
    }
}

/// LSTM backward over `n` rows: from the activated gates, c, tanh(c') and the gradients of h'
/// and c' to d pre-activations `[n, 4H]` and d c (`dcPrev` may be `dc`).
///
/// One short loop per output here and in `gruBackwardRows`: a loop that writes several arrays
/// while reading many others needs more overlap checks than the vectorizer makes, and runs scalar.
func lstmBackwardRows<T: FloatElement>(_ n: Int, _ hidden: Int, _ act: UnsafePointer<T>, _ c: UnsafePointer<T>,
                                       _ tc: UnsafePointer<T>, _ dh: UnsafePointer<T>, _ dc: UnsafePointer<T>,
                                       _ dG: UnsafeMutablePointer<T>, _ dcPrev: UnsafeMutablePointer<T>) {
    let width = 4 * hidden
    for r in 0..<n {
        let (i, f, cell, o) = (act + r * width, act + r * width + hidden, act + r * width + 2 * hidden, act + r * width + 3 * hidden)
        let (dI, dF, dCell, dO) = (dG + r * width, dG + r * width + hidden, dG + r * width + 2 * hidden, dG + r * width + 3 * hidden)
        let off = r * hidden
        let (t, dhr, dcr, cr, dct) = (tc + off, dh + off, dc + off, c + off, dcPrev + off)
        // d c' in total: its own gradient plus the path through h' = o·tanh(c')
        for j in 0..<hidden { dct[j] = dcr[j] + dhr[j] * o[j] * (1 - t[j] * t[j]) }
        for j in 0..<hidden { dO[j] = dhr[j] * t[j] * o[j] * (1 - o[j]) }
        for j in 0..<hidden { dI[j] = dct[j] * cell[j] * i[j] * (1 - i[j]) }
        for j in 0..<hidden { dCell[j] = dct[j] * i[j] * (1 - cell[j] * cell[j]) }
        for j in 0..<hidden { dF[j] = dct[j] * cr[j] * f[j] * (1 - f[j]) }
        for j in 0..<hidden { dct[j] *= f[j] }
    }
}

/// GRU forward over `n` rows: gi, gh `[n, 3H]`, h `[n, H]` → activated r, z, n in `act` and h'.
func gruForwardRows<T: FloatElement>(_ n: Int, _ hidden: Int, _ gi: UnsafePointer<T>, _ gh: UnsafePointer<T>,
                                     _ h: UnsafePointer<T>, _ act: UnsafeMutablePointer<T>, _ h2: UnsafeMutablePointer<T>) {
    let width = 3 * hidden
    for r in 0..<n {
        let a = act + r * width, x = gi + r * width, y = gh + r * width
        for j in 0..<(2 * hidden) { a[j] = x[j] + y[j] }
        unaryKernel(.sigmoid, a, a, 2 * hidden)
        for j in 0..<hidden { a[2 * hidden + j] = x[2 * hidden + j] + a[j] * y[2 * hidden + j] }
        unaryKernel(.tanh, a + 2 * hidden, a + 2 * hidden, hidden)
        let hr = h + r * hidden, out = h2 + r * hidden
        for j in 0..<hidden {
            let z = a[hidden + j], nj = a[2 * hidden + j]
            out[j] = nj + z * (hr[j] - nj)
        }
    }
}

/// GRU backward over `n` rows: d gi, d gh `[n, 3H]`, and the direct part of d h (d h'·z).
func gruBackwardRows<T: FloatElement>(_ n: Int, _ hidden: Int, _ act: UnsafePointer<T>, _ gh: UnsafePointer<T>,
                                      _ h: UnsafePointer<T>, _ dOut: UnsafePointer<T>, _ dgi: UnsafeMutablePointer<T>,
                                      _ dgh: UnsafeMutablePointer<T>, _ dh: UnsafeMutablePointer<T>) {
    let width = 3 * hidden
    for r in 0..<n {
        let (rg, z, nn, ghn) = (act + r * width, act + r * width + hidden, act + r * width + 2 * hidden, gh + r * width + 2 * hidden)
        let (dr, dz, dn) = (dgi + r * width, dgi + r * width + hidden, dgi + r * width + 2 * hidden)
        let off = r * hidden
        let (g, hr, dhr, dghr) = (dOut + off, h + off, dh + off, dgh + r * width)
        for j in 0..<hidden { dn[j] = g[j] * (1 - z[j]) * (1 - nn[j] * nn[j]) }
        for j in 0..<hidden { dz[j] = g[j] * (hr[j] - nn[j]) * z[j] * (1 - z[j]) }
        for j in 0..<hidden { dr[j] = dn[j] * ghn[j] * rg[j] * (1 - rg[j]) }
        for j in 0..<(2 * hidden) { dghr[j] = dr[j] }   // d r and d z, the same for gh
        for j in 0..<hidden { dghr[2 * hidden + j] = dn[j] * rg[j] }
        for j in 0..<hidden { dhr[j] = g[j] * z[j] }
    }
}
