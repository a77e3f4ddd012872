import CGentrainCPU

/// The stack a host's callbacks run on. A host that recurses through the library (a custom
/// module's forward that calls a module whose forward calls it again, without end) would
/// overflow its thread's stack, a crash; the engine checks what is left before it calls a
/// callback and fails the call instead, with a quarter of the stack (at most 256 KiB) to spare
/// for the frames that unwind the error.
package enum HostStack {
    /// Throws when less than the reserve is left of this thread's stack.
    package static func check(_ what: @autoclosure () -> String) throws {
        var size = 0
        let left = gt_stack_remaining(&size)
        guard left < Swift.min(256 << 10, size / 4) else { return }
        throw GentrainError(.callbackFailed, "\(what()): not called, \(left >> 10) KiB are left of this thread's \(size >> 10) KiB stack (host callbacks nested too deep: a recursion without end?)")
    }
}
