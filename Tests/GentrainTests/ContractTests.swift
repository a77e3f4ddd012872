import Gentrain
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The embedding contract from Swift: values that used to trap are errors, anomaly mode names
/// the op, and one object used from two threads is a misuse error.
final class ContractTests: XCTestCase {
    func testSchedulerStatesAreCheckedBeforeAnyChange() throws {
        let p = try Tensor.zeros([2])
        try p.setRequiresGrad(true)
        let opt = try SGD([p], lr: 0.1)
        let s = try StepLR(opt, stepSize: 3)
        var d = s.stateDict()
        for bad in [Double.nan, .infinity, 9.3e18, 2.5] {
            d["last_epoch"] = [bad]
            XCTAssertThrowsError(try s.loadStateDict(d))
        }
        d = s.stateDict()
        d["step_size"] = [0]
        d["last_epoch"] = [5]
        XCTAssertThrowsError(try s.loadStateDict(d))
        XCTAssertEqual(s.lastEpoch, 0)   // nothing changed
        XCTAssertEqual(s.stepSize, 3)
    }

    func testIntegerExtremaAreExact() throws {
        let x = try Tensor([5, -7, 3, 9, -2, 1] as [Int32], shape: [2, 3])
        let (values, indices) = try x.max(dim: 1)
        XCTAssertEqual(try values.toArray(Int32.self), [5, 9])
        XCTAssertEqual(try indices.toArray(Int64.self), [0, 0])
        let big = try Tensor([1 << 60, (1 << 60) + 1] as [Int64])
        XCTAssertEqual(try big.argmax(dim: 0).item(), 1)
        XCTAssertEqual(try x.amin().item(), -7)
    }

    func testNonFiniteHelpersAndAnomalyMode() throws {
        let x = try Tensor([0, .nan, .infinity, -.infinity, 1.5] as [Float])
        XCTAssertEqual(try x.isnan().toArray(Bool.self), [false, true, false, false, false])
        XCTAssertEqual(try x.isfinite().toArray(Bool.self), [true, false, false, false, true])
        XCTAssertEqual(try x.nanToNum(posinf: 9).toArray(Float.self), [0, 0, 9, -Float.greatestFiniteMagnitude, 1.5])

        let negative = try Tensor([-1] as [Float])
        try negative.setRequiresGrad(true)
        try AnomalyMode.with(enabled: true) {
            XCTAssertThrowsError(try negative.log()) { error in
                XCTAssertTrue("\(error)".contains("forward of 'Log'"), "\(error)")
            }
            let zero = try Tensor([0] as [Float])
            try zero.setRequiresGrad(true)
            XCTAssertThrowsError(try Autograd.backward([zero.sqrt().sum()])) { error in
                XCTAssertTrue("\(error)".contains("Function 'SqrtBackward' returned inf"), "\(error)")
            }
        }
        XCTAssertFalse(AnomalyMode.isEnabled)
        _ = try negative.log()   // off: NaN passes silently, as in PyTorch
    }

    func testAnObjectInUseByAnotherThreadIsAMisuse() throws {
        let p = try Tensor.ones([3])
        try p.setRequiresGrad(true)
        let opt = try SGD([p], lr: 0.1)
        XCTAssertTrue(try opt.use.acquire("the optimizer"))   // this thread is inside a step
        defer { opt.use.release() }
        final class Outcome: @unchecked Sendable { var error: Error? }
        let outcome = Outcome()
        var thread = pthread_t()
        let box = Unmanaged.passRetained(Box { do { try opt.step() } catch { outcome.error = error } })
        pthread_create(&thread, nil, { arg in
            let b = Unmanaged<Box>.fromOpaque(arg!).takeRetainedValue()
            b.body()
            return nil
        }, box.toOpaque())
        pthread_join(thread, nil)
        let e = try XCTUnwrap(outcome.error as? GentrainError)
        XCTAssertEqual(e.kind, .misuse)
        XCTAssertNoThrow(try opt.step())   // the owning thread itself may enter again
    }
}

/// A closure to run on a new thread.
private final class Box: @unchecked Sendable {
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
}
