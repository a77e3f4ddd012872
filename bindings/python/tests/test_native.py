"""The per-op path: gentrain._native (C) where it is built, ctypes with GENTRAIN_PYTHON_NATIVE=0;
both give the same tensors, errors and lifetimes."""
import ctypes
import gc
import os
import threading
import weakref

import numpy as np
import pytest

import gentrain
from gentrain._lib import fn, lib, native


def test_the_native_path_is_in_use_unless_turned_off():
    # CMake builds gentrain._native beside the library, and scripts/test.sh runs the suite once
    # without it: a build that silently lost it must fail here.
    if os.environ.get("GENTRAIN_PYTHON_NATIVE") == "0":
        assert native is None and fn is lib
    else:
        assert native is not None
        assert isinstance(gentrain.ones(1), native.TensorBase)
        assert isinstance(fn.gentrain_add, int)


def test_ops_give_the_values_and_gradients():
    a = gentrain.tensor([1.0, -2.0, 3.0], requires_grad=True)
    b = gentrain.tensor([0.5, 0.25, 2.0])
    y = ((a + b) * (a - b) / 2.0 + 1.0 - a * 3.0).exp().sum() + gentrain.nn.functional.leaky_relu(a, 0.1).sum()
    y.backward()
    av, bv = np.array([1.0, -2.0, 3.0]), np.array([0.5, 0.25, 2.0])
    inner = (av + bv) * (av - bv) / 2.0 + 1.0 - av * 3.0
    expected = np.exp(inner).sum() + np.where(av > 0, av, 0.1 * av).sum()
    assert np.isclose(y.item(), expected, rtol=1e-5)
    grad = np.exp(inner) * (av - 3.0) + np.where(av > 0, 1.0, 0.1)
    assert np.allclose(a.grad.numpy(), grad, rtol=1e-5)


def test_optional_tensors_and_results_are_tensors():
    x = gentrain.randn(4, 3)
    w = gentrain.randn(2, 3)
    y = gentrain.nn.functional.linear(x, w, None)   # a NULL bias
    assert type(y) is gentrain.Tensor and y.shape == (4, 2)
    assert np.allclose(y.numpy(), x.numpy() @ w.numpy().T, atol=1e-5)


def test_a_non_tensor_argument_is_a_type_error():
    x = gentrain.ones(2)
    with pytest.raises(TypeError):
        gentrain.nn.functional.linear(x, np.ones((2, 2), dtype=np.float32))
    with pytest.raises(TypeError):
        x.maximum([1.0, 2.0])
    with pytest.raises(TypeError):
        x + "one"


def test_a_failed_call_raises_the_librarys_error_and_message():
    with pytest.raises(gentrain.ShapeError, match="must match the size"):
        gentrain.ones(2) + gentrain.ones(3)
    with pytest.raises(gentrain.ShapeError):
        gentrain.ones(2, 3) @ gentrain.ones(2, 3)


def test_a_freed_handle_is_an_error_not_a_crash():
    x = gentrain.ones(2)
    y = gentrain.ones(2)
    h = y._h
    y._h = None     # the handle is taken over (as Parameter does); y now holds none
    with pytest.raises(gentrain.InvalidHandleError):
        x + y
    y._h = h        # and given back
    assert (x + y).sum().item() == 4.0


def test_tensors_die_with_their_python_objects():
    x = gentrain.randn(3, requires_grad=True)
    ref = weakref.ref(x * 2.0)
    gc.collect()
    assert ref() is None
    # A graph kept alive only by its output goes with it; the leaf's gradient still works.
    y = (x * 2.0).sum()
    y.backward()
    del y
    assert np.allclose(x.grad.numpy(), 2.0)


def test_ops_release_the_gil():
    # A thread blocked in a long engine call must not stop Python code on another thread.
    big = gentrain.randn(1500, 1500)
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(1)
            stop.wait(0.0005)

    t = threading.Thread(target=ticker)
    t.start()
    try:
        for _ in range(3):
            big @ big
    finally:
        stop.set()
        t.join()
    # Released, the ticker runs all through the products (hundreds of ticks); held, only between them.
    assert len(ticks) > 20


def _table():
    """api/ops.py's ops."""
    import importlib.util
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
    spec = importlib.util.spec_from_file_location("gentrain_api_ops", os.path.join(root, "api", "ops.py"))
    ops = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ops)
    return [(op.name, [a.type for a in op.args]) for section in ops.SECTIONS.values() for op in section if op.kind == "op"]


def _fast_ops():
    """The table's ops that the per-op path calls with their tensors as they are."""
    return [(name, kinds) for name, kinds in _table() if kinds[0] == "tensor" and all(k in ("tensor", "tensor?") for k in kinds)]


def _int_ops():
    """The table's ops of a tensor and int64s (dimensions, indices)."""
    return [(name, len(kinds) - 1) for name, kinds in _table() if kinds[0] == "tensor" and len(kinds) > 1
            and all(k == "int64" for k in kinds[1:])]


@pytest.mark.parametrize("name,count", _int_ops())
def test_every_int_op_refuses_missing_tensors_and_bad_integers(name, count):
    f = getattr(fn, "gentrain_" + name)
    op = gentrain.Tensor._tensor_int_op
    x = gentrain.ones(2, 3)
    with pytest.raises(gentrain.InvalidHandleError):
        op(f, None, *[0] * count)
    for bad in (1.0, "0", None):
        with pytest.raises(TypeError):
            op(f, x, *[bad] * count)
    with pytest.raises((OverflowError, ctypes.ArgumentError)):
        op(f, x, *[2 ** 64] * count)
    for ints in ([0] * count, [-1] * count, [5] * count, [-(2 ** 63)] * count, [2 ** 63 - 1] * count):
        try:
            out = op(f, x, *ints)
        except gentrain.GentrainError:
            continue
        assert isinstance(out, gentrain.Tensor)


@pytest.mark.parametrize("name,kinds", _fast_ops())
def test_every_tensor_op_refuses_missing_and_foreign_tensors(name, kinds):
    # Whatever a Python caller passes, the result is a tensor or an exception — never a crash.
    f = getattr(fn, "gentrain_" + name)
    op = gentrain.Tensor._tensor_op
    with pytest.raises(gentrain.InvalidHandleError):
        op(f, *[None] * len(kinds))
    ints = gentrain.tensor([1, 2])
    for args in ([ints] * len(kinds), [gentrain.ones(2, 3)] + [gentrain.ones(5)] * (len(kinds) - 1)):
        try:
            out = op(f, *args)
        except gentrain.GentrainError:
            continue
        assert isinstance(out, gentrain.Tensor)
    with pytest.raises(TypeError):
        op(f, *[1.5] * len(kinds))


def test_a_native_module_that_does_not_load_falls_back_to_ctypes(tmp_path):
    # E.g. an interpreter without the stable ABI: a warning, and the package still works.
    import subprocess
    import sys
    os.symlink(os.path.realpath(lib._name), tmp_path / "libgentrain.so.0")
    (tmp_path / "_native.abi3.so").write_bytes(b"not a shared object")
    package = os.path.dirname(os.path.dirname(os.path.abspath(gentrain.__file__)))
    env = dict(os.environ, GENTRAIN_LIBRARY=str(tmp_path / "libgentrain.so.0"), GENTRAIN_PYTHON_NATIVE="1", PYTHONPATH=package)
    code = ("import warnings; warnings.simplefilter('error', RuntimeWarning)\n"
            "try:\n    import gentrain\nexcept RuntimeWarning as w:\n    print('warned:', w)\n"
            "warnings.simplefilter('ignore', RuntimeWarning)\nimport gentrain\nfrom gentrain._lib import native\n"
            "print(native, (gentrain.ones(2) + gentrain.ones(2)).sum().item())")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert "warned:" in out and "does not load" in out
    assert out.strip().endswith("None 4.0")
