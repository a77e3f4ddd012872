// The Swift API: `import Gentrain` gives the engine's tensors, ops and autograd, the
// modules and losses, the optimizers, and data parallel training, all over the same core as the C ABI.
@_exported import GentrainCore
@_exported import GentrainNN
@_exported import GentrainOptim
@_exported import GentrainIO
@_exported import GentrainDistributed
