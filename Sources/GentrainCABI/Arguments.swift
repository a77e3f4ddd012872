import CGentrain
import GentrainCore
import GentrainNN

// C arguments as engine values, each range-checked before use.

/// Reads a size-prefixed options struct: NULL gives the defaults, and a struct from an
/// older header (smaller size) keeps the defaults for the fields it lacks. The `bools` fields
/// are read as bytes first: any nonzero byte is true (a host's memset can leave 0xFF there,
/// which Swift may not load as a Bool).
func readOptions<T>(_ p: UnsafePointer<T>?, bools: [PartialKeyPath<T>] = [],
                    _ defaults: (UnsafeMutablePointer<T>) -> Void) throws -> T {
    let value = UnsafeMutablePointer<T>.allocate(capacity: 1)
    defer { value.deallocate() }
    defaults(value)
    guard let p else { return value.pointee }
    let given = UnsafeRawPointer(p).load(as: Int.self)
    guard given >= MemoryLayout<Int>.size, given <= 1 << 16 else {
        throw GentrainError(.invalidArgument, "options.struct_size is \(given); set it with the *_options_default function")
    }
    let raw = UnsafeMutableRawPointer(value)
    raw.copyMemory(from: p, byteCount: Swift.min(given, MemoryLayout<T>.size))
    for field in bools {
        guard let offset = MemoryLayout<T>.offset(of: field) else { continue }
        raw.storeBytes(of: raw.load(fromByteOffset: offset, as: UInt8.self) == 0 ? 0 : 1, toByteOffset: offset, as: UInt8.self)
    }
    return value.pointee
}

/// Validated sizes from C: each in `min...Int32.max`.
func size(_ v: Int64, _ what: String, min: Int64) throws -> Int {
    guard v >= min, v <= Int64(Int32.max) else { throw GentrainError(.invalidArgument, "\(what) must be in \(min)...\(Int32.max), got \(v)") }
    return Int(v)
}

func reductionArg(_ r: gentrain_reduction) throws -> Reduction {
    guard let v = Reduction(rawValue: Int32(bitPattern: r.rawValue)) else {
        throw GentrainError(.invalidArgument, "reduction \(r.rawValue) is not one of NONE, MEAN, SUM for this loss")
    }
    return v
}

func klReductionArg(_ r: gentrain_reduction) throws -> KLReduction {
    switch r {
    case GENTRAIN_REDUCTION_NONE: return .none
    case GENTRAIN_REDUCTION_MEAN: return .mean
    case GENTRAIN_REDUCTION_SUM: return .sum
    case GENTRAIN_REDUCTION_BATCHMEAN: return .batchmean
    default: throw GentrainError(.invalidArgument, "unknown reduction \(r.rawValue)")
    }
}

/// A C enum's value as the engine's Swift enum of the same values.
func enumArg<E: RawRepresentable & CaseIterable>(_ raw: UInt32, _ what: String) throws -> E where E.RawValue == Int32 {
    guard let value = E(rawValue: Int32(bitPattern: raw)) else {
        throw GentrainError(.invalidArgument, "\(what) \(raw) is not one of \(E.allCases.map { "\($0)" }.joined(separator: ", "))")
    }
    return value
}

/// A C string argument.
func stringArg(_ p: UnsafePointer<CChar>?, _ what: String) throws -> String {
    guard let p else { throw GentrainError(.invalidArgument, "\(what) is NULL") }
    return String(cString: p)
}

/// `n` int64 values (shape, dims); NULL is allowed only when n is 0.
func int64List(_ p: UnsafePointer<Int64>?, _ n: Int, _ what: String) throws -> [Int] {
    if n == 0 { return [] }
    guard let p else { throw GentrainError(.invalidArgument, "\(what) is NULL but its length is \(n)") }
    guard n > 0, n <= Int(GENTRAIN_MAX_DIMS) else {
        throw GentrainError(.invalidArgument, "\(what) has \(UInt(bitPattern: n)) entries; at most \(GENTRAIN_MAX_DIMS) dimensions are supported")
    }
    return (0..<n).map { Int(p[$0]) }
}

/// A 3-D setting from a C list: its 3 entries, 1 entry for all three (PyTorch's int), or none
/// for `default` (nil: required).
func triple(_ v: [Int], _ what: String, default d: Int? = nil) throws -> (Int, Int, Int) {
    switch (v.count, d) {
    case (3, _): return (v[0], v[1], v[2])
    case (1, _): return (v[0], v[0], v[0])
    case (0, let d?): return (d, d, d)
    default: throw GentrainError(.invalidArgument, "\(what) needs 3 entries (or 1 for all three), got \(v.count)")
    }
}

func dtypeArg(_ d: gentrain_dtype) throws -> DType {
    guard let dt = DType(rawValue: Int32(bitPattern: d.rawValue)) else {
        throw GentrainError(.dtype, "unknown dtype \(d.rawValue)")
    }
    return dt
}

/// A positive finite epsilon.
func epsilon(_ eps: Double) throws -> Double {
    guard eps > 0, eps.isFinite else { throw GentrainError(.invalidArgument, "eps must be positive and finite, got \(eps)") }
    return eps
}

/// A finite number.
func finite(_ v: Double, _ what: String) throws -> Double {
    guard v.isFinite else { throw GentrainError(.invalidArgument, "\(what) must be finite, got \(v)") }
    return v
}

/// A number in [0, 1].
func unitInterval(_ v: Double, _ what: String) throws -> Double {
    guard v >= 0 && v <= 1 else { throw GentrainError(.invalidArgument, "\(what) must be in [0, 1], got \(v)") }
    return v
}

/// A module's dim argument: in -GENTRAIN_MAX_DIMS..<GENTRAIN_MAX_DIMS (checked against the input at forward).
func moduleDim(_ dim: Int) throws -> Int {
    guard dim >= -Int(GENTRAIN_MAX_DIMS) && dim < Int(GENTRAIN_MAX_DIMS) else { throw GentrainError(.index, "dim \(dim) is out of range") }
    return dim
}

/// The shape of a module's parameters: one or more sizes in 1...2^31-1 whose product fits.
func parameterShape(_ sizes: [Int], _ what: String) throws -> [Int] {
    guard !sizes.isEmpty else { throw GentrainError(.invalidArgument, "\(what) must hold 1...\(GENTRAIN_MAX_DIMS) sizes") }
    for (i, n) in sizes.enumerated() { _ = try size(Int64(n), "\(what)[\(i)]", min: 1) }
    _ = try checkedNumel(sizes)
    return sizes
}
