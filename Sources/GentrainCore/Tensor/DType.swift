/// Element types of a tensor, numbered as in the C header (`gentrain_dtype`).
///
/// float32 and float64 compute natively; bfloat16 and float16 are stored as such and
/// compute through float32; int32, int64 and bool hold indices, targets and masks.
public enum DType: Int32, CaseIterable, Sendable, CustomStringConvertible {
    case float32 = 0
    case float64 = 1
    case bfloat16 = 2
    case float16 = 3
    case int32 = 4
    case int64 = 5
    case bool = 6

    /// Bytes per element.
    public var itemSize: Int {
        switch self {
        case .float32, .int32: return 4
        case .float64, .int64: return 8
        case .bfloat16, .float16: return 2
        case .bool: return 1
        }
    }

    public var isFloatingPoint: Bool {
        switch self {
        case .float32, .float64, .bfloat16, .float16: return true
        default: return false
        }
    }

    /// The dtype that arithmetic on this dtype runs in: half types compute in float32.
    var computeType: DType {
        switch self {
        case .bfloat16, .float16: return .float32
        default: return self
        }
    }

    /// PyTorch's name, `torch.float32` without the prefix.
    public var description: String {
        switch self {
        case .float32: return "float32"
        case .float64: return "float64"
        case .bfloat16: return "bfloat16"
        case .float16: return "float16"
        case .int32: return "int32"
        case .int64: return "int64"
        case .bool: return "bool"
        }
    }

    /// Rank used by type promotion: bool < integers < floating point, wider wins.
    private var promotionRank: Int {
        switch self {
        case .bool: return 0
        case .int32: return 1
        case .int64: return 2
        case .float16, .bfloat16: return 3
        case .float32: return 4
        case .float64: return 5
        }
    }

    private var category: Int { self == .bool ? 0 : (isFloatingPoint ? 2 : 1) }

    /// The result dtype of a binary op, by PyTorch's rules: a 0-dimensional operand
    /// (a wrapped scalar) only promotes the other when it is of a higher category
    /// (bool < integer < floating point); float16 with bfloat16 gives float32.
    public static func promote(_ a: DType, _ b: DType, aIsScalar: Bool = false, bIsScalar: Bool = false) -> DType {
        if a == b { return a }
        if aIsScalar != bIsScalar {
            let (tensor, scalar) = aIsScalar ? (b, a) : (a, b)
            if scalar.category <= tensor.category { return tensor }
            return scalar == .float64 ? .float32 : scalar   // a Python float scalar is the default float dtype
        }
        if (a == .float16 && b == .bfloat16) || (a == .bfloat16 && b == .float16) { return .float32 }
        return a.promotionRank >= b.promotionRank ? a : b
    }
}
