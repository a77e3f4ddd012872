"""gentrain.nn: modules as in PyTorch. Subclass `Module`, assign parameters and submodules
as attributes in `__init__`, and write `forward`. The modules live by topic in `nn/modules/`."""
from . import functional, init, parallel, utils
from .modules import *  # noqa: F401,F403 - the modules are this package's API
from .modules import __all__ as _modules
from .parallel import DataParallel

F = functional

__all__ = _modules + ["functional", "F", "init", "parallel", "utils", "DataParallel"]
