#if canImport(Glibc)
import Glibc
#endif

/// The less common elementwise functions, each computed in float64 (libm's, and erfinv) for every
/// floating dtype: exact enough for float32 results, and not worth a vector kernel of their own.
package enum MathFunction: Sendable {
    case sinh, cosh, tan, asin, acos, atan, asinh, acosh, atanh, exp2, erfc, erfinv
    /// log|Γ(x)|, ψ(x) = Γ'(x)/Γ(x), and ψ's n-th derivative (n ≥ 1).
    case lgamma, digamma, polygamma(Int)

    @inline(__always)
    func callAsFunction(_ x: Double) -> Double {
        switch self {
        case .sinh: Glibc.sinh(x)
        case .cosh: Glibc.cosh(x)
        case .tan: Glibc.tan(x)
        case .asin: Glibc.asin(x)
        case .acos: Glibc.acos(x)
        case .atan: Glibc.atan(x)
        case .asinh: Glibc.asinh(x)
        case .acosh: Glibc.acosh(x)
        case .atanh: Glibc.atanh(x)
        case .exp2: Glibc.exp2(x)
        case .erfc: Glibc.erfc(x)
        case .erfinv: inverseErf(x)
        case .lgamma: reentrantLgamma(x)
        case .digamma: psi(x)
        case .polygamma(let n): psi(n, x)
        }
    }
}

/// log|Γ(x)| from the reentrant lgamma_r (lgamma writes a global, which threads would race on).
private func reentrantLgamma(_ x: Double) -> Double {
    var sign: Int32 = 0
    return lgamma_r(x, &sign)
}

/// ψ(x): the reflection ψ(1 − x) − π/tan(πx) below 0 (NaN at the negative integers, −∞ at 0), the
/// recurrence ψ(x) = ψ(x + 1) − 1/x up to 10, then the asymptotic series.
private func psi(_ x: Double) -> Double {
    if x.isNaN || x == -.infinity { return .nan }
    if x == 0 { return -.infinity }
    if x < 0 {
        if x == x.rounded(.down) { return .nan }
        return psi(1 - x) - Double.pi / Glibc.tan(Double.pi * x)
    }
    var x = x, result = 0.0
    while x < 10 { result -= 1 / x; x += 1 }
    let inverse2 = 1 / (x * x)
    // ln x − 1/(2x) − Σ B₂ₖ/(2k x²ᵏ), k = 1...6
    let series = inverse2 * (1.0 / 12 - inverse2 * (1.0 / 120 - inverse2 * (1.0 / 252 - inverse2 * (1.0 / 240
                 - inverse2 * (1.0 / 132 - inverse2 * (691.0 / 32760 - inverse2 / 12))))))
    return result + Glibc.log(x) - 0.5 / x - series
}

/// B₂, B₄, …, B₁₄.
private let bernoulliNumbers: [Double] = [1.0 / 6, -1.0 / 30, 1.0 / 42, -1.0 / 30, 5.0 / 66, -691.0 / 2730, 7.0 / 6]

/// ψ⁽ⁿ⁾(x), n ≥ 1: the recurrence ψ⁽ⁿ⁾(x) = ψ⁽ⁿ⁾(x + 1) − (−1)ⁿ n!/xⁿ⁺¹ up to 20 (for x ≥ −1000, NaN below;
/// the poles at 0 and the negative integers give ±∞ by the sign of (−1)ⁿ⁺¹), then the asymptotic series
/// (−1)ⁿ⁺¹ [(n−1)!/xⁿ + n!/(2xⁿ⁺¹) + Σₖ B₂ₖ (2k+n−1)!/((2k)! x²ᵏ⁺ⁿ)].
private func psi(_ n: Int, _ x: Double) -> Double {
    let sign: Double = n % 2 == 1 ? 1 : -1   // (−1)ⁿ⁺¹
    if x.isNaN || x < -1000 || n > 100 { return .nan }   // below −1000 the recurrence would take too long
    if x <= 0 && x == x.rounded(.down) { return sign * .infinity }
    var factorial = 1.0
    for i in stride(from: 2, through: n, by: 1) { factorial *= Double(i) }   // n!
    var x = x, result = 0.0
    while x < 20 {   // ψ⁽ⁿ⁾(x) = ψ⁽ⁿ⁾(x + 1) + (−1)ⁿ⁺¹ n!/xⁿ⁺¹
        result += sign * factorial / Glibc.pow(x, Double(n + 1))
        x += 1
    }
    var sum = factorial / Double(n) / Glibc.pow(x, Double(n)) + factorial / (2 * Glibc.pow(x, Double(n + 1)))
    var coefficient = factorial   // (2k + n − 1)!/(2k)! from k = 1 on
    for (k, b) in bernoulliNumbers.enumerated() {
        let j = Double(2 * (k + 1))   // 2k
        coefficient *= k == 0 ? Double(n + 1) / 2 : (j + Double(n) - 2) * (j + Double(n) - 1) / ((j - 1) * j)
        sum += b * coefficient / Glibc.pow(x, j + Double(n))
    }
    return result + sign * sum
}

private let centralCoefficients: [Double] = [3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
                                             -0.00125372503, -0.00417768164, 0.246640727, 1.50140941]
private let tailCoefficients: [Double] = [0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
                                          0.00943887047, 1.00167406, 2.83297682]

/// erf⁻¹(y) for y in [−1, 1] (±∞ at ±1, NaN outside): Giles's single-precision approximation
/// ("Approximating the erfinv function", 2010) as the start, then two Newton steps on erf, which
/// bring it to float64 accuracy.
private func inverseErf(_ y: Double) -> Double {
    guard y.magnitude < 1 else { return y.magnitude == 1 ? y * .infinity : .nan }
    var w = -Glibc.log((1 - y) * (1 + y)), p: Double
    if w < 5 {
        w -= 2.5
        p = 2.81022636e-08
        for c in centralCoefficients { p = c + p * w }
    } else {
        w = w.squareRoot() - 3
        p = -0.000200214257
        for c in tailCoefficients { p = c + p * w }
    }
    var x = p * y
    for _ in 0..<2 {   // Newton on erf(x) − y, erf' = 2/√π·e^(−x²)
        x -= (Glibc.erf(x) - y) / (1.1283791670955126 * Glibc.exp(-x * x))
    }
    return x
}
