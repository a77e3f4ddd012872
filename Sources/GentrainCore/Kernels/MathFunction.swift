#if canImport(Glibc)
import Glibc
#endif

/// The less common elementwise functions, each computed in float64 (libm's, and erfinv) for every
/// floating dtype: exact enough for float32 results, and not worth a vector kernel of their own.
package enum MathFunction: Sendable {
    case sinh, cosh, tan, asin, acos, atan, asinh, acosh, atanh, exp2, erfc, erfinv

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
        }
    }
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
