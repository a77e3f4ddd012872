import XCTest
import Gentrain

/// Layer behaviour beyond the golden table: running statistics, evaluation mode, bad shapes.
final class LayerTests: XCTestCase {
    func testBatchNormRunningStatisticsAndEvaluation() throws {
        let x = try Tensor([1, 2, 3, 5, 10, 20, 30, 40] as [Double], shape: [4, 2])
        let mean = try Tensor.zeros([2], dtype: .float64), variance = try Tensor.ones([2], dtype: .float64)
        _ = try batchNorm(x, runningMean: mean, runningVar: variance, training: true, momentum: 0.5)
        // batch means 11.5 / 16.75; unbiased variances by hand
        let c0 = [1.0, 3, 10, 30], c1 = [2.0, 5, 20, 40]
        func unbiased(_ v: [Double]) -> Double {
            let m = v.reduce(0, +) / 4
            return v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / 3
        }
        assertClose(try values(mean), [0.5 * 11, 0.5 * 16.75], atol: 1e-12, rtol: 1e-12, "running mean")
        assertClose(try values(variance), [0.5 + 0.5 * unbiased(c0), 0.5 + 0.5 * unbiased(c1)], atol: 1e-12, rtol: 1e-12, "running var")
        let y = try batchNorm(x, runningMean: mean, runningVar: variance, training: false)
        XCTAssertEqual(try y.toArray(Double.self)[0], (1 - 5.5) / Foundation.sqrt(try values(variance)[0] + 1e-5), accuracy: 1e-12)
        XCTAssertThrowsError(try batchNorm(Tensor.zeros([1, 2]), runningMean: nil, runningVar: nil, training: true))
        XCTAssertThrowsError(try batchNorm(x, runningMean: nil, runningVar: nil, training: false))
    }

    func testConvolutionShapesAndErrors() throws {
        let x = try Tensor.randn([2, 4, 9, 9])
        XCTAssertEqual(try conv2d(x, Tensor.randn([8, 4, 4, 4]), stride: (2, 2), padding: .explicit(1, 1)).shape, [2, 8, 4, 4])
        XCTAssertEqual(try convTranspose2d(Tensor.randn([2, 8, 4, 4]), Tensor.randn([8, 4, 4, 4]), stride: (2, 2), padding: (1, 1)).shape,
                       [2, 4, 8, 8])
        XCTAssertEqual(try conv2d(x, Tensor.randn([3, 4, 3, 3]), padding: .same).shape, [2, 3, 9, 9])
        XCTAssertEqual(try maxPool2d(x, kernel: (2, 2)).shape, [2, 4, 4, 4])
        XCTAssertEqual(try adaptiveAvgPool2d(x, outputSize: (1, 1)).shape, [2, 4, 1, 1])
        XCTAssertEqual(try pixelShuffle(Tensor.randn([1, 12, 3, 3]), upscaleFactor: 2).shape, [1, 3, 6, 6])
        XCTAssertThrowsError(try conv2d(x, Tensor.randn([8, 3, 3, 3])))                        // channels
        XCTAssertThrowsError(try conv2d(x, Tensor.randn([6, 2, 3, 3]), groups: 3))             // groups
        XCTAssertThrowsError(try conv2d(x, Tensor.randn([8, 4, 3, 3]), stride: (2, 2), padding: .same))
        XCTAssertThrowsError(try conv2d(Tensor.randn([1, 4, 2, 2]), Tensor.randn([8, 4, 3, 3])))   // kernel larger than input
        XCTAssertThrowsError(try convTranspose2d(x, Tensor.randn([4, 2, 3, 3]), stride: (2, 2), outputPadding: (2, 0)))
        XCTAssertThrowsError(try maxPool2d(x, kernel: (2, 2), padding: (2, 2)))
        XCTAssertThrowsError(try x.unfold(WindowGeometry(kernel: (0, 1))))
    }
}
