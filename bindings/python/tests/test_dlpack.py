"""DLPack exchange and numpy views: zero copy both ways, lifetimes, refusals."""
import gc
import weakref

import numpy as np
import pytest

import gentrain
from gentrain.utils.dlpack import from_dlpack, to_dlpack


def churn():
    """Frees and reallocates buffers of the sizes the tests use, so freed memory would be reused."""
    gc.collect()
    for _ in range(4):
        [gentrain.full((2, 3), -1.0) for _ in range(8)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16, np.int32, np.int64, np.bool_])
def test_numpy_sees_the_tensor_memory_and_keeps_it_alive(dtype):
    t = gentrain.tensor(np.arange(6).reshape(2, 3).astype(dtype))
    a = np.from_dlpack(t)
    assert a.dtype == dtype and a.shape == (2, 3) and a.flags.writeable
    a[1, 2] = 0
    assert t.numpy()[1, 2] == 0 and np.shares_memory(t.numpy(), a)
    del t
    churn()
    np.testing.assert_array_equal(a, np.array([[0, 1, 2], [3, 4, 0]]).astype(dtype))


def test_strided_views_cross_without_copies():
    t = gentrain.arange(12.0).reshape(3, 4)
    view = np.from_dlpack(t.t()[1:3])                      # strides (1, 4) elements, offset 1
    np.testing.assert_array_equal(view, np.arange(12.0, dtype=np.float32).reshape(3, 4).T[1:3])
    base = np.arange(24.0).reshape(4, 6)
    x = gentrain.from_dlpack(base[::2, 1::2])
    assert x.shape == (2, 3) and x.stride() == (12, 2)
    x.fill_(-1.0)
    assert (base[::2, 1::2] == -1).all() and (base[1::2] != -1).all()


def test_the_producer_lives_exactly_as_long_as_the_tensor():
    base = np.arange(4.0)
    alive = weakref.ref(base)
    x = gentrain.from_dlpack(base)
    del base
    gc.collect()
    assert alive() is not None
    y = x[1:]                                              # a view keeps it too
    del x
    gc.collect()
    assert alive() is not None and y.sum().item() == 6
    del y
    gc.collect()
    assert alive() is None


def test_an_unconsumed_capsule_gives_the_memory_back():
    base = np.arange(3.0)
    alive = weakref.ref(base)
    for versioned in (False, True):
        capsule = to_dlpack(gentrain.from_dlpack(base), versioned=versioned)
        if versioned:
            del base
        gc.collect()
        assert alive() is not None
        del capsule
    gc.collect()
    assert alive() is None


def test_capsules_of_both_forms_round_trip_once():
    for versioned in (False, True):
        t = gentrain.tensor([1.0, 2.0])
        capsule = to_dlpack(t, versioned=versioned)
        back = from_dlpack(capsule)
        back.add_(gentrain.tensor([1.0, 1.0]))
        assert t.tolist() == [2.0, 3.0]
        with pytest.raises(ValueError, match="not an unconsumed DLPack tensor"):
            from_dlpack(capsule)


def test_tensor_numpy_is_a_view_where_numpy_can_hold_it():
    t = gentrain.zeros(3)
    t.numpy()[0] = 5
    assert t[0].item() == 5
    assert np.asarray(t).base is not None and np.shares_memory(np.asarray(t), t.numpy())
    copied = np.array(t, copy=True)
    copied[1] = 9
    assert t[1].item() == 0
    # Copies where a view is impossible, as before; copy=False refuses them.
    b = gentrain.ones(2, dtype=gentrain.bfloat16)
    assert b.numpy().dtype == np.float32
    p = gentrain.ones(2, requires_grad=True)
    p.numpy()[0] = 3
    assert p[0].item() == 1
    for t in (b, p):
        with pytest.raises(ValueError, match="without a copy"):
            np.asarray(t, copy=False)


def test_refusals_take_nothing():
    with pytest.raises(gentrain.AutogradError, match="detach"):
        np.from_dlpack(gentrain.ones(2, requires_grad=True))
    with pytest.raises(gentrain.InvalidArgumentError, match="no gentrain dtype"):
        gentrain.from_dlpack(np.zeros(3, dtype=np.uint8))
    read_only = np.zeros(3)
    read_only.flags.writeable = False
    with pytest.raises(gentrain.InvalidArgumentError, match="read-only"):
        gentrain.from_dlpack(read_only)
    with pytest.raises(TypeError, match="__dlpack__"):
        gentrain.from_dlpack([1.0, 2.0])
    with pytest.raises(BufferError, match="CPU"):
        gentrain.ones(2).__dlpack__(dl_device=(2, 0))
    assert gentrain.ones(1).__dlpack_device__() == (1, 0)


def test_pytorch_round_trip():
    torch = pytest.importorskip("torch")
    t = gentrain.arange(6.0).reshape(2, 3).t()
    x = torch.from_dlpack(t)
    assert x.stride() == (1, 3)
    x[0, 1] = 10
    assert t[0, 1].item() == 10
    y = torch.arange(8, dtype=torch.bfloat16).reshape(2, 4)[:, 1:3]
    z = gentrain.from_dlpack(y)
    assert z.dtype is gentrain.bfloat16 and z.stride() == (4, 1)
    z.fill_(3.0)
    assert (y == 3).all()
    del y
    churn()
    assert z.float().sum().item() == 12
    assert torch.utils.dlpack.from_dlpack(to_dlpack(gentrain.ones(2, dtype=gentrain.bool))).dtype == torch.bool
