import XCTest
import Gentrain

/// Asserts that two lists of values agree within `atol + rtol·|expected|` elementwise.
func assertClose(_ actual: [Double], _ expected: [Double], atol: Double, rtol: Double, _ what: String,
                 file: StaticString = #filePath, line: UInt = #line) {
    guard actual.count == expected.count else {
        XCTFail("\(what): \(actual.count) values, expected \(expected.count)", file: file, line: line)
        return
    }
    for (i, (a, e)) in zip(actual, expected).enumerated() {
        let ok = (a.isNaN && e.isNaN) || abs(a - e) <= atol + rtol * abs(e)
        if !ok {
            XCTFail("\(what)[\(i)]: \(a), expected \(e)", file: file, line: line)
            return
        }
    }
}

func values(_ t: Tensor?) throws -> [Double] { try t.map { try $0.toArray(Double.self) } ?? [] }

/// `Σ out · w` for weights of out's shape, the scalar whose gradients the checks use.
func weightedSum(_ out: Tensor, _ w: Tensor) throws -> Tensor { try (out * w.to(out.dtype)).sum() }

/// First-order gradients of `Σ f(x)·w` with respect to the inputs that require grad, with graph.
func firstOrder(_ f: ([Tensor]) throws -> Tensor, _ inputs: [Tensor], _ w: Tensor) throws -> [Tensor] {
    let wanted = inputs.filter(\.requiresGrad)
    let grads = try Autograd.grad(outputs: [weightedSum(f(inputs), w)], inputs: wanted, createGraph: true, allowUnused: true)
    return try zip(grads, wanted).map { g, x in try g ?? x.zerosLike() }
}

/// Second-order gradients: of `Σ_i Σ grad_i·v_i` with respect to the same inputs (zeros where unused).
func secondOrder(_ f: ([Tensor]) throws -> Tensor, _ inputs: [Tensor], _ w: Tensor, _ v: [Tensor]) throws -> [Tensor] {
    let wanted = inputs.filter(\.requiresGrad)
    let grads = try firstOrder(f, inputs, w)
    var s = try Tensor.scalar(0, dtype: w.dtype)
    for (g, vi) in zip(grads, v) { s = try s + (g * vi.to(g.dtype)).sum() }
    guard s.requiresGrad else { return try wanted.map { try $0.zerosLike() } }
    let gg = try Autograd.grad(outputs: [s], inputs: wanted, allowUnused: true)
    return try zip(gg, wanted).map { g, x in try g ?? x.zerosLike() }
}

/// Central differences of a scalar function of one input's elements (float64).
func numericGradient(_ inputs: [Tensor], _ index: Int, eps: Double = 1e-6, _ scalar: ([Tensor]) throws -> Double) throws -> [Double] {
    let base = try inputs[index].toArray(Double.self)
    var out = [Double](repeating: 0, count: base.count)
    for k in 0..<base.count {
        func at(_ delta: Double) throws -> Double {
            var shifted = base
            shifted[k] += delta
            var xs = inputs
            xs[index] = try Tensor(shifted, shape: inputs[index].shape, dtype: .float64)
            if inputs[index].requiresGrad { try xs[index].setRequiresGrad(true) }
            return try scalar(xs)
        }
        out[k] = try (at(eps) - at(-eps)) / (2 * eps)
    }
    return out
}

/// Checks the second-order gradients of `f` (its output weighted by `w`, the gradients by `v`)
/// against central differences of the first-order ones, for every input that requires grad.
func assertSecondOrderMatchesCentralDifferences(_ f: ([Tensor]) throws -> Tensor, _ inputs: [Tensor], _ w: Tensor, _ v: [Tensor],
                                                atol: Double, rtol: Double, _ what: String,
                                                file: StaticString = #filePath, line: UInt = #line) throws {
    let analytic = try secondOrder(f, inputs, w, v)
    var k = 0
    for (i, x) in inputs.enumerated() where x.requiresGrad {
        let numeric = try numericGradient(inputs, i) { xs in
            try zip(firstOrder(f, xs, w), v).reduce(0) { $0 + (try ($1.0 * $1.1).sum().item()) }
        }
        assertClose(try values(analytic[k]), numeric, atol: atol, rtol: rtol, "\(what) d2/dx\(i)", file: file, line: line)
        k += 1
    }
}

extension Tensor {
    /// This tensor, made to require grad.
    func requiringGrad() throws -> Tensor {
        try setRequiresGrad(true)
        return self
    }
}
