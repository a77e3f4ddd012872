"""Containers: Sequential, ModuleList, ModuleDict."""
from typing import Iterable, Iterator, Mapping, Optional, Union

from .module import Module, Parameter


class Sequential(Module):
    """Runs its modules in order; they are named "0", "1", … A slice is a Sequential of the same
    modules."""

    def __init__(self, *modules: Module):
        super().__init__()
        for i, m in enumerate(modules):
            self.add_module(str(i), m)

    def forward(self, input):  # noqa: A002 - PyTorch's name
        for m in self._modules.values():
            input = m(input)
        return input

    def __getitem__(self, i: Union[int, slice]) -> Module:
        modules = list(self._modules.values())
        return Sequential(*modules[i]) if isinstance(i, slice) else modules[i]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())


class ModuleList(Module):
    """Modules in a list, named "0", "1", …; it has no forward of its own."""

    def __init__(self, modules: Iterable[Module] = ()):
        super().__init__()
        for m in modules:
            self.append(m)

    def append(self, module: Module) -> "ModuleList":
        self.add_module(str(len(self._modules)), module)
        return self

    def __getitem__(self, i: Union[int, slice]):
        modules = list(self._modules.values())
        return ModuleList(modules[i]) if isinstance(i, slice) else modules[i]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())


class ModuleDict(Module):
    """Modules by name in insertion order; it has no forward of its own."""

    def __init__(self, modules: Optional[Mapping[str, Module]] = None):
        super().__init__()
        for name, m in (dict(modules or {})).items():
            self[name] = m

    def __setitem__(self, name: str, module: Module) -> None:
        if not isinstance(module, Module) or not name or "." in name:
            raise ValueError(f"ModuleDict entries are modules under names without '.', got {name!r}")
        self.add_module(name, module)

    def __getitem__(self, name: str) -> Module:
        return self._modules[name]

    def __contains__(self, name: str) -> bool:
        return name in self._modules

    def __len__(self) -> int:
        return len(self._modules)

    def keys(self):
        return self._modules.keys()

    def values(self):
        return self._modules.values()

    def items(self):
        return self._modules.items()


class ParameterList(Module):
    """Parameters in a list, named "0", "1", …; tensors given are made parameters (nn.ParameterList)."""

    def __init__(self, values: Iterable = ()):
        super().__init__()
        for v in values:
            self.append(v)

    def append(self, value) -> "ParameterList":
        self.register_parameter(str(len(self._parameters)), value if isinstance(value, Parameter) else Parameter(value))
        return self

    def __getitem__(self, i: int):
        return list(self._parameters.values())[i]

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self):
        return iter(self._parameters.values())


class ParameterDict(Module):
    """Parameters by name in insertion order; tensors given are made parameters (nn.ParameterDict)."""

    def __init__(self, parameters: Optional[Mapping] = None):
        super().__init__()
        for name, v in dict(parameters or {}).items():
            self[name] = v

    def __setitem__(self, name: str, value) -> None:
        self.register_parameter(name, value if isinstance(value, Parameter) else Parameter(value))

    def __getitem__(self, name: str):
        return self._parameters[name]

    def __contains__(self, name: str) -> bool:
        return name in self._parameters

    def __len__(self) -> int:
        return len(self._parameters)

    def keys(self):
        return self._parameters.keys()

    def values(self):
        return self._parameters.values()

    def items(self):
        return self._parameters.items()
