import CGentrain
import GentrainCore

// Handle scopes: a C program's per-step frees in one call (an autorelease pool for tensor handles).

@c @implementation
public func gentrain_scope_begin() {
    HandleScopes.begin()
}

@c @implementation
public func gentrain_scope_end(_ keep: UnsafePointer<OpaquePointer?>?, _ nKeep: Int) -> gentrain_status {
    guarded("gentrain_scope_end") {
        guard nKeep >= 0, nKeep <= 1 << 24 else { throw GentrainError(.invalidArgument, "n_keep is invalid: \(UInt(bitPattern: nKeep))") }
        guard nKeep == 0 || keep != nil else { throw GentrainError(.invalidArgument, "keep is NULL but n_keep is \(nKeep)") }
        try HandleScopes.end(keeping: Set((0..<nKeep).compactMap { keep![$0] }))
    }
}
