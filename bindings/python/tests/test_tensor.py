import gc
import math
import os
import subprocess
import sys

import numpy as np
import pytest

import gentrain
from gentrain.tensor import _borrowed

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def test_generated_files_are_up_to_date():
    subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "gen_api.py"), "--check"], check=True)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16, np.int32, np.int64, np.bool_])
def test_numpy_copy_round_trip(dtype):
    a = (np.arange(12).reshape(3, 4) % 5).astype(dtype)
    t = gentrain.tensor(a)
    assert t.shape == (3, 4)
    assert t.dtype.numpy == dtype
    out = t.numpy()
    assert out.dtype == dtype
    np.testing.assert_array_equal(out, a)
    a[0, 0] = 1
    assert t.numpy()[0, 0] == 0  # a copy


def test_python_values_follow_pytorch_defaults():
    assert gentrain.tensor([1.5, 2]).dtype is gentrain.float32
    assert gentrain.tensor([1, 2]).dtype is gentrain.int64
    assert gentrain.tensor([True]).dtype is gentrain.bool
    assert gentrain.tensor(np.array([1.0])).dtype is gentrain.float64
    assert gentrain.tensor(3.0).shape == ()


def test_from_numpy_shares_memory_and_keeps_the_array_alive():
    a = np.zeros((2, 3), dtype=np.float32)
    t = gentrain.from_numpy(a)
    a[1, 2] = 7
    assert t.numpy()[1, 2] == 7
    view = t.transpose(0, 1)
    del a, t
    gc.collect()
    assert view.numpy()[2, 1] == 7  # the engine still holds the array
    assert len(_borrowed) == 1
    del view
    gc.collect()
    assert len(_borrowed) == 0  # released once no tensor uses it
    with pytest.raises(ValueError):
        gentrain.from_numpy(np.zeros((3, 4), dtype=np.float32)[:, ::2])


def test_bfloat16_rounds_and_reads_back_as_float32():
    t = gentrain.tensor([1.0, 1.00390625, 3.0]).bfloat16()
    assert t.dtype is gentrain.bfloat16
    np.testing.assert_array_equal(t.numpy(), np.array([1.0, 1.0, 3.0], dtype=np.float32))


def test_operators_broadcast_like_numpy():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((3, 1)), rng.standard_normal(4)
    ta, tb = gentrain.tensor(a), gentrain.tensor(b)
    np.testing.assert_allclose((ta + tb).numpy(), a + b)
    np.testing.assert_allclose((ta * tb - 2).numpy(), a * b - 2)
    np.testing.assert_allclose((2 - ta / tb).numpy(), 2 - a / b)
    np.testing.assert_allclose((3 / tb).numpy(), 3 / b)
    np.testing.assert_allclose((abs(ta) ** 1.5).numpy(), np.abs(a) ** 1.5)
    np.testing.assert_allclose((ta @ tb[None]).numpy(), a @ b[None])
    np.testing.assert_array_equal((ta > tb).numpy(), a > b)
    np.testing.assert_allclose(gentrain.where(ta > 0, ta, 0.0).numpy(), np.where(a > 0, a, 0))


def test_reductions_and_indexing_like_numpy():
    a = np.arange(24, dtype=np.float64).reshape(2, 3, 4)
    t = gentrain.tensor(a)
    np.testing.assert_allclose(t.sum(dim=(0, 2)).numpy(), a.sum(axis=(0, 2)))
    np.testing.assert_allclose(t.mean(1, keepdim=True).numpy(), a.mean(1, keepdims=True))
    np.testing.assert_allclose(t.var(dim=2).numpy(), a.var(axis=2, ddof=1))
    values, indices = t.max(dim=2)
    np.testing.assert_array_equal(indices.numpy(), a.argmax(2))
    assert t.max().item() == 23
    for key in [1, (0, 2), (slice(None), slice(1, None)), (Ellipsis, slice(None, None, 2)), (None, 1, Ellipsis),
                (1, slice(-2, None), 3), ([1, 0],)]:
        np.testing.assert_array_equal(t[key].numpy(), a[key], err_msg=str(key))
    assert [p.shape for p in t.split(2, dim=2)] == [(2, 3, 2), (2, 3, 2)]
    assert gentrain.cat([t, t], dim=1).shape == (2, 6, 4)
    assert gentrain.stack([t, t]).shape == (2, 2, 3, 4)


def test_integer_arithmetic_is_exact_and_wraps_as_pytorch():
    # Every expected value is PyTorch 2.13's for the same expression.
    a, b = gentrain.tensor([2**62 + 1, 2**53 + 1, -7]), gentrain.tensor([2, 1, 2])
    assert (a + 0).tolist() == [4611686018427387905, 9007199254740993, -7]
    assert (a * b).tolist() == [-9223372036854775806, 9007199254740993, -14]
    assert (a - b).tolist() == [4611686018427387903, 9007199254740992, -9]
    assert (a * 3).tolist() == [-4611686018427387901, 27021597764222979, -21]
    assert gentrain.tensor([2**63 - 1]).add(1).tolist() == [-2**63]
    assert gentrain.maximum(a, b).tolist() == [4611686018427387905, 9007199254740993, 2]
    assert (a == gentrain.tensor([2**62, 2**53, -7])).tolist() == [False, False, True]
    assert (a > gentrain.tensor([2**62, 2**53, -7])).tolist() == [True, True, False]
    i32 = gentrain.tensor([2**31 - 1, 5], dtype=gentrain.int32)
    assert (i32 + 1).tolist() == [-2**31, 6] and (i32 + 1).dtype is gentrain.int32
    assert gentrain.tensor([2**40 + 3]).to(gentrain.int32).tolist() == [3]
    # Sums of integers and bool are int64, exact, wrapping; of bfloat16, bfloat16.
    total = gentrain.tensor([2**62] * 3).sum()
    assert total.dtype is gentrain.int64 and total.item() == -4611686018427387904
    hits = gentrain.tensor([True, False, True]).sum()
    assert hits.dtype is gentrain.int64 and hits.item() == 2 and isinstance(hits.item(), int)
    assert i32.sum().dtype is gentrain.int64 and i32.sum().item() == 2**31 + 4
    assert gentrain.tensor([[1, 2], [3, 4]]).sum(0).tolist() == [4, 6]
    assert gentrain.tensor([1.5, 2.5], dtype=gentrain.bfloat16).sum().dtype is gentrain.bfloat16
    assert gentrain.tensor([1, 2]).float().mean().item() == 1.5


def test_bool_logic_rounding_and_integer_unary_ops_as_pytorch():
    # Every expected value and dtype is PyTorch 2.13's for the same expression.
    b, c = gentrain.tensor([True, False, True]), gentrain.tensor([True, True, False])
    assert (b + c).dtype is gentrain.bool and (b + c).tolist() == [True, True, True]
    assert (b * c).tolist() == [True, False, False]
    with pytest.raises(gentrain.DTypeError, match="logical_xor"):
        b - c
    assert (b & c).tolist() == [True, False, False] and (b | c).tolist() == [True, True, True]
    assert (b ^ c).tolist() == [False, True, True] and (~b).tolist() == [False, True, False]
    assert (b & True).tolist() == [True, False, True]
    f = gentrain.tensor([1.5, float("nan"), 0.0])
    assert gentrain.logical_and(f, gentrain.tensor([2, 3, 4])).tolist() == [True, True, False]
    assert f.logical_not().tolist() == [False, False, True]
    assert b.any().item() is True and b.all().item() is False
    assert gentrain.tensor([[True, False], [True, True]]).all(dim=1).tolist() == [False, True]
    assert gentrain.zeros(0).any().item() is False and gentrain.zeros(0).all().item() is True
    assert gentrain.full((2,), True).dtype is gentrain.bool
    x = gentrain.tensor([0.5, 1.5, 2.5, -0.5, -1.5, 2.7])
    assert x.round().tolist() == [0.0, 2.0, 2.0, -0.0, -2.0, 3.0]
    assert x.floor().tolist() == [0.0, 1.0, 2.0, -1.0, -2.0, 2.0]
    assert x.ceil().tolist() == [1.0, 2.0, 3.0, -0.0, -1.0, 3.0]
    assert x.trunc().tolist() == [0.0, 1.0, 2.0, -0.0, -1.0, 2.0]
    i = gentrain.tensor([3, -1, 2, -2**63])
    assert (-i).tolist() == [-3, 1, -2, -2**63] and i.abs().tolist() == [3, 1, 2, -2**63]
    assert i.sign().tolist() == [1, -1, 1, -1] and i.floor().dtype is gentrain.int64
    assert i.clamp(min=0).tolist() == [3, 0, 2, 0] and i.clamp(min=0).dtype is gentrain.int64
    assert i.clamp(min=0.5).dtype is gentrain.float32
    i32 = gentrain.tensor([-2**31, 4], dtype=gentrain.int32)
    assert (-i32).tolist() == [-2**31, -4] and (-i32).dtype is gentrain.int32
    # Python's // and %: rounded down, the remainder with the divisor's sign.
    a, d = gentrain.tensor([7, -7, 7, -7, -2**63]), gentrain.tensor([2, 2, -2, -2, -1])
    assert (a // d).tolist() == [3, -4, -4, 3, -2**63] and (a % d).tolist() == [1, 1, -1, -1, 0]
    f, g = gentrain.tensor([7.5, -7.5, 7.5, -0.0, 1e-30]), gentrain.tensor([2.0, 2.0, -2.0, 3.0, -1.0])
    assert (f // g).tolist() == [3.0, -4.0, -4.0, -0.0, -1.0] and (f % g).tolist() == [1.5, 0.5, -0.5, -0.0, -1.0]
    assert (a % 3).tolist() == [1, 2, 1, 2, 1] and (7 // a[:2]).tolist() == [1, -1] and (a // 2.5).dtype is gentrain.float32
    with pytest.raises(gentrain.InvalidArgumentError, match="ZeroDivisionError"):
        a // gentrain.tensor([0])
    x = gentrain.tensor([7.5, -7.5], requires_grad=True)
    with pytest.raises(gentrain.AutogradError, match="floor_divide"):
        (x // 2.0).sum().backward()


def test_triangles_and_flips_as_pytorch():
    # A causal mask and a horizontal flip, as language-model and GAN code write them; PyTorch's values.
    mask = gentrain.ones(3, 4, dtype=gentrain.bool).tril()
    assert mask.dtype is gentrain.bool
    assert mask.tolist() == [[True, False, False, False], [True, True, False, False], [True, True, True, False]]
    x = gentrain.tensor([[1, 2, 3], [4, 5, 6]])
    assert x.triu(1).tolist() == [[0, 2, 3], [0, 0, 6]] and gentrain.tril(x, -1).tolist() == [[0, 0, 0], [4, 0, 0]]
    assert x.flip(1).tolist() == [[3, 2, 1], [6, 5, 4]] and x.flip((0, -1)).tolist() == [[6, 5, 4], [3, 2, 1]]
    assert gentrain.ones(2, 2).triu(2**62).tolist() == [[0.0, 0.0], [0.0, 0.0]]
    scores = gentrain.randn(2, 4, 4, requires_grad=True)
    scores.masked_fill(gentrain.ones(4, 4, dtype=gentrain.bool).tril().logical_not(), float("-inf")).softmax(-1).sum().backward()
    assert scores.grad.shape == (2, 4, 4)
    with pytest.raises(gentrain.ShapeError):
        gentrain.ones(3).tril()
    assert x.roll(1, 1).tolist() == [[3, 1, 2], [6, 4, 5]] and x.roll((1, -1), (0, 1)).tolist() == [[5, 6, 4], [2, 3, 1]]
    assert x.roll(2).tolist() == [[5, 6, 1], [2, 3, 4]] and x.roll(-2**62, 1).tolist() == [[2, 3, 1], [5, 6, 4]]
    scalar = gentrain.tensor(5.0)   # 0-d: flip and a flat roll keep it, a roll along dim 0 is refused (PyTorch's)
    assert scalar.flip(0).item() == 5.0 and scalar.roll(3).item() == 5.0
    with pytest.raises(gentrain.IndexError):
        scalar.roll(1, 0)
    assert x.count_nonzero().item() == 6 and gentrain.tensor([[0, 1], [2, 0], [0, 0]]).count_nonzero(0).tolist() == [1, 1]


def test_bitwise_ops_and_integer_math_as_pytorch():
    # Every expected value and dtype is PyTorch 2.13's for the same expression.
    i, j = gentrain.tensor([5, -5, 1, 7], dtype=gentrain.int32), gentrain.tensor([-1, 40, 31, 2], dtype=gentrain.int32)
    assert (i & j).tolist() == [5, 40, 1, 2] and (i | j).tolist() == [-1, -5, 31, 7] and (i ^ j).tolist() == [-6, -45, 30, 5]
    assert (~i).tolist() == [-6, 4, -2, -8] and (i & j).dtype is gentrain.int32
    assert (i << j).tolist() == [0, 0, -2**31, 28] and (i >> j).tolist() == [0, -1, 0, 1]
    assert (i << 3).tolist() == [40, -40, 8, 56] and (i << 3).dtype is gentrain.int32
    assert (1 << gentrain.tensor([1, 2])).tolist() == [2, 4] and (gentrain.tensor([True, False]) << 1).tolist() == [2, 0]
    assert gentrain.tensor([2**62]).bitwise_left_shift(gentrain.tensor([1])).tolist() == [-2**63]
    with pytest.raises(gentrain.DTypeError):
        gentrain.tensor([True]) << gentrain.tensor([True])
    with pytest.raises(gentrain.DTypeError):
        ~gentrain.tensor([1.0])
    # Integer inputs of floating-point functions compute in float32; relu keeps integers.
    assert gentrain.tensor([4, 2]).sqrt().dtype is gentrain.float32 and gentrain.tensor([1, 8, 1024]).log2().tolist() == [0, 3, 10]
    assert gentrain.tensor([-1, 2]).relu().tolist() == [0, 2]
    np.testing.assert_allclose(gentrain.atan2(gentrain.tensor([1, 2]), gentrain.tensor([3, 0])).numpy(), [0.32175055, 1.5707964])


def test_special_functions_as_pytorch():
    # PyTorch's values (the gradients are checked against PyTorch by the golden cases).
    x = gentrain.tensor([-0.5, 0.25, 0.9])
    np.testing.assert_allclose(x.erfinv().numpy(), [-0.476936, 0.225312, 1.163087], atol=1e-6)
    np.testing.assert_allclose(x.atanh().numpy(), [-0.549306, 0.255413, 1.472219], atol=1e-6)
    np.testing.assert_allclose(gentrain.sinh(x).numpy(), [-0.521095, 0.252612, 1.026517], atol=1e-6)
    assert gentrain.tensor([1.0, -1.0]).erfinv().tolist() == [float("inf"), float("-inf")]
    assert gentrain.fmod(gentrain.tensor([7, -7]), gentrain.tensor([2, 2])).tolist() == [1, -1]
    assert gentrain.tensor([7.5, -7.5]).fmod(gentrain.tensor([2.0, 2.0])).tolist() == [1.5, -1.5]
    with pytest.raises(gentrain.InvalidArgumentError, match="ZeroDivisionError"):
        gentrain.fmod(gentrain.tensor([1]), gentrain.tensor([0]))
    np.testing.assert_allclose(gentrain.logaddexp(gentrain.tensor([1000.0, -1000.0]), gentrain.tensor([1000.0, -1000.0])).numpy(),
                               [1000.6931762695312, -999.3068237304688])
    np.testing.assert_allclose(gentrain.hypot(gentrain.tensor([3e30]), gentrain.tensor([4e30])).numpy(), [5e30], rtol=1e-6)
    with pytest.raises(gentrain.DTypeError):
        gentrain.hypot(gentrain.tensor([3]), gentrain.tensor([4]))
    np.testing.assert_allclose(gentrain.xlogy(gentrain.tensor([0.0, 2.0]), gentrain.tensor([0.0, 3.0])).numpy(), [0.0, 2.1972246])
    assert gentrain.tensor([1, 2]).sinh().dtype is gentrain.float32
    assert gentrain.tensor([-1.5, 0.0, 2.0]).heaviside(gentrain.tensor([0.5])).tolist() == [0.0, 0.5, 1.0]
    assert gentrain.tensor([-1.5, 2.25]).frac().tolist() == [-0.5, 0.25]
    g = gentrain.tensor([-2.5, 0.3, 1.0, 7.5], dtype=gentrain.float64)
    np.testing.assert_allclose(g.lgamma().numpy(), [-0.05624371649767405, 1.0957979948180756, 0.0, 7.534364236758733], rtol=1e-12)
    np.testing.assert_allclose(g.digamma().numpy(), [1.1031566406452433, -3.502524222200133, -0.5772156649015328, 1.9467574842460869],
                               rtol=1e-12)
    np.testing.assert_allclose(gentrain.polygamma(2, g).numpy(), [-0.1082040516417282, -75.27253658872601, -2.404113806319188,
                                                                  -0.02030525253664467], rtol=1e-12)
    assert math.isinf(gentrain.tensor([0.0]).digamma().item()) and math.isnan(gentrain.tensor([-1.0]).digamma().item())
    x = gentrain.tensor([0.0, 0.5], requires_grad=True)
    x.sinc().sum().backward()
    assert x.grad.tolist()[0] == 0.0


def test_products_diagonals_and_repeats_as_pytorch():
    # PyTorch's values, gradients through zeros included.
    m = gentrain.tensor([[1.0, 2, 3], [4, 0, 6]])
    assert m.prod(1).tolist() == [6.0, 0.0] and m.prod().item() == 0.0 and m.prod(0, keepdim=True).shape == (1, 3)
    assert m.cumprod(1).tolist() == [[1.0, 2.0, 6.0], [4.0, 0.0, 0.0]]
    assert gentrain.tensor([2**40, 2**40]).cumprod(0).tolist() == [2**40, 0]
    assert gentrain.tensor([[1, 2], [3, 4]], dtype=gentrain.int32).prod(1).dtype is gentrain.int64
    assert gentrain.zeros(2, 0).prod(1).tolist() == [1.0, 1.0]
    x = gentrain.tensor([[2.0, 0, 3], [1, 4, 5]], requires_grad=True)
    x.prod(1).sum().backward()
    assert x.grad.tolist() == [[0.0, 6.0, 0.0], [20.0, 5.0, 4.0]]
    y = gentrain.tensor([2.0, 0, 3], requires_grad=True)
    y.cumprod(0).sum().backward()
    assert y.grad.tolist() == [1.0, 8.0, 0.0]
    assert gentrain.diag(gentrain.tensor([1, 2]), -1).tolist() == [[0, 0, 0], [1, 0, 0], [0, 2, 0]]
    a = gentrain.tensor([[1, 2, 3], [4, 5, 6]])
    assert a.diag(1).tolist() == [2, 6] and a.diag(7).tolist() == [] and a.diag(-2**62).tolist() == []
    assert gentrain.tensor([[1, 2], [3, 4]], dtype=gentrain.int32).trace().item() == 5
    assert gentrain.outer(gentrain.tensor([1, 2]), gentrain.tensor([1.0, 2])).tolist() == [[1.0, 2.0], [2.0, 4.0]]
    assert a.repeat_interleave(gentrain.tensor([1, 2]), dim=0).tolist() == [[1, 2, 3], [4, 5, 6], [4, 5, 6]]
    assert gentrain.repeat_interleave(gentrain.tensor([1, 2]), 2).tolist() == [1, 1, 2, 2]
    with pytest.raises(gentrain.InvalidArgumentError, match="non-negative"):
        gentrain.tensor([1, 2]).repeat_interleave(-1)
    with pytest.raises(gentrain.ShapeError):
        gentrain.tensor([1, 2]).repeat_interleave(gentrain.tensor([1, 2, 3]))
    with pytest.raises(gentrain.GentrainError):
        gentrain.tensor([1.0]).diag(2**62)


def test_lerp_ema_and_the_new_like_helpers_as_pytorch():
    # PyTorch's values: lerp at 0.3 and 1.0, an EMA step in place, the new_*/*_as/*_like helpers.
    a, b = gentrain.tensor([1.0, 2.0]), gentrain.tensor([3.0, -2.0])
    np.testing.assert_allclose(a.lerp(b, 0.3).numpy(), [1.6, 0.8], rtol=1e-6)
    assert a.lerp(b, 1.0).tolist() == [3.0, -2.0]
    ema, p = gentrain.zeros(2, requires_grad=True), gentrain.tensor([4.0, 8.0])
    with gentrain.no_grad():
        ema.lerp_(p, 0.25)
    assert ema.tolist() == [1.0, 2.0] and ema.requires_grad
    w = gentrain.tensor([1.0, 2.0], requires_grad=True)
    w.lerp(b, 0.3).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [0.7, 0.7], rtol=1e-6)
    assert a.new_zeros(2, 3).shape == (2, 3) and a.new_full((2,), 7).tolist() == [7.0, 7.0]
    assert a.new_tensor([1, 2]).dtype is gentrain.float32 and gentrain.full_like(a, 3).tolist() == [3.0, 3.0]
    assert a.clamp_min(1.5).tolist() == [1.5, 2.0] and a.clamp_max(1.5).tolist() == [1.0, 1.5]
    assert a.reciprocal().tolist() == [1.0, 0.5] and a.type_as(gentrain.tensor([1])).dtype is gentrain.int64
    assert a.view_as(gentrain.zeros(2, 1)).shape == (2, 1) and a.true_divide(2).tolist() == [0.5, 1.0]


def test_errors_raise_with_the_library_message():
    with pytest.raises(gentrain.ShapeError, match=r"gentrain_add: .*\[2, 3\].*\[4\]"):
        gentrain.zeros(2, 3) + gentrain.zeros(4)
    with pytest.raises(IndexError, match="out of bounds"):
        gentrain.zeros(3).index_select(0, gentrain.tensor([3]))
    with pytest.raises(gentrain.DTypeError, match="bitwise_and"):
        gentrain.tensor([1.0]) & gentrain.tensor([1.0])
    with pytest.raises(gentrain.AutogradError, match="scalar outputs"):
        gentrain.ones(2, requires_grad=True).mul(2).backward()
    with pytest.raises(IndexError):
        gentrain.zeros(2, 2)[5]


def test_bad_handles_are_errors_not_crashes():
    from ctypes import byref, c_void_p
    lib = gentrain._lib
    out = c_void_p()
    assert lib.gentrain_exp(byref(out), None) == 2
    assert "NULL" in lib.gentrain_last_error().decode()
    assert lib.gentrain_exp(byref(out), c_void_p(0xDEAD0000)) == 2
    assert out.value is None
    t = gentrain.zeros(2)
    stale = t._h
    del t
    gc.collect()
    assert lib.gentrain_exp(byref(out), c_void_p(stale)) == 2
    assert "not a live handle" in lib.gentrain_last_error().decode()


def test_creation_functions():
    gentrain.manual_seed(3)
    a = gentrain.randn(4, 5).numpy()
    gentrain.manual_seed(3)
    np.testing.assert_array_equal(gentrain.randn(4, 5).numpy(), a)
    u = gentrain.rand(1000).numpy()
    assert (u >= 0).all() and (u < 1).all()
    r = gentrain.randint(2, 5, (1000,)).numpy()
    assert set(r.tolist()) == {2, 3, 4}
    np.testing.assert_array_equal(gentrain.arange(5).numpy(), np.arange(5))
    np.testing.assert_array_equal(gentrain.eye(2, 3).numpy(), np.eye(2, 3))
    assert gentrain.full((2,), 1.5).numpy().tolist() == [1.5, 1.5]
    gentrain.set_num_threads(1)
    assert gentrain.get_num_threads() == 1
