import CGentrain
import GentrainCore

// Version, errors, threads, seed and generators, grad mode.

private let versionString: StaticString = "0.1.0"

@c @implementation
public func gentrain_version() -> UnsafePointer<CChar>? {
    cString(versionString)
}

@c @implementation
public func gentrain_abi_version() -> UInt32 { UInt32(GENTRAIN_ABI_VERSION) }

@c @implementation
public func gentrain_cpu_capability() -> UnsafePointer<CChar>? {
    let name: StaticString = switch CPU.kernels {
    case .baseline: "DEFAULT"
    case .avx2: "AVX2"
    case .avx512, .avx512bf16: "AVX512"
    }
    return cString(name)
}

@c @implementation
public func gentrain_cpu_bf16_kernels() -> UnsafePointer<CChar>? {
    let name: StaticString = switch CPU.kernels {
    case .baseline: "DEFAULT"
    case .avx2, .avx512: "AVX2"
    case .avx512bf16: "AVX512_BF16"
    }
    return cString(name)
}

/// A static string's bytes (NUL-terminated, never freed) for a C caller.
private func cString(_ s: StaticString) -> UnsafePointer<CChar> {
    UnsafeRawPointer(s.utf8Start).assumingMemoryBound(to: CChar.self)
}

@c @implementation
public func gentrain_last_error() -> UnsafePointer<CChar>? { UnsafePointer(lastError.value.message) }

/// "`what` failed with STATUS: the host's last error": the message of a host callback's failure.
/// Of a failure nested in others (a callback that called the library, whose callback failed, ...)
/// the message keeps the first and last 1 KiB of the one below it: the outermost context and the
/// cause, without copying a message that grows with every level of a deep recursion.
func callbackFailure(_ what: String, _ status: gentrain_status) -> String {
    var detail = String(cString: gentrain_last_error()!)
    if detail.utf8.count > 2048 {
        let bytes = Array(detail.utf8)
        detail = String(decoding: bytes[..<1024], as: UTF8.self) + " … " + String(decoding: bytes[(bytes.count - 1024)...], as: UTF8.self)
    }
    return "\(what) failed with \(String(cString: gentrain_status_name(status)!))" + (detail.isEmpty ? "" : ": \(detail)")
}

private let statusNames: [StaticString] = [
    "GENTRAIN_OK", "GENTRAIN_ERR_INVALID_ARGUMENT", "GENTRAIN_ERR_INVALID_HANDLE", "GENTRAIN_ERR_SHAPE",
    "GENTRAIN_ERR_DTYPE", "GENTRAIN_ERR_OUT_OF_MEMORY", "GENTRAIN_ERR_IO", "GENTRAIN_ERR_NON_FINITE",
    "GENTRAIN_ERR_UNSUPPORTED", "GENTRAIN_ERR_CALLBACK_FAILED", "GENTRAIN_ERR_INTERNAL", "GENTRAIN_ERR_INDEX",
    "GENTRAIN_ERR_AUTOGRAD", "GENTRAIN_ERR_MISUSE", "GENTRAIN_ERR_DISTRIBUTED",
]
private let unknownStatus: StaticString = "GENTRAIN_ERR_UNKNOWN"

@c @implementation
public func gentrain_status_name(_ status: gentrain_status) -> UnsafePointer<CChar>? {
    let i = Int(status.rawValue)
    return cString(i < statusNames.count ? statusNames[i] : unknownStatus)
}

/// The host's warning handler and its user data.
private struct WarningHandler: @unchecked Sendable {
    let fn: gentrain_warning_fn
    let userData: UnsafeMutableRawPointer?
}

@c @implementation
public func gentrain_set_warning_handler(_ handler: gentrain_warning_fn?, _ userData: UnsafeMutableRawPointer?) {
    guard let handler else { return Warnings.setHandler(nil) }
    let h = WarningHandler(fn: handler, userData: userData)
    Warnings.setHandler { message in message.withCString { h.fn($0, h.userData) } }
}

@c @implementation
public func gentrain_set_num_threads(_ n: Int32) -> gentrain_status {
    guarded("gentrain_set_num_threads") { try Threads.set(Int(n)) }
}

@c @implementation
public func gentrain_get_num_threads() -> Int32 { Int32(Threads.count) }

@c @implementation
public func gentrain_manual_seed(_ seed: UInt64) { manualSeed(seed) }

@c @implementation
public func gentrain_set_grad_enabled(_ enabled: Bool, _ previous: UnsafeMutablePointer<Bool>?) {
    previous?.pointee = GradMode.isEnabled
    GradMode.isEnabled = enabled
}

@c @implementation
public func gentrain_is_grad_enabled() -> Bool { GradMode.isEnabled }

@c @implementation
public func gentrain_set_detect_anomaly(_ enabled: Bool, _ previous: UnsafeMutablePointer<Bool>?) {
    previous?.pointee = AnomalyMode.isEnabled
    AnomalyMode.isEnabled = enabled
}

@c @implementation
public func gentrain_is_anomaly_enabled() -> Bool { AnomalyMode.isEnabled }

@c @implementation
public func gentrain_generator_new(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ seed: UInt64) -> gentrain_status {
    out?.pointee = nil
    return guarded("gentrain_generator_new") {
        guard let out else { throw GentrainError(.invalidArgument, "out is NULL") }
        out.pointee = try HandleTable.shared.insert(Generator(seed: seed), .generator)
    }
}

@c @implementation
public func gentrain_generator_free(_ generator: OpaquePointer?) {
    HandleTable.shared.remove(generator, .generator)
}

@c @implementation
public func gentrain_generator_manual_seed(_ generator: OpaquePointer?, _ seed: UInt64) -> gentrain_status {
    guarded("gentrain_generator_manual_seed") { try generatorArg(generator).manualSeed(seed) }
}

@c @implementation
public func gentrain_generator_initial_seed(_ out: UnsafeMutablePointer<UInt64>?, _ generator: OpaquePointer?) -> gentrain_status {
    guarded("gentrain_generator_initial_seed") { try write(out) { try generatorArg(generator).seed } }
}
