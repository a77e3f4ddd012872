import GentrainCore
import GentrainNN

extension Module {
    /// Writes the state dict (parameters and buffers by PyTorch's names) to a safetensors
    /// file, atomically; PyTorch loads it with `safetensors.torch.load_file` + `load_state_dict`.
    public func save(to path: String, metadata: [String: String] = [:]) throws {
        try SafeTensors.save(stateDict(), metadata: metadata, to: path)
    }

    /// Loads a state dict from a safetensors file (for example one PyTorch wrote with
    /// `safetensors.torch.save_file(model.state_dict(), path)`), checked as `loadStateDict` does.
    public func load(from path: String, strict: Bool = true) throws {
        try loadStateDict(SafeTensors.load(path).tensors, strict: strict)
    }
}
