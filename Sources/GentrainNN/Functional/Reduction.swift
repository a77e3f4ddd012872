import GentrainCore

/// How a loss reduces its per-element values (PyTorch's `reduction`).
public enum Reduction: Int32, Sendable {
    case none = 0
    case mean = 1
    case sum = 2
}

/// Applies a reduction to per-element losses.
func reduce(_ losses: Tensor, _ reduction: Reduction) throws -> Tensor {
    switch reduction {
    case .none: return losses
    case .mean: return try losses.mean()
    case .sum: return try losses.sum()
    }
}
