import GentrainCore

/// Cross-entropy with class-index targets on logits rows `[M, C]`, fused with log-softmax:
/// the forward takes each row's log-sum-exp (`logSumExpRows`), then the target's and the
/// weighted logits' sums, and allocates only `[M]` values, so a language model's `[N*T, V]` logits get no
/// `[N*T, V]` log-probabilities; backward recomputes softmax, the one `[M, C]` buffer its
/// gradient needs, from differentiable ops (so double backward works).
///
/// Per row with target y (weights w, W = Σ w, smoothing ε, C classes):
/// `loss = (1−ε)·w_y·(lse − x_y) + ε/C·(W·lse − Σ_c w_c·x_c)`, 0 for ignored rows;
/// `d loss/dx = (1−ε)·w_y·(p − onehot_y) + ε/C·(W·p − w)`.
struct FusedCrossEntropy {
    let targets: [Int64]
    let classes: Int
    let ignoreIndex: Int64
    let weight: [Double]?
    let smoothing: Double

    /// `w_y` per row, 0 for ignored rows (the mean's denominator).
    var rowWeights: [Double] {
        targets.map { $0 == ignoreIndex ? 0 : (weight?[Int($0)] ?? 1) }
    }

    /// The losses `[M]` (`.none`), their sum, or their mean over the counted rows' weights (nan
    /// when every row is ignored, as PyTorch), with the reduction inside the op: one node.
    func apply(_ rows: Tensor, reduction: Reduction) throws -> Tensor {
        let rowW = rowWeights
        let scale = reduction == .mean ? 1 / rowW.reduce(0, +) : 1
        // The logits in their compute type, contiguous, and each row's log-sum-exp: the backward's
        // softmax is exp(x − lse), with no second pass over the rows.
        let (xc, lse, loss) = try withNoGrad { () throws -> (Tensor, Tensor, Tensor) in
            let x = try rows.contiguous()
            let computeType: DType = x.dtype == .float64 ? .float64 : .float32
            let xc = try x.to(computeType)
            let out = try Tensor.zeros([targets.count], dtype: computeType)
            let lse = try logSumExpRows(xc)
            if computeType == .float32 { forward(xc, lse, out, rowW, Float.self) } else { forward(xc, lse, out, rowW, Double.self) }
            guard reduction != .none else { return (xc, lse, try out.to(x.dtype)) }
            let total = computeType == .float32 ? sum(out, Float.self) : sum(out, Double.self)
            return (xc, lse, try Tensor.scalar(total * scale, dtype: x.dtype))
        }
        // Kept for the backward's one-pass gradient only where it applies (float32 or float64
        // logits): a converted copy is not held to the end of the forward pass for nothing.
        let forDirect = xc.dtype == rows.dtype ? (xc, lse) : nil
        return try record(loss, "CrossEntropyBackward", rows) { _, gOut in
            // Each row's incoming gradient: a reduction's one value, scaled for the mean.
            if !GradMode.isEnabled, let (xc, lse) = forDirect, gOut.dtype == xc.dtype {
                return Grads(try xc.dtype == .float32 ? directGradient(xc, lse, gOut, rowW, scale, Float.self)
                                                      : directGradient(xc, lse, gOut, rowW, scale, Double.self))
            }
            let x = rows
            let g = reduction == .none ? gOut : try gOut.mul(scale).expand([targets.count])
            let p = try x.softmax(dim: 1)
            let safe = try Tensor(targets.map { $0 == ignoreIndex ? 0 : $0 }).unsqueeze(1)
            let onehot = try Tensor.zeros(x.shape, dtype: x.dtype).scatterAdd(1, safe, Tensor.ones([targets.count, 1], dtype: x.dtype))
            var grad = try p.sub(onehot).mul(Tensor(rowW, shape: [targets.count, 1], dtype: x.dtype).mul(1 - smoothing))
            if smoothing > 0 {
                let valid = try Tensor(targets.map { $0 == ignoreIndex ? 0.0 : 1.0 }, shape: [targets.count, 1], dtype: x.dtype)
                let wc = try Tensor(weight ?? Array(repeating: 1, count: classes), shape: [1, classes], dtype: x.dtype)
                let total = weight?.reduce(0, +) ?? Double(classes)
                grad = try grad.add(p.mul(total).sub(wc).mul(valid).mul(smoothing / Double(classes)))
            }
            // Ignored rows get no gradient whatever g is (a mean over no rows makes g inf: PyTorch's
            // gradient is 0 there, not 0·inf = NaN).
            let counted = try Tensor(targets.map { $0 != ignoreIndex }, shape: [targets.count, 1])
            return Grads(try grad.mul(Tensor.where(counted, g.unsqueeze(1), Tensor.scalar(0, dtype: g.dtype))))
        }
    }

    /// The gradient in one pass over the logits `x` (contiguous float32 or float64, when no graph
    /// is recorded), softmax as exp(x − lse) from the forward's log-sum-exp: the composed form
    /// above builds a one-hot matrix and half a dozen temporaries, a tenth of a small classifier's
    /// training step. `gOut` is the loss's gradient: one value per row, or one for a reduction.
    private func directGradient<T: FloatElement>(_ x: Tensor, _ lse: Tensor, _ gOut: Tensor, _ rowW: [Double], _ scale: Double,
                                                 _: T.Type) throws -> Tensor {
        let p = try softmaxFromLogSumExp(x, lse)   // a fresh tensor: the gradient is written over it
        let c = classes, pp = p.pointer(T.self)
        let pg = gOut.pointer(T.self), gs = gOut.ndim == 0 ? 0 : gOut.strides[0], gScale = T(gOut.ndim == 0 ? scale : 1)
        let keep = T(1 - smoothing), perClass = T(smoothing / Double(classes))
        let wc = weight.map { $0.map { T($0) } }
        let total = T(weight?.reduce(0, +) ?? Double(classes))
        for m in 0..<targets.count {
            let row = pp + m * c
            // Ignored rows get no gradient whatever g is (see the composed form).
            guard targets[m] != ignoreIndex else {
                for j in 0..<c { row[j] = 0 }
                continue
            }
            let gm = pg[m * gs] * gScale, y = Int(targets[m])
            let a = gm * keep * T(rowW[m])
            if smoothing > 0 {
                let b = gm * perClass
                for j in 0..<c { row[j] = a * row[j] + b * (total * row[j] - (wc?[j] ?? 1)) }
            } else {
                for j in 0..<c { row[j] = a * row[j] }
            }
            row[y] -= a
        }
        return p
    }

    /// The rows' losses summed in float64.
    private func sum<T: FloatElement>(_ losses: Tensor, _: T.Type) -> Double {
        let p = losses.pointer(T.self)
        return (0..<losses.numel).reduce(0) { $0 + p[$1].doubleValue }
    }

    /// The losses from the logits and their rows' log-sum-exp.
    private func forward<T: FloatElement>(_ x: Tensor, _ lse: Tensor, _ out: Tensor, _ rowW: [Double], _: T.Type) {
        let px = x.pointer(T.self), po = out.pointer(T.self), pl = lse.pointer(T.self)
        let c = classes
        let eps = T(smoothing), keep = T(1 - smoothing), perClass = T(smoothing / Double(classes))
        let wc = weight.map { $0.map { T($0) } }
        let total = T(weight?.reduce(0, +) ?? Double(classes))
        for m in 0..<targets.count where targets[m] != ignoreIndex {
            let row = px + m * c, lse = pl[m]
            let y = Int(targets[m])
            var loss = keep * T(rowW[m]) * (lse - row[y])
            if eps > 0 {
                var weighted: T = 0
                if let wc { for j in 0..<c { weighted += wc[j] * row[j] } } else { for j in 0..<c { weighted += row[j] } }
                loss += perClass * (total * lse - weighted)
            }
            po[m] = loss
        }
    }
}
