import CGentrain
import GentrainCore
import GentrainOptim

// Mixed precision: autocast regions and gradient scaling.

@c @implementation
public func gentrain_autocast_options_default(_ options: UnsafeMutablePointer<gentrain_autocast_options>?) {
    options?.pointee = gentrain_autocast_options(struct_size: MemoryLayout<gentrain_autocast_options>.size, enabled: true,
                                                 dtype: GENTRAIN_BFLOAT16, cache_enabled: true)
}

@c @implementation
public func gentrain_autocast_enter(_ options: UnsafePointer<gentrain_autocast_options>?) -> gentrain_status {
    guarded("gentrain_autocast_enter") {
        let o = try readOptions(options, bools: [\.enabled, \.cache_enabled]) { gentrain_autocast_options_default($0) }
        try Autocast.enter(enabled: o.enabled, dtype: dtypeArg(o.dtype), cacheEnabled: o.cache_enabled)
    }
}

@c @implementation
public func gentrain_autocast_exit() -> gentrain_status {
    guarded("gentrain_autocast_exit") { try Autocast.exit() }
}

@c @implementation
public func gentrain_autocast_is_enabled() -> Bool { Autocast.isEnabled }

@c @implementation
public func gentrain_autocast_get_dtype() -> gentrain_dtype { cDType(Autocast.dtype) }

func gradScalerArg(_ h: OpaquePointer?) throws -> GradScaler {
    unsafeDowncast(try HandleTable.shared.lookup(h, .gradScaler, "scaler"), to: GradScaler.self)
}

@c @implementation
public func gentrain_grad_scaler_options_default(_ options: UnsafeMutablePointer<gentrain_grad_scaler_options>?) {
    options?.pointee = gentrain_grad_scaler_options(struct_size: MemoryLayout<gentrain_grad_scaler_options>.size, init_scale: 65536,
                                                    growth_factor: 2, backoff_factor: 0.5, growth_interval: 2000, enabled: true)
}

@c @implementation
public func gentrain_grad_scaler_new(_ out: UnsafeMutablePointer<OpaquePointer?>?,
                                     _ options: UnsafePointer<gentrain_grad_scaler_options>?) -> gentrain_status {
    out?.pointee = nil
    return guarded("gentrain_grad_scaler_new") {
        guard let out else { throw GentrainError(.invalidArgument, "out is NULL") }
        let o = try readOptions(options, bools: [\.enabled]) { gentrain_grad_scaler_options_default($0) }
        guard o.growth_interval >= 1, o.growth_interval <= Int64(Int32.max) else {
            throw GentrainError(.invalidArgument, "growth_interval must be in 1...\(Int32.max), got \(o.growth_interval)")
        }
        let scaler = try GradScaler(initScale: o.init_scale, growthFactor: o.growth_factor, backoffFactor: o.backoff_factor,
                                    growthInterval: Int(o.growth_interval), enabled: o.enabled)
        out.pointee = try HandleTable.shared.insert(scaler, .gradScaler)
    }
}

@c @implementation
public func gentrain_grad_scaler_free(_ scaler: OpaquePointer?) {
    HandleTable.shared.remove(scaler, .gradScaler)
}

@c @implementation
public func gentrain_grad_scaler_scale(_ out: TensorOut?, _ scaler: OpaquePointer?, _ outputs: OpaquePointer?) -> gentrain_status {
    producing("gentrain_grad_scaler_scale", out) { try gradScalerArg(scaler).scale(tensorArg(outputs, "outputs")) }
}

@c @implementation
public func gentrain_grad_scaler_unscale_(_ scaler: OpaquePointer?, _ optimizer: OpaquePointer?) -> gentrain_status {
    guarded("gentrain_grad_scaler_unscale_") { try gradScalerArg(scaler).unscale_(optimizerArg(optimizer)) }
}

@c @implementation
public func gentrain_grad_scaler_step(_ stepped: UnsafeMutablePointer<Bool>?, _ scaler: OpaquePointer?,
                                      _ optimizer: OpaquePointer?) -> gentrain_status {
    guarded("gentrain_grad_scaler_step") {
        let ran = try gradScalerArg(scaler).step(optimizerArg(optimizer))
        stepped?.pointee = ran
    }
}

@c @implementation
public func gentrain_grad_scaler_update(_ scaler: OpaquePointer?, _ newScale: UnsafePointer<Double>?) -> gentrain_status {
    guarded("gentrain_grad_scaler_update") { try gradScalerArg(scaler).update(newScale: newScale?.pointee) }
}

@c @implementation
public func gentrain_grad_scaler_get_state(_ out: UnsafeMutablePointer<gentrain_grad_scaler_state>?, _ scaler: OpaquePointer?) -> gentrain_status {
    guarded("gentrain_grad_scaler_get_state") {
        let s = try gradScalerArg(scaler)
        try write(out) {
            gentrain_grad_scaler_state(scale: s.currentScale, growth_factor: s.growthFactor, backoff_factor: s.backoffFactor,
                                       growth_interval: Int64(s.growthInterval), growth_tracker: Int64(s.currentGrowthTracker),
                                       enabled: s.isEnabled)
        }
    }
}

@c @implementation
public func gentrain_grad_scaler_set_state(_ scaler: OpaquePointer?, _ state: UnsafePointer<gentrain_grad_scaler_state>?) -> gentrain_status {
    guarded("gentrain_grad_scaler_set_state") {
        let s = try gradScalerArg(scaler)
        guard let st = state?.pointee else { throw GentrainError(.invalidArgument, "state is NULL") }
        try s.loadStateDict(["scale": st.scale, "growth_factor": st.growth_factor, "backoff_factor": st.backoff_factor,
                             "growth_interval": Double(st.growth_interval), "_growth_tracker": Double(st.growth_tracker)])
    }
}
