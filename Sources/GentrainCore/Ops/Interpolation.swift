/// Resampling each plane of `[N, C, H, W]` from weighted taps of its rows and columns: nearest
/// (one tap) and bilinear (two) resizing. The resampling and its adjoint (adding each output back
/// onto its taps with the same weights) are each other's gradient, so every order of derivative
/// is one of the two; both run plane by plane (`planePass`).

/// Where each output line along one axis reads the input: `taps` input lines per output line,
/// each with its weight (`indices` and `weights` hold `outputs · taps` entries).
package struct PlaneTaps: Sendable {
    public let taps: Int
    public let indices: [Int]
    public let weights: [Double]
    /// The input size along the axis.
    public let inputSize: Int

    public init(taps: Int, indices: [Int], weights: [Double], inputSize: Int) throws {
        guard taps >= 1, indices.count == weights.count, indices.count % taps == 0,
              indices.allSatisfy({ (0..<inputSize).contains($0) }) else {
            throw GentrainError.argument("plane taps: \(indices.count) indices and \(weights.count) weights in groups of \(taps), inside 0..<\(inputSize), expected")
        }
        (self.taps, self.indices, self.weights, self.inputSize) = (taps, indices, weights, inputSize)
    }

    public var outputs: Int { indices.count / taps }

    /// The factor k when these taps repeat each input line k times (nearest resizing by a whole
    /// factor: output line o reads input line o / k, with weight 1), else nil.
    var repeatFactor: Int? {
        guard taps == 1, inputSize > 0, outputs >= inputSize, outputs % inputSize == 0 else { return nil }
        let k = outputs / inputSize
        for o in 0..<outputs where indices[o] != o / k || weights[o] != 1 { return nil }
        return k
    }
}

extension Tensor {
    /// `out[n, c, i, j] = Σ_a Σ_b rows.w[i, a] · columns.w[j, b] · self[n, c, rows[i, a], columns[j, b]]`.
    package func resamplePlanes(rows: PlaneTaps, columns: PlaneTaps) throws -> Tensor {
        guard ndim == 4, dtype.isFloatingPoint, shape[2] == rows.inputSize, shape[3] == columns.inputSize else {
            throw GentrainError.shape("resample_planes: expected a floating point [N, C, \(rows.inputSize), \(columns.inputSize)], got \(dtype) \(shapeString(shape))")
        }
        let out = try planePass(self, from: (shape[2], shape[3]), to: (rows.outputs, columns.outputs), rows, columns, adjoint: false)
        return try record(out, "ResamplePlanesBackward", self, saves: false) { _, g in Grads(try g.resamplePlanesAdjoint(rows: rows, columns: columns)) }
    }

    /// The adjoint of `resamplePlanes`: `[N, C, rows.inputSize, columns.inputSize]`, each element
    /// of `self` added onto its taps with their weights.
    package func resamplePlanesAdjoint(rows: PlaneTaps, columns: PlaneTaps) throws -> Tensor {
        guard ndim == 4, dtype.isFloatingPoint, shape[2] == rows.outputs, shape[3] == columns.outputs else {
            throw GentrainError.shape("resample_planes backward: expected a floating point [N, C, \(rows.outputs), \(columns.outputs)], got \(dtype) \(shapeString(shape))")
        }
        let out = try planePass(self, from: (shape[2], shape[3]), to: (rows.inputSize, columns.inputSize), rows, columns, adjoint: true)
        return try record(out, "ResamplePlanesAdjointBackward", self, saves: false) { _, g in Grads(try g.resamplePlanes(rows: rows, columns: columns)) }
    }
}

/// One pass over the planes: resampling (`adjoint` false: each output element gathers its taps)
/// or its adjoint (each input element of the pass is added onto its taps). Separably, through a
/// scratch `[planes, rows.inputSize, columns.outputs]`: resampling takes each input row's columns
/// once, then forms each output row from its taps' rows with contiguous multiply-adds; the adjoint
/// runs the two stages backward. (Gathering every output element's taps in one stage took each
/// input row's columns once per output row that reads it: 2× slower for bilinear by 2.)
private func planePass(_ t: Tensor, from: (Int, Int), to: (Int, Int), _ rows: PlaneTaps, _ columns: PlaneTaps, adjoint: Bool) throws -> Tensor {
    let planes = t.shape[0] * t.shape[1]
    let ct = t.dtype.computeType
    let x = try withNoGrad { try t.to(ct).contiguous() }
    if let kr = rows.repeatFactor, let kc = columns.repeatFactor {
        return try repeatPass(x, t.dtype, planes: planes, small: adjoint ? to : from, factor: (kr, kc), adjoint: adjoint)
    }
    let (lines, width) = (rows.inputSize, columns.outputs)   // the scratch planes' shape
    let scratch = try Tensor(empty: [planes, lines, width], dtype: ct)
    let out = try Tensor(empty: [t.shape[0], t.shape[1], to.0, to.1], dtype: ct, zeroed: true)
    func run<T: FloatElement>(_: T.Type) {
        let (px, po, ps) = (x.pointer(T.self), out.pointer(T.self), scratch.pointer(T.self))
        let (rk, ck) = (rows.taps, columns.taps)
        let (rowWeights, columnWeights) = (rows.weights.map { T($0) }, columns.weights.map { T($0) })
        columns.indices.withUnsafeBufferPointer { ci in
            columnWeights.withUnsafeBufferPointer { cw in
                parallelFor(planes, grain: 4) { block in
                    for p in block {
                        let (src, dst, mid) = (px + p * from.0 * from.1, po + p * to.0 * to.1, ps + p * lines * width)
                        /// Adds w·line to row r of the scratch (adjoint) or row i of the output.
                        func rowsStage(_ body: (_ i: Int, _ r: Int, _ w: T) -> Void) {
                            for i in 0..<rows.outputs {
                                for a in 0..<rk where rowWeights[i * rk + a] != 0 { body(i, rows.indices[i * rk + a], rowWeights[i * rk + a]) }
                            }
                        }
                        if adjoint {
                            mid.update(repeating: 0, count: lines * width)
                            rowsStage { i, r, w in
                                let (g, acc) = (src + i * width, mid + r * width)
                                for j in 0..<width { acc[j] += w * g[j] }
                            }
                            for r in 0..<lines {   // each scratch row added onto its columns' taps
                                let (v, acc) = (mid + r * width, dst + r * to.1)
                                if ck == 1 {
                                    for j in 0..<width { acc[ci[j]] += cw[j] * v[j] }
                                } else {
                                    for j in 0..<width { for b in 0..<ck { acc[ci[j * ck + b]] += cw[j * ck + b] * v[j] } }
                                }
                            }
                        } else {
                            for r in 0..<lines {   // each input row's columns, resampled
                                let (line, acc) = (src + r * from.1, mid + r * width)
                                switch ck {   // nearest and bilinear spelled out: the general loop costs 2× on them
                                case 1: for j in 0..<width { acc[j] = cw[j] * line[ci[j]] }
                                case 2: for j in 0..<width { acc[j] = cw[2 * j] * line[ci[2 * j]] + cw[2 * j + 1] * line[ci[2 * j + 1]] }
                                default:
                                    for j in 0..<width {
                                        var s: T = 0
                                        for b in 0..<ck { s += cw[j * ck + b] * line[ci[j * ck + b]] }
                                        acc[j] = s
                                    }
                                }
                            }
                            rowsStage { i, r, w in
                                let (v, acc) = (mid + r * width, dst + i * to.1)
                                for j in 0..<width { acc[j] += w * v[j] }
                            }
                        }
                    }
                }
            }
        }
    }
    if ct == .float32 { run(Float.self) } else { run(Double.self) }
    return ct == t.dtype ? out : try withNoGrad { try out.to(t.dtype) }
}

/// Nearest resizing by whole factors and its adjoint, without tap tables: each element of the
/// small planes (`small`, `[H, W]`) repeated into a `kr × kc` block of the large ones, or (adjoint)
/// each block summed into its element. `x` is contiguous in the compute dtype.
private func repeatPass(_ x: Tensor, _ dtype: DType, planes: Int, small: (Int, Int), factor: (Int, Int), adjoint: Bool) throws -> Tensor {
    let (h, w) = small, (kr, kc) = factor, wide = w * kc
    let shape = adjoint ? [x.shape[0], x.shape[1], h, w] : [x.shape[0], x.shape[1], h * kr, wide]
    let out = try Tensor(empty: shape, dtype: x.dtype)
    func run<T: FloatElement>(_: T.Type) {
        let (px, po) = (x.pointer(T.self), out.pointer(T.self))
        parallelFor(planes * h, grain: 16) { lines in
            for l in lines {   // line l of the small planes and its kr lines of the large ones
                let (line, block) = adjoint ? (po + l * w, px + l * kr * wide) : (px + l * w, po + l * kr * wide)
                if adjoint {   // row by row of the block, so the loops run along memory
                    line.update(repeating: 0, count: w)
                    for a in 0..<kr {
                        let row = block + a * wide
                        if kc == 2 {
                            for m in 0..<w { line[m] += row[2 * m] + row[2 * m + 1] }
                        } else {
                            for m in 0..<w { for b in 0..<kc { line[m] += row[m * kc + b] } }
                        }
                    }
                } else {
                    if kc == 2 {
                        for m in 0..<w { (block[2 * m], block[2 * m + 1]) = (line[m], line[m]) }
                    } else {
                        for m in 0..<w { for b in 0..<kc { block[m * kc + b] = line[m] } }
                    }
                    for a in 1..<kr { (block + a * wide).update(from: block, count: wide) }
                }
            }
        }
    }
    if x.dtype == .float32 { run(Float.self) } else { run(Double.self) }
    return x.dtype == dtype ? out : try withNoGrad { try out.to(dtype) }
}
