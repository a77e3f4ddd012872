/// Errors the engine throws. The C layer maps each kind to a `gentrain_status` code and
/// keeps the message for `gentrain_last_error()`.
public struct GentrainError: Error, CustomStringConvertible, Sendable {
    /// The error kinds, numbered as the C header's status codes.
    public enum Kind: Int32, Sendable {
        case invalidArgument = 1
        case invalidHandle = 2
        case shape = 3
        case dtype = 4
        case outOfMemory = 5
        case io = 6
        case nonFinite = 7
        case unsupported = 8
        case callbackFailed = 9
        case `internal` = 10
        case index = 11
        case autograd = 12
        /// One object used by two threads at once.
        case misuse = 13
        /// A collective that failed: ranks that disagree, a rank that failed, MPI missing.
        case distributed = 14
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    static func shape(_ m: String) -> GentrainError { GentrainError(.shape, m) }
    static func dtype(_ m: String) -> GentrainError { GentrainError(.dtype, m) }
    static func index(_ m: String) -> GentrainError { GentrainError(.index, m) }
    static func argument(_ m: String) -> GentrainError { GentrainError(.invalidArgument, m) }
    static func autograd(_ m: String) -> GentrainError { GentrainError(.autograd, m) }
}

/// `[2, 3]` as PyTorch prints sizes.
@inlinable
public func shapeString(_ shape: [Int]) -> String {
    "[" + shape.map(String.init).joined(separator: ", ") + "]"
}
