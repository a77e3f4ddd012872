/// PyTorch's `scatter_reduce`: src's elements reduced into a copy of self at `index` along a dim,
/// by sum, product, mean, maximum or minimum, with or without self's own values. Gradients are
/// PyTorch's: a tie of a maximum or minimum shares the gradient evenly, and the product's is exact
/// where factors are zero; written with differentiable ops, so that they are differentiable in turn.

/// How `scatterReduce` combines the values that meet at one place.
public enum ScatterReduction: Int32, CaseIterable, Sendable { case sum = 0, prod = 1, mean = 2, amax = 3, amin = 4 }

extension Tensor {
    /// `self` (floating point) with `src[…][j][…]` reduced into place `index[…][j][…]` along `dim`
    /// (torch.scatter_reduce): `includeSelf` false leaves self's values out of the places any index
    /// reaches (places no index reaches keep them). A mean divides by the values that met there.
    public func scatterReduce(_ d: Int, _ index: Tensor, _ src: Tensor, reduce: ScatterReduction,
                              includeSelf: Bool = true) throws -> Tensor {
        let i = try sizedDim(d, "scatter_reduce")
        guard dtype.isFloatingPoint else { throw GentrainError.dtype("scatter_reduce: expected a floating point tensor, got \(dtype)") }
        guard src.dtype == dtype else {
            throw GentrainError.dtype("scatter_reduce(): Expected self.dtype to be equal to src.dtype, got \(dtype) and \(src.dtype)")
        }
        let idx = try gatherPlan(i, index, "scatter_reduce")
        guard src.ndim == index.ndim else {
            throw GentrainError.shape("scatter_reduce: index tensor must have the same number of dimensions as src (\(index.ndim) vs \(src.ndim))")
        }
        for dd in 0..<index.ndim where index.shape[dd] > src.shape[dd] {
            throw GentrainError.shape("scatter_reduce: index \(shapeString(index.shape)) exceeds src \(shapeString(src.shape)) at dimension \(dd)")
        }
        let raw = try scatterReduceRaw(i, idx, src, reduce, includeSelf)
        guard (requiresGrad || src.requiresGrad) && GradMode.isEnabled else { return raw.out }
        let (x, counts, dtype) = (self, raw.counts, dtype)
        // Which of self's values and src's take part in each place's result.
        let selfIn = try includeSelf ? Tensor.ones(shape, dtype: dtype) : counts.eq(0).to(dtype)
        return try recordWithOutput(raw.out, "ScatterReduceBackward", x, src) { node, g, y in
            let take = (node.needsInputGrad(0), node.needsInputGrad(1))
            switch reduce {
            case .sum:
                return Grads(take.0 ? try g.mul(selfIn) : nil, take.1 ? try g.gather(i, index) : nil)
            case .mean:
                let n = try counts.add(selfIn)   // ≥ 1 everywhere
                let share = try g.div(n)
                return Grads(take.0 ? try share.mul(selfIn) : nil, take.1 ? try share.gather(i, index) : nil)
            case .amax, .amin:
                // The values equal to the result share its gradient.
                let yd = y.detach()
                let selfTies = try x.detach().eq(yd).to(dtype).mul(selfIn)
                let srcTies = try src.detach().eq(yd.gather(i, index)).to(dtype)
                let ties = try selfTies.scatterAdd(i, index, srcTies)
                let share = try g.div(ties)
                return Grads(take.0 ? try share.mul(selfTies) : nil, take.1 ? try share.gather(i, index).mul(srcTies) : nil)
            case .prod:
                // ∂y/∂v = y / v for a factor v ≠ 0; for the one zero of a place, the product of its
                // other factors; 0 where a place has two zeros or more.
                let gy = try g.mul(y)
                let zero = try Tensor.scalar(0, dtype: dtype), one = try Tensor.scalar(1, dtype: dtype)
                let xZero = try x.eq(zero), sZero = try src.eq(zero)
                let xNonzero = try Tensor.where(xZero, one, x), sNonzero = try Tensor.where(sZero, one, src)
                let zeros = try xZero.to(dtype).mul(selfIn).scatterAdd(i, index, sZero.to(dtype))
                let others = try xNonzero.scatterReduce(i, index, sNonzero, reduce: .prod, includeSelf: includeSelf)
                    .mul(zeros.eq(1).to(dtype)).mul(g)   // g · (the product of the nonzero factors) where one is zero
                let gx = try Tensor.where(xZero, others, gy.div(xNonzero)).mul(selfIn)
                let gs = try Tensor.where(sZero, others.gather(i, index), gy.gather(i, index).div(sNonzero))
                return Grads(take.0 ? gx : nil, take.1 ? gs : nil)
            }
        }
    }

    /// The reduction itself, and how many of src's values met at each place (as self's dtype).
    private func scatterReduceRaw(_ i: Int, _ idx: Tensor, _ src: Tensor, _ reduce: ScatterReduction,
                                  _ includeSelf: Bool) throws -> (out: Tensor, counts: Tensor) {
        let out = try withNoGrad { try to(dtype.computeType).contiguousCopy() }
        let s = try withNoGrad { try src.to(out.dtype) }
        let counts = try Tensor(empty: shape, dtype: out.dtype, zeroed: true)
        var walk = out.strides
        if ndim > 0 { walk[i] = 0 }
        let step = ndim == 0 ? 0 : out.strides[i]
        func run<T: FloatElement>(_: T.Type) {
            let po = out.pointer(T.self), ps = s.pointer(T.self), pc = counts.pointer(T.self), pi = idx.pointer(Int64.self)
            /// Every (place, value) pair of the scatter, in index order.
            func scatter(_ body: (Int, T) -> Void) {
                var k = 0
                forEachRun(idx.shape, [walk, s.strides]) { off, n, inner in
                    for e in 0..<n {
                        body(off[0] + e * inner[0] + Int(pi[k]) * step, ps[off[1] + e * inner[1]])
                        k += 1
                    }
                }
            }
            scatter { at, _ in pc[at] += 1 }
            if !includeSelf {   // the places reached start from the reduction's identity
                let identity: T = switch reduce { case .sum, .mean: 0; case .prod: 1; case .amax: -.infinity; case .amin: .infinity }
                for at in 0..<out.numel where pc[at] > 0 { po[at] = identity }
            }
            switch reduce {
            case .sum, .mean: scatter { at, v in po[at] += v }
            case .prod: scatter { at, v in po[at] *= v }
            case .amax: scatter { at, v in po[at] = v > po[at] || v.isNaN ? v : po[at] }
            case .amin: scatter { at, v in po[at] = v < po[at] || v.isNaN ? v : po[at] }
            }
            if reduce == .mean {
                for at in 0..<out.numel where pc[at] > 0 { po[at] /= pc[at] + (includeSelf ? 1 : 0) }
            }
        }
        if out.dtype == .float32 { run(Float.self) } else { run(Double.self) }
        return (try withNoGrad { try out.to(dtype) }, try withNoGrad { try counts.to(dtype) })
    }
}
