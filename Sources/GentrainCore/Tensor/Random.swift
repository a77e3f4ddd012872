#if canImport(Glibc)
import Glibc
#endif

/// A seeded pseudo-random generator (xoshiro256**, seeded through splitmix64).
///
/// Differs from PyTorch: the streams differ from PyTorch's mt19937 and Philox generators, so
/// the same seed gives other numbers; seeding makes runs repeatable within gentrain.
public final class Generator: @unchecked Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    public private(set) var seed: UInt64

    public init(seed: UInt64) {
        self.seed = seed
        manualSeed(seed)
    }

    /// Restarts the stream from `seed`.
    public func manualSeed(_ seed: UInt64) {
        self.seed = seed
        var x = seed
        func splitmix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitmix(), splitmix(), splitmix(), splitmix())
    }

    /// The generator's whole state, for checkpoints.
    public var state: [UInt64] {
        get { [s.0, s.1, s.2, s.3, seed] }
        set { if newValue.count == 5 { s = (newValue[0], newValue[1], newValue[2], newValue[3]); seed = newValue[4] } }
    }

    @inline(__always)
    public func next() -> UInt64 {
        let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = s.3 << 45 | s.3 >> 19
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    @inline(__always)
    public func nextDouble() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in [0, 1) with 24 random bits.
    @inline(__always)
    public func nextFloat() -> Float { Float(next() >> 40) * 0x1.0p-24 }

    /// Standard normal (Box–Muller, both values used).
    public func fillNormal(_ out: UnsafeMutablePointer<Double>, _ n: Int) {
        var i = 0
        while i < n {
            let u1 = 1 - nextDouble(), u2 = nextDouble()
            let r = (-2 * log(u1)).squareRoot()
            out[i] = r * cos(2 * Double.pi * u2)
            if i + 1 < n { out[i + 1] = r * sin(2 * Double.pi * u2) }
            i += 2
        }
    }

    /// Uniform integer in `0..<bound` (bound > 0), without modulo bias.
    public func nextInt(below bound: UInt64) -> UInt64 {
        let limit = UInt64.max - UInt64.max % bound
        while true {
            let r = next()
            if r < limit { return r % bound }
        }
    }

    /// The process-wide default generator (PyTorch's default CPU generator).
    public static let `default` = Generator(seed: 67280421310721)
    static let lock = Lock()
}

/// Shuffles `p` in place by Fisher–Yates with `g` (randperm, samplers).
package func shuffle<T>(_ p: UnsafeMutableBufferPointer<T>, _ g: Generator) {
    for i in stride(from: p.count - 1, to: 0, by: -1) { p.swapAt(i, Int(g.nextInt(below: UInt64(i + 1)))) }
}

/// `0..<n` shuffled with `g`.
package func randomPermutation(_ n: Int, _ g: Generator) -> [Int] {
    var all = Array(0..<n)
    all.withUnsafeMutableBufferPointer { shuffle($0, g) }
    return all
}

/// Seeds the default generator (PyTorch's `torch.manual_seed`).
public func manualSeed(_ seed: UInt64) {
    if let local = Generator.threadDefault.value.generator { return local.manualSeed(seed) }
    Generator.lock.withLock { Generator.default.manualSeed(seed) }
}

/// Runs `body` with the generator to use: the given one, or the default under its lock.
func withGenerator<R>(_ g: Generator?, _ body: (Generator) throws -> R) rethrows -> R {
    if let g { return try body(g) }
    if let local = Generator.threadDefault.value.generator { return try body(local) }
    return try Generator.lock.withLock { try body(Generator.default) }
}

/// The default generator is the process's, unless a thread has one of its own: a rank of a
/// threads process group (`ownDefaultForThisThread`), or a shard of data parallel training for
/// the time of its forward (`standingIn`). `manualSeed`, `defaultState` and every random op
/// without a generator use the thread's own one when there is one.
extension Generator {
    final class ThreadDefault { var generator: Generator? }
    static let threadDefault = ThreadLocal { ThreadDefault() }

    /// A seed drawn from the default generator.
    package static func nextDefaultSeed() -> UInt64 { withGenerator(nil) { $0.next() } }

    /// Runs `body` with `generator` as this thread's default generator: each shard of data
    /// parallel training draws from its own stream, seeded in shard order, so its random numbers
    /// do not depend on which worker runs it or when.
    package static func standingIn<R>(_ generator: Generator, _ body: () throws -> R) rethrows -> R {
        let box = threadDefault.value, previous = box.generator
        box.generator = generator
        defer { box.generator = previous }
        return try body()
    }

    /// Gives this thread a default generator of its own from now on, starting from the current
    /// default's state (a rank's thread: ranks start alike and then separate their streams).
    package static func ownDefaultForThisThread() {
        let own = Generator(seed: 0)
        own.state = defaultState
        threadDefault.value.generator = own
    }

    /// The default generator's whole state (for checkpoints), under its lock.
    public static var defaultState: [UInt64] {
        get {
            if let local = threadDefault.value.generator { return local.state }
            return lock.withLock { Generator.default.state }
        }
        set {
            if let local = threadDefault.value.generator { local.state = newValue; return }
            lock.withLock { Generator.default.state = newValue }
        }
    }
}
