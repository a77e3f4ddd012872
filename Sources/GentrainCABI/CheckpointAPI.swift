#if canImport(Glibc)
import Glibc
#endif
import CGentrain
import GentrainCore
import GentrainIO
import GentrainOptim

// Training checkpoints.

/// A checkpoint handle's object: the checkpoint and the C strings handed out for metadata.
final class CheckpointBox {
    let checkpoint = TrainingCheckpoint(tensors: [])
    /// Every call holds the checkpoint: two threads using one at once is a misuse.
    let use = UseGuard()
    private var strings: [UnsafeMutablePointer<CChar>] = []

    func cString(_ s: String) -> UnsafePointer<CChar> {
        let p = strdup(s)!
        strings.append(p)
        return UnsafePointer(p)
    }

    /// Frees the strings handed out (they are valid until the checkpoint changes).
    func changed() {
        for p in strings { free(p) }
        strings = []
    }

    deinit { changed() }
}

private func checkpointArg(_ h: OpaquePointer?) throws -> CheckpointBox {
    unsafeDowncast(try HandleTable.shared.lookup(h, .checkpoint, "checkpoint"), to: CheckpointBox.self)
}

/// Runs `body` holding the checkpoint.
private func using(_ name: StaticString, _ h: OpaquePointer?, _ body: (CheckpointBox) throws -> Void) -> gentrain_status {
    guarded(name) {
        let box = try checkpointArg(h)
        try box.use.exclusive("the checkpoint") { try body(box) }
    }
}

/// Runs `body` on a checkpoint that it changes (the strings handed out before are freed).
private func changing(_ name: StaticString, _ h: OpaquePointer?, _ body: (CheckpointBox) throws -> Void) -> gentrain_status {
    using(name, h) { box in
        box.changed()
        try body(box)
    }
}

@c @implementation
public func gentrain_checkpoint_new(_ out: UnsafeMutablePointer<OpaquePointer?>?) -> gentrain_status {
    out?.pointee = nil
    return guarded("gentrain_checkpoint_new") {
        guard let out else { throw GentrainError(.invalidArgument, "out is NULL") }
        out.pointee = try HandleTable.shared.insert(CheckpointBox(), .checkpoint)
    }
}

@c @implementation
public func gentrain_checkpoint_free(_ checkpoint: OpaquePointer?) {
    HandleTable.shared.remove(checkpoint, .checkpoint)
}

@c @implementation
public func gentrain_checkpoint_add_tensor(_ checkpoint: OpaquePointer?, _ name: UnsafePointer<CChar>?,
                                           _ tensor: OpaquePointer?) -> gentrain_status {
    changing("gentrain_checkpoint_add_tensor", checkpoint) { box in
        let n = try stringArg(name, "name"), t = try tensorArg(tensor)
        guard !box.checkpoint.tensors.contains(where: { $0.0 == n }) else {
            throw GentrainError(.invalidArgument, "a tensor named '\(n)' is already registered")
        }
        box.checkpoint.tensors.append((n, t))
    }
}

@c @implementation
public func gentrain_checkpoint_add_module(_ checkpoint: OpaquePointer?, _ prefix: UnsafePointer<CChar>?,
                                           _ module: OpaquePointer?) -> gentrain_status {
    changing("gentrain_checkpoint_add_module", checkpoint) { box in
        let p = try stringArg(prefix, "prefix")
        let named = try moduleArg(module).module.stateDict().map { (p + $0.0, $0.1) }
        let taken = Set(box.checkpoint.tensors.map(\.0))
        if let clash = named.first(where: { taken.contains($0.0) }) {
            throw GentrainError(.invalidArgument, "a tensor named '\(clash.0)' is already registered")
        }
        box.checkpoint.tensors += named
    }
}

@c @implementation
public func gentrain_checkpoint_add_optimizer(_ checkpoint: OpaquePointer?, _ optimizer: OpaquePointer?) -> gentrain_status {
    changing("gentrain_checkpoint_add_optimizer", checkpoint) { box in
        let opt = try optimizerArg(optimizer)
        let known = Set(box.checkpoint.tensors.map { ObjectIdentifier($0.1) })
        guard opt.paramGroups.flatMap(\.params).allSatisfy({ known.contains(ObjectIdentifier($0)) }) else {
            throw GentrainError(.invalidArgument, "register the optimizer's parameters (add_tensor or add_module) before the optimizer")
        }
        box.checkpoint.optimizers.append(opt)
    }
}

@c @implementation
public func gentrain_checkpoint_add_scheduler(_ checkpoint: OpaquePointer?, _ scheduler: OpaquePointer?) -> gentrain_status {
    changing("gentrain_checkpoint_add_scheduler", checkpoint) { box in
        box.checkpoint.schedulers.append(try schedulerArg(scheduler) as! SchedulerState)
    }
}

@c @implementation
public func gentrain_checkpoint_add_grad_scaler(_ checkpoint: OpaquePointer?, _ scaler: OpaquePointer?) -> gentrain_status {
    changing("gentrain_checkpoint_add_grad_scaler", checkpoint) { box in box.checkpoint.gradScalers.append(try gradScalerArg(scaler)) }
}

@c @implementation
public func gentrain_checkpoint_set_counters(_ checkpoint: OpaquePointer?, _ step: Int64, _ epoch: Int64) -> gentrain_status {
    changing("gentrain_checkpoint_set_counters", checkpoint) { box in
        box.checkpoint.step = Int(step)
        box.checkpoint.epoch = Int(epoch)
    }
}

@c @implementation
public func gentrain_checkpoint_get_counters(_ step: UnsafeMutablePointer<Int64>?, _ epoch: UnsafeMutablePointer<Int64>?,
                                             _ checkpoint: OpaquePointer?) -> gentrain_status {
    using("gentrain_checkpoint_get_counters", checkpoint) { box in
        let c = box.checkpoint
        try write(step) { Int64(c.step) }
        try write(epoch) { Int64(c.epoch) }
    }
}

@c @implementation
public func gentrain_checkpoint_set_metadata(_ checkpoint: OpaquePointer?, _ key: UnsafePointer<CChar>?,
                                             _ value: UnsafePointer<CChar>?) -> gentrain_status {
    changing("gentrain_checkpoint_set_metadata", checkpoint) { box in
        box.checkpoint.metadata[try stringArg(key, "key")] = try stringArg(value, "value")
    }
}

@c @implementation
public func gentrain_checkpoint_get_metadata(_ value: UnsafeMutablePointer<UnsafePointer<CChar>?>?, _ checkpoint: OpaquePointer?,
                                             _ key: UnsafePointer<CChar>?) -> gentrain_status {
    value?.pointee = nil
    return using("gentrain_checkpoint_get_metadata", checkpoint) { box in
        guard let value else { throw GentrainError(.invalidArgument, "value is NULL") }
        value.pointee = box.checkpoint.metadata[try stringArg(key, "key")].map(box.cString)
    }
}

@c @implementation
public func gentrain_checkpoint_save(_ checkpoint: OpaquePointer?, _ path: UnsafePointer<CChar>?) -> gentrain_status {
    using("gentrain_checkpoint_save", checkpoint) { box in try box.checkpoint.save(to: stringArg(path, "path")) }
}

@c @implementation
public func gentrain_checkpoint_load(_ checkpoint: OpaquePointer?, _ path: UnsafePointer<CChar>?) -> gentrain_status {
    changing("gentrain_checkpoint_load", checkpoint) { box in try box.checkpoint.load(from: stringArg(path, "path")) }
}
