"""The modules of gentrain.nn, one file per topic as PyTorch's torch/nn/modules."""
from .activation import (CELU, ELU, GELU, GLU, SELU, Hardshrink, Hardsigmoid, Hardswish, Hardtanh, LeakyReLU, LogSigmoid,
                         LogSoftmax, Mish, PReLU, ReLU, ReLU6, Sigmoid, SiLU, Softmax, Softmin, Softplus, Softshrink, Softsign,
                         Tanh, Tanhshrink, Threshold)
from .attention import MultiheadAttention
from .container import ModuleDict, ModuleList, Sequential, ParameterDict, ParameterList
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d
from .dropout import Dropout, Dropout1d, Dropout2d, Dropout3d
from .flatten import Flatten, Unflatten
from .linear import Identity, Linear
from .loss import (BCELoss, BCEWithLogitsLoss, CosineEmbeddingLoss, CrossEntropyLoss, GaussianNLLLoss, HingeEmbeddingLoss,
                   HuberLoss, KLDivLoss, L1Loss, MarginRankingLoss, MSELoss, MultiLabelSoftMarginLoss, MultiMarginLoss,
                   NLLLoss, PoissonNLLLoss, SmoothL1Loss, SoftMarginLoss, TripletMarginLoss)
from .module import Module, Parameter
from .normalization import BatchNorm1d, BatchNorm2d, GroupNorm, InstanceNorm2d, LayerNorm, LocalResponseNorm, RMSNorm
from .pooling import AdaptiveAvgPool2d, AdaptiveMaxPool2d, AvgPool1d, AvgPool2d, MaxPool1d, MaxPool2d, MaxUnpool2d
from .rnn import GRU, LSTM, GRUCell, LSTMCell
from .sparse import Embedding, EmbeddingBag
from .upsampling import PixelShuffle, PixelUnshuffle, Upsample

__all__ = ["Module", "Parameter", "Linear", "Identity", "Conv1d", "Conv2d", "Conv3d", "ConvTranspose2d", "Embedding", "EmbeddingBag", "ParameterList", "ParameterDict", "ReLU",
           "LeakyReLU", "GELU", "SiLU", "ELU", "Softplus", "Softsign", "Tanh", "Sigmoid", "Softmax", "LogSoftmax",
           "Hardtanh", "ReLU6", "Hardsigmoid", "Hardswish", "Mish", "SELU", "CELU", "GLU", "LogSigmoid", "Tanhshrink",
           "Softmin", "Threshold", "Softshrink", "Hardshrink", "PReLU",
           "MaxPool2d", "MaxUnpool2d", "AvgPool2d", "AdaptiveAvgPool2d", "PixelShuffle", "Upsample", "Flatten", "Unflatten", "Dropout",
           "Dropout1d", "Dropout2d", "Dropout3d", "RMSNorm", "LocalResponseNorm", "ConvTranspose1d", "MaxPool1d", "AvgPool1d", "PixelUnshuffle",
           "AdaptiveMaxPool2d",
           "BatchNorm1d", "BatchNorm2d", "LayerNorm", "GroupNorm", "InstanceNorm2d", "Sequential", "ModuleList",
           "ModuleDict", "MultiheadAttention", "LSTM", "GRU", "LSTMCell", "GRUCell", "CrossEntropyLoss", "NLLLoss",
           "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss", "BCELoss", "BCEWithLogitsLoss", "KLDivLoss",
           "GaussianNLLLoss", "CosineEmbeddingLoss", "TripletMarginLoss", "MarginRankingLoss", "HingeEmbeddingLoss",
           "SoftMarginLoss", "MultiLabelSoftMarginLoss", "PoissonNLLLoss", "MultiMarginLoss"]
