"""PyTorch habits (issue 15): creation utilities, the default dtype, devices, inference_mode,
sort/argsort/topk, repeat, one_hot, gentrain.save/load, and `p.grad is p.grad` — against
PyTorch's documented behaviour."""
import math

import numpy as np
import pytest

import gentrain
import gentrain.nn as nn
import gentrain.nn.functional as F


def test_creation_utilities():
    assert gentrain.empty(2, 3).shape == (2, 3) and gentrain.empty(2, dtype=gentrain.float64).dtype == gentrain.float64
    x = gentrain.randn(4, 2, dtype=gentrain.float64)
    for make in (gentrain.rand_like, gentrain.randn_like, gentrain.empty_like, gentrain.zeros_like, gentrain.ones_like):
        y = make(x)
        assert y.shape == (4, 2) and y.dtype == gentrain.float64
    r = gentrain.randint_like(gentrain.zeros(50, dtype=gentrain.int64), 3, 6)
    assert r.dtype == gentrain.int64 and set(r.tolist()) <= {3, 4, 5}
    assert gentrain.linspace(-1, 1, 5).tolist() == [-1.0, -0.5, 0.0, 0.5, 1.0]
    assert gentrain.linspace(0, 1, 1).tolist() == [0.0] and gentrain.linspace(0, 1, 0).shape == (0,)
    assert gentrain.randn_like(x, requires_grad=True).requires_grad


def test_default_dtype():
    assert gentrain.get_default_dtype() == gentrain.float32
    gentrain.set_default_dtype(gentrain.float64)
    try:
        assert gentrain.tensor([1.5]).dtype == gentrain.float64
        assert gentrain.zeros(2).dtype == gentrain.float64 and gentrain.randn(2).dtype == gentrain.float64
        assert gentrain.full((2,), 0.5).dtype == gentrain.float64 and gentrain.tensor([1]).dtype == gentrain.int64
    finally:
        gentrain.set_default_dtype(gentrain.float32)
    assert gentrain.zeros(2).dtype == gentrain.float32
    with pytest.raises(TypeError):
        gentrain.set_default_dtype(gentrain.int64)


def test_device_cpu_and_to():
    t = gentrain.ones(2)
    assert t.device == gentrain.device("cpu") == "cpu" and str(t.device) == "cpu"
    assert t.cpu() is t and t.to("cpu") is t and t.to(gentrain.device("cpu")) is t
    assert t.to("cpu", gentrain.float64).dtype == gentrain.float64 and t.to(dtype=gentrain.int64).dtype == gentrain.int64
    assert t.to(gentrain.zeros(1, dtype=gentrain.float64)).dtype == gentrain.float64
    assert t.to("cpu", copy=True) is not t
    with pytest.raises(RuntimeError, match="CPU"):
        t.to("cuda")
    with pytest.raises(RuntimeError):
        gentrain.device("cuda:0")


def test_inference_mode():
    w = gentrain.ones(2, requires_grad=True)
    with gentrain.inference_mode():
        assert not (w * 2).requires_grad
    with gentrain.inference_mode(False):
        assert (w * 2).requires_grad

    @gentrain.inference_mode()
    def f():
        return w * 2

    assert not f().requires_grad and (w * 2).requires_grad


def test_sort_argsort_topk():
    x = gentrain.tensor([[3.0, 1.0, float("nan"), 1.0, 2.0]], requires_grad=True)
    v, i = gentrain.sort(x)
    assert i.tolist() == [[1, 3, 4, 0, 2]] and math.isnan(v.tolist()[0][4])   # ties keep order; NaN last
    v, i = x.sort(descending=True)
    assert i.tolist() == [[2, 0, 4, 1, 3]]   # NaN first when descending, ties in order
    assert gentrain.argsort(gentrain.tensor([[2, 1], [0, 5]]), dim=0).tolist() == [[1, 0], [0, 1]]
    top = gentrain.topk(gentrain.tensor([1.0, 5.0, 3.0, 4.0]), 2)
    assert top.values.tolist() == [5.0, 4.0] and top.indices.tolist() == [1, 3]
    assert gentrain.tensor([1.0, 5.0, 3.0]).topk(2, largest=False).values.tolist() == [1.0, 3.0]
    with pytest.raises(RuntimeError, match="k out of range"):
        gentrain.tensor([1.0, 2.0]).topk(3)
    # Gradients reach the sorted positions.
    y = gentrain.tensor([3.0, 1.0, 2.0], requires_grad=True)
    (y.sort().values * gentrain.tensor([1.0, 10.0, 100.0])).sum().backward()
    assert y.grad.tolist() == [100.0, 1.0, 10.0]


def test_repeat_and_one_hot():
    x = gentrain.tensor([[1.0, 2.0]], requires_grad=True)
    r = x.repeat(2, 3)
    assert r.shape == (2, 6) and r.tolist()[1] == [1.0, 2.0] * 3
    assert gentrain.tensor([1, 2]).repeat(2, 1, 2).shape == (2, 1, 4)
    r.sum().backward()
    assert x.grad.tolist() == [[6.0, 6.0]]
    with pytest.raises(RuntimeError, match="can not be smaller"):
        x.repeat(2)
    h = F.one_hot(gentrain.tensor([0, 2, 1]))
    assert h.dtype == gentrain.int64 and h.tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 0]]
    assert F.one_hot(gentrain.tensor([[1]]), num_classes=4).shape == (1, 1, 4)
    with pytest.raises(RuntimeError, match="smaller than num_classes"):
        F.one_hot(gentrain.tensor([3]), num_classes=2)
    with pytest.raises(RuntimeError, match="index tensor"):
        F.one_hot(gentrain.tensor([1.0]))


def test_save_and_load_state_dicts(tmp_path):
    model = gentrain.nn.Sequential(gentrain.nn.Linear(3, 2), gentrain.nn.BatchNorm1d(2))
    path = tmp_path / "model.safetensors"
    gentrain.save(model.state_dict(), path)
    loaded = gentrain.load(path)
    assert list(loaded) == list(model.state_dict())
    for k, v in model.state_dict().items():
        assert loaded[k].dtype == v.dtype and np.array_equal(loaded[k].numpy(), v.numpy())
    other = gentrain.nn.Sequential(gentrain.nn.Linear(3, 2), gentrain.nn.BatchNorm1d(2))
    other.load_state_dict(gentrain.load(path))
    assert np.array_equal(other[0].weight.numpy(), model[0].weight.numpy())
    safetensors = pytest.importorskip("safetensors.numpy")
    assert set(safetensors.load_file(str(path))) == set(model.state_dict())
    with pytest.raises(TypeError, match="dict of str -> Tensor"):
        gentrain.save([gentrain.ones(1)], tmp_path / "x")
    # Malformed files: an error naming the problem.
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x10")
    with pytest.raises(ValueError, match="not a safetensors file"):
        gentrain.load(bad)
    bad.write_bytes((1 << 40).to_bytes(8, "little") + b"{}")
    with pytest.raises(ValueError, match="runs past the end"):
        gentrain.load(bad)
    header = b'{"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 8]}}'
    bad.write_bytes(len(header).to_bytes(8, "little") + header + b"\0" * 8)
    with pytest.raises(ValueError, match="do not fit"):
        gentrain.load(bad)


def test_grad_is_the_same_object_while_the_gradient_is():
    p = gentrain.randn(3, requires_grad=True)
    (p * p).sum().backward()
    g = p.grad
    assert p.grad is g and p.grad is p.grad
    (p * p).sum().backward()   # accumulates in place: still the same gradient tensor
    assert p.grad is g
    p.grad = None
    assert p.grad is None
    (p * 2).sum().backward()
    assert p.grad is not g and p.grad.tolist() == [2.0, 2.0, 2.0]


def test_split_with_a_list_of_sizes():
    x = gentrain.arange(6.0).requires_grad_()
    a, b, c = gentrain.split(x, [1, 3, 2])
    assert a.tolist() == [0.0] and b.tolist() == [1.0, 2.0, 3.0] and c.tolist() == [4.0, 5.0]
    (a.sum() * 2 + c.sum()).backward()
    assert x.grad.tolist() == [2.0, 0.0, 0.0, 0.0, 1.0, 1.0]
    assert [t.shape for t in gentrain.zeros(2, 5).split([2, 3], dim=1)] == [(2, 2), (2, 3)]
    with pytest.raises(RuntimeError, match="sum exactly to 6"):
        x.split([2, 2])


def test_multinomial_and_data():
    gentrain.manual_seed(0)
    w = gentrain.tensor([1.0, 0.0, 3.0])
    s = gentrain.multinomial(w, 4000, replacement=True)
    assert s.shape == (4000,) and s.dtype == gentrain.int64
    np.testing.assert_allclose(np.bincount(s.numpy(), minlength=3) / 4000, [0.25, 0, 0.75], atol=0.03)
    rows = gentrain.tensor([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]]).multinomial(2)
    assert rows.shape == (2, 2) and sorted(rows.tolist()[0]) == [0, 1] and sorted(rows.tolist()[1]) == [1, 2]
    with pytest.raises(RuntimeError, match="not enough non-negative category"):
        gentrain.multinomial(w, 3)
    with pytest.raises(RuntimeError, match="invalid multinomial"):
        gentrain.multinomial(gentrain.tensor([1.0, -1.0]), 1)
    p = gentrain.randn(3, requires_grad=True)
    assert not p.data.requires_grad and p.requires_grad
    p.data = gentrain.ones(3)
    assert p.tolist() == [1.0, 1.0, 1.0] and p.is_leaf
    with pytest.raises(RuntimeError, match="same shape"):
        p.data = gentrain.ones(2)


def test_cumsum():
    # The values and gradients against PyTorch are in the golden cases; here the dtypes and the door.
    x = gentrain.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    y = gentrain.cumsum(x, 1)
    assert y.tolist() == [[1.0, 3.0, 6.0], [4.0, 9.0, 15.0]] and x.cumsum(0).tolist()[1] == [5.0, 7.0, 9.0]
    y.sum().backward()
    assert x.grad.tolist() == [[3.0, 2.0, 1.0], [3.0, 2.0, 1.0]]
    assert gentrain.tensor([1, 2, 3], dtype=gentrain.int32).cumsum(0).dtype == gentrain.int64
    assert gentrain.tensor([True, True]).cumsum(0).tolist() == [1, 2]
    assert gentrain.ones(2, dtype=gentrain.bfloat16).cumsum(0).dtype == gentrain.bfloat16
    with pytest.raises(gentrain.IndexError):
        x.cumsum(2)


def test_mm_and_bmm_take_their_shapes_only():
    a, b = gentrain.randn(2, 3, 4), gentrain.randn(2, 4, 5)
    assert gentrain.bmm(a, b).shape == (2, 3, 5) and a[0].mm(b[0]).shape == (3, 5)
    np.testing.assert_allclose(gentrain.bmm(a, b)[1].numpy(), a[1].numpy() @ b[1].numpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(RuntimeError, match="3-D"):
        gentrain.bmm(a[0], b[0])
    with pytest.raises(RuntimeError, match="batch sizes"):
        gentrain.bmm(a, gentrain.randn(1, 4, 5))
    with pytest.raises(RuntimeError, match="2-D"):
        gentrain.mm(a, b)


def test_cpu_capability_names_the_kernels_in_use():
    import os
    import subprocess
    import sys
    assert gentrain.backends.cpu.get_cpu_capability() in ("DEFAULT", "AVX2", "AVX512")
    code = "import gentrain; print(gentrain.backends.cpu.get_cpu_capability())"
    package_dir = os.path.dirname(os.path.dirname(gentrain.__file__))
    env = dict(os.environ, GENTRAIN_KERNELS="baseline", PYTHONPATH=package_dir)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "DEFAULT"
    # bfloat16 products: dot products where the CPU has AVX-512 BF16, unless GENTRAIN_KERNELS caps it.
    kernels = gentrain.backends.cpu.get_bf16_kernels()
    assert kernels in ("DEFAULT", "AVX2", "AVX512_BF16")
    assert (kernels == "DEFAULT") == (gentrain.backends.cpu.get_cpu_capability() == "DEFAULT")
    code = "import gentrain; print(gentrain.backends.cpu.get_bf16_kernels(), gentrain.backends.cpu.get_cpu_capability())"
    for cap, expected in (("baseline", "DEFAULT"), ("avx512", "AVX2")):
        env = dict(os.environ, GENTRAIN_KERNELS=cap, PYTHONPATH=package_dir)
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout.split()
        assert out[0] == (expected if kernels != "DEFAULT" else "DEFAULT"), out


def test_kernels_cap_caps_onednn_too(tmp_path):
    """GENTRAIN_KERNELS makes oneDNN's convolutions and products run on that class's kernels as
    well (its effective instruction set, asked after a convolution), unless DNNL_MAX_CPU_ISA is set;
    the backends measured under a cap are kept in choice files of their own."""
    import ctypes.util
    import os
    import subprocess
    import sys
    if ctypes.util.find_library("dnnl") is None:
        pytest.skip("oneDNN is not installed")
    code = ("import ctypes, gentrain, gentrain.nn.functional as F\n"
            "F.conv2d(gentrain.randn(2, 8, 9, 9), gentrain.randn(8, 8, 3, 3))\n"
            "print(ctypes.CDLL('libdnnl.so.2').dnnl_get_effective_cpu_isa())")
    package_dir = os.path.dirname(os.path.dirname(gentrain.__file__))

    def isa(**variables):
        env = {k: v for k, v in os.environ.items() if k not in ("GENTRAIN_KERNELS", "DNNL_MAX_CPU_ISA", "ONEDNN_MAX_CPU_ISA")}
        env.update(variables, PYTHONPATH=package_dir, GENTRAIN_CACHE_DIR=str(tmp_path))
        return int(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout)
    avx2, sse41 = 0x7, 0x1   # dnnl_cpu_isa_t: each set includes the narrower ones' bits
    assert isa(GENTRAIN_KERNELS="avx2") & ~avx2 == 0
    assert isa(GENTRAIN_KERNELS="baseline") & ~sse41 == 0
    assert isa(GENTRAIN_KERNELS="avx2", DNNL_MAX_CPU_ISA="SSE41") & ~sse41 == 0   # the environment's own cap wins
    assert isa() >= isa(GENTRAIN_KERNELS="avx2")
    conv_files = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("conv-"))
    assert len(conv_files) == 3, conv_files   # avx2 (twice: the same kernels), baseline, none


def test_pad_modes():
    x = gentrain.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    expected = {"reflect": [3, 2, 1, 2, 3, 2, 1], "replicate": [1, 1, 1, 2, 3, 3, 3], "circular": [2, 3, 1, 2, 3, 1, 2]}
    for mode, row in expected.items():
        assert F.pad(x, (2, 2), mode=mode).tolist() == [row]
    assert F.pad(x, (1, 0), value=7.0).tolist() == [[7, 1, 2, 3]]
    # Each border element's gradient goes back to the element it copies.
    F.pad(x, (2, 2), mode="replicate").sum().backward()
    assert x.grad.tolist() == [[3, 1, 3]]
    with pytest.raises(gentrain.InvalidArgumentError, match="less than"):
        F.pad(x, (3, 0), mode="reflect")
    with pytest.raises(ValueError, match="mode must be one of"):
        F.pad(x, (1, 1), mode="edge")


def _inplace_script(lib):
    """A sequence of in-place writes and index assignments a PyTorch script makes; the result
    and the gradients, from the values PyTorch's own run gives (torch is not needed here)."""
    x = lib.tensor(np.linspace(-1, 1, 12).reshape(3, 4), requires_grad=True)
    y = lib.tensor(np.linspace(0.5, 2, 4), requires_grad=True)
    h = x * 2
    h += y
    h *= y
    h /= 3
    h -= 1
    h.clamp_(-0.5, 0.8)
    h[h > 0.5] = 0.25
    h[0] = y * 2
    h[1, 1:3] = x[2, :2] * 3
    h2 = h.clone()
    m = x > 0.2
    h2[m] = lib.tensor(np.arange(int(m.sum().item()), dtype=np.float64))
    h2[:, 0] += y[:3]
    h2[2].mul_(y)
    (h2 * h2).sum().backward()
    return h2.detach().numpy(), x.grad.numpy(), y.grad.numpy()


def test_in_place_ops_and_index_assignment():
    # Expected values: the same script run by PyTorch 2.13 (float64).
    out, gx, gy = _inplace_script(gentrain)
    np.testing.assert_allclose(out, [[1.5, 2.0, 3.0, 4.0],
                                     [0.5, 15 / 11, 21 / 11, 0.0],
                                     [1.25, 2.0, 4.5, 8.0]], rtol=1e-12)
    np.testing.assert_allclose(gx, [[0.0, 0.0, 0.0, 0.0],
                                    [0.0, 0.0, 0.0, 0.0],
                                    [90 / 11, 126 / 11, 0.0, 0.0]], rtol=1e-12)
    np.testing.assert_allclose(gy, [15.25, 17.0, 40.25, 80.0], rtol=1e-12)


def test_in_place_refusals_and_versions():
    x = gentrain.randn(3, requires_grad=True)
    with pytest.raises(gentrain.AutogradError, match="leaf Variable"):
        x += 1
    with gentrain.no_grad():
        x += 1
    assert x._version == 1
    a = x * 1
    w = gentrain.randn(3, requires_grad=True)
    y = (a * w).sum()
    a.add_(1)   # MulBackward saved a
    with pytest.raises(gentrain.AutogradError, match="modified by an inplace operation"):
        y.backward()
    t = gentrain.arange(10)
    assert t[gentrain.tensor(2):gentrain.tensor(5)].tolist() == [2, 3, 4]
    assert t[t > 6].tolist() == [7, 8, 9]
    t[t > 6] = 0
    assert t.tolist() == [0, 1, 2, 3, 4, 5, 6, 0, 0, 0]
    z = gentrain.zeros(2, 3)
    z.fill_(2).zero_()
    z[:, 1] = gentrain.tensor([5.0, 6.0])
    assert z.tolist() == [[0, 5, 0], [0, 6, 0]]
    # Integer indices along the first dimension (index_put_): rows replaced, the last of a repeated
    # index wins (PyTorch's CPU result), gradients to the old tensor and to the values.
    r = gentrain.zeros(4, 2)
    r[gentrain.tensor([2, 0])] = gentrain.tensor([[1.0, 2.0], [3.0, 4.0]])
    r[[1, -1]] = 7.0
    assert r.tolist() == [[3, 4], [7, 7], [1, 2], [7, 7]]
    r[np.array([0, 0])] = gentrain.tensor([[5.0, 5.0], [6.0, 6.0]])
    assert r[0].tolist() == [6, 6]
    leaf = gentrain.ones(4, 2, requires_grad=True)
    v = gentrain.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    x = leaf * 1
    x[gentrain.tensor([3, 1])] = v
    weights = gentrain.arange(8).reshape(4, 2).float()
    (x * weights).sum().backward()
    assert v.grad.tolist() == [[6, 7], [2, 3]]
    assert leaf.grad.tolist() == [[0, 1], [0, 0], [4, 5], [0, 0]]
    with pytest.raises(IndexError, match="out of bounds"):
        r[[4]] = 1.0
    # In other dimensions and in tuples: numpy's advanced indexing is PyTorch's, so numpy checks.
    a = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    t = gentrain.tensor(a.copy())
    for key, value in [((slice(None), gentrain.tensor([0, 2])), 1.0),
                       ((gentrain.tensor([1, 0]), slice(None), [3, 3]), gentrain.tensor([[5.0, 6.0, 7.0], [8.0, 9.0, 10.0]])),
                       ((1, [0, 2], gentrain.tensor([1, -1])), gentrain.tensor([-1.0, -2.0])),
                       ((Ellipsis, np.array([True, False, False, True])), 0.5),
                       ((None, 0, [2, 2, 1]), gentrain.tensor([[3.0], [4.0], [5.0]]))]:   # a repeat: the last wins
        np_key = tuple(k.numpy() if isinstance(k, gentrain.Tensor) else k for k in key)
        a[np_key] = value.numpy() if isinstance(value, gentrain.Tensor) else value
        t[key] = value
        assert t.tolist() == a.tolist(), key
    leaf = gentrain.ones(3, 4, requires_grad=True)
    v = gentrain.tensor([1.0, 2.0], requires_grad=True)
    x = leaf * 1
    x[[0, 2], gentrain.tensor([1, 3])] = v
    (x * gentrain.arange(12).reshape(3, 4).float()).sum().backward()
    assert v.grad.tolist() == [1, 11]
    assert leaf.grad.tolist() == [[0, 0, 2, 3], [4, 5, 6, 7], [8, 9, 10, 0]]
    with pytest.raises(IndexError):
        r[:, [2]] = 1.0


def test_interpolate_align_corners():
    x = gentrain.tensor([[[[0.0, 3.0]]]], requires_grad=True)
    y = F.interpolate(x, size=(1, 4), mode="bilinear", align_corners=True)
    assert y.tolist() == [[[[0.0, 1.0, 2.0, 3.0]]]]
    y.sum().backward()
    assert x.grad.tolist() == [[[[2.0, 2.0]]]]
    up = gentrain.nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True)
    assert up(x.detach()).shape == (1, 1, 2, 4)
    with pytest.raises(ValueError, match="align_corners"):
        F.interpolate(x, size=(1, 4), mode="nearest", align_corners=True)


def test_batch_norm_options():
    x1 = gentrain.tensor(np.random.RandomState(0).randn(4, 3, 5, 5))
    x2 = x1 * 2 + 1
    # No running statistics: no buffers, batch statistics in eval too.
    bn = gentrain.nn.BatchNorm2d(3, track_running_stats=False, affine=False).double()
    assert bn.running_mean is None and list(bn.state_dict().keys()) == []
    train_out = bn(x1)
    bn.eval()
    np.testing.assert_allclose(bn(x1).numpy(), train_out.numpy())
    # momentum=None: the running mean is the cumulative average of the batch means.
    bn = gentrain.nn.BatchNorm2d(3, momentum=None).double()
    bn(x1)
    bn(x2)
    expected = (x1.mean(dim=(0, 2, 3)) + x2.mean(dim=(0, 2, 3))) / 2
    np.testing.assert_allclose(bn.running_mean.numpy(), expected.numpy(), rtol=1e-12)
    assert bn.num_batches_tracked.item() == 2


def test_tensors_print_as_pytorch_prints_them():
    """repr against PyTorch's (golden print.json): fixed, whole-number and scientific modes,
    dtypes, requires_grad, empty and summarized tensors, line wrapping."""
    import json
    import os
    path = os.path.join(os.path.dirname(__file__), "..", "..", "..", "Tests", "GentrainTests", "Golden", "print.json")
    cases = json.load(open(path))["cases"]
    for name, c in cases.items():
        values = np.array([float(v) for v in c["values"]], dtype=np.float64).reshape(c["shape"])
        t = gentrain.tensor(values, dtype=getattr(gentrain, c["dtype"]), requires_grad=c["requires_grad"])
        assert repr(t) == c["repr"], name
    y = gentrain.tensor([1.0, 2.0], requires_grad=True) * 2
    assert repr(y).startswith("tensor([2., 4.], grad_fn=<") and str(y) == repr(y)


def test_instance_and_group_norm_of_empty_batches_and_channels():
    """Empty inputs give empty outputs (the per-channel affine has no groups to visit)."""
    assert F.instance_norm(gentrain.randn(2, 0, 3, 3)).shape == (2, 0, 3, 3)
    assert F.instance_norm(gentrain.randn(0, 4, 3, 3), weight=gentrain.ones(4), bias=gentrain.zeros(4)).shape == (0, 4, 3, 3)
    assert F.group_norm(gentrain.randn(0, 4, 3, 3), 2, weight=gentrain.ones(4)).shape == (0, 4, 3, 3)


def test_selection_products_and_einsum_as_pytorch():
    # Every expected value is PyTorch 2.13's for the same expression.
    x = gentrain.tensor([3, 1, 3, 0, 1, 3])
    values, inverse, counts = gentrain.unique(x, return_inverse=True, return_counts=True)
    assert values.tolist() == [0, 1, 3] and inverse.tolist() == [2, 1, 2, 0, 1, 2] and counts.tolist() == [1, 2, 3]
    assert x.unique().tolist() == [0, 1, 3] and x.bincount().tolist() == [1, 2, 0, 3]
    assert gentrain.bincount(gentrain.tensor([3, 1, 3, 0]), weights=gentrain.tensor([0.5, 1, 2, 3]), minlength=6).tolist() == [
        3.0, 1.0, 0.0, 2.5, 0.0, 0.0]
    m = gentrain.tensor([[1.5, -2.0, 3.0], [0.5, 2.0, -1.0]])
    assert (m > 0).nonzero().tolist() == [[0, 0], [0, 2], [1, 0], [1, 1]]
    rows, cols = (m > 0).nonzero(as_tuple=True)
    assert rows.tolist() == [0, 0, 1, 1] and cols.tolist() == [0, 2, 0, 1]
    assert m.masked_select(m > 0).tolist() == [1.5, 3.0, 0.5, 2.0] and m.argmin().item() == 1 and m.argmin(1).tolist() == [1, 2]
    q = gentrain.arange(12.0).reshape(1, 1, 3, 4)
    assert gentrain.einsum("bhqd,bhkd->bhqk", q, gentrain.ones(1, 1, 2, 4)).tolist() == [[[[6.0, 6.0], [22.0, 22.0], [38.0, 38.0]]]]
    assert gentrain.einsum("ii->", gentrain.eye(3)).item() == 3.0 and gentrain.einsum("i,i", [gentrain.ones(2), gentrain.ones(2)]).item() == 2.0
    with pytest.raises(gentrain.GentrainError, match="einsum"):
        gentrain.einsum("ij,jk->ik", gentrain.ones(2, 3), gentrain.ones(2, 3))
    a, b = gentrain.tensor([1.0, 2.0]), gentrain.tensor([3.0, 4.0])
    assert gentrain.dot(a, b).item() == 11.0 and gentrain.mv(gentrain.eye(2), a).tolist() == [1.0, 2.0]
    assert gentrain.addmm(gentrain.ones(2, 2), gentrain.eye(2), gentrain.eye(2), beta=0.5, alpha=2).tolist() == [[2.5, 0.5], [0.5, 2.5]]
    assert gentrain.ones(2, 2).mm(gentrain.ones(2, 2)).tolist() == [[2.0, 2.0], [2.0, 2.0]]
    with pytest.raises(gentrain.ShapeError):
        gentrain.ones(2).mm(gentrain.ones(2, 2))
    y = gentrain.tensor([[0.1, 0.2, 0.4], [0.8, -0.3, 0.5]])
    np.testing.assert_allclose(F.multi_margin_loss(y, gentrain.tensor([2, 0])).item(), 0.36666667461395264, rtol=1e-6)
    np.testing.assert_allclose(F.multi_margin_loss(y, gentrain.tensor([2, 0]), p=2, margin=0.5, weight=gentrain.tensor([1.0, 2, 3]),
                                                   reduction="none").numpy(), [0.13, 0.013333332], rtol=1e-5)
    np.testing.assert_allclose(F.normalize(gentrain.tensor([[3.0, 4.0]])).numpy(), [[0.6, 0.8]], rtol=1e-6)


def test_tensor_helpers_pytorch_code_reaches_for():
    m = gentrain.tensor([[1.5, -2.0, 3.0], [0.5, 2.0, -1.0]])
    assert gentrain.hstack([m, m]).shape == (2, 6) and gentrain.vstack([m[0], m[1]]).tolist() == m.tolist()
    gx, gy = gentrain.meshgrid(gentrain.arange(2), gentrain.arange(3), indexing="xy")
    assert gx.tolist() == [[0, 1], [0, 1], [0, 1]] and gy.tolist() == [[0, 0], [1, 1], [2, 2]]
    assert gentrain.logspace(0, 2, 3).tolist() == [1.0, 10.0, 100.0]
    assert [t.tolist() for t in m.unbind(0)] == m.tolist() and m.diff(dim=1).tolist() == [[-3.5, 5.0], [1.5, -3.0]]
    assert m.movedim(0, 1).shape == (3, 2) and m.mT.shape == (3, 2) and m.ravel().shape == (6,)
    assert m.tile((2,)).shape == (2, 6) and m.take(gentrain.tensor([0, 5])).tolist() == [1.5, -1.0]
    assert m.sum(dtype=gentrain.float64).dtype is gentrain.float64 and m.std(1, unbiased=False).shape == (2,)
    assert gentrain.allclose(m, m + 1e-9) and gentrain.equal(m, m.clone()) and not gentrain.equal(m, m[0])
    assert gentrain.tensor([1.0, float("nan")]).nansum().item() == 1.0 and gentrain.tensor([1.0, float("nan"), 3.0]).nanmean().item() == 2.0
    assert m.aminmax().min.item() == -2.0 and m.element_size() == 4
    assert m.clamp(min=gentrain.zeros(3)).tolist() == [[1.5, 0.0, 3.0], [0.5, 2.0, 0.0]]
    assert all(math.isnan(v) for v in m.clamp(min=float("nan")).reshape(-1).tolist())
    assert gentrain.fmod(m, 1.5).tolist() == [[0.0, -0.5, 0.0], [0.5, 0.5, -1.0]] and m.maximum(0.0).tolist()[0] == [1.5, 0.0, 3.0]
    with pytest.raises(gentrain.DTypeError, match="mean"):
        gentrain.tensor([1, 2]).mean()


def test_scatter_distances_and_channel_dropout_as_pytorch():
    # PyTorch 2.13's values (gradients against PyTorch in the golden cases).
    codes = gentrain.zeros(3, 4).scatter_(1, gentrain.tensor([[1], [3], [0]]), 1.0)
    assert codes.tolist() == [[0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0], [1.0, 0.0, 0.0, 0.0]]
    x = gentrain.zeros(3, 2).scatter(0, gentrain.tensor([[0, 0], [0, 2]]), gentrain.tensor([[1.0, 2.0], [3.0, 4.0]]))
    assert x.tolist() == [[3.0, 2.0], [0.0, 0.0], [0.0, 4.0]]   # a repeated index: the last write wins
    with pytest.raises(IndexError):
        gentrain.zeros(2, 2).scatter(1, gentrain.tensor([[2]]), 1.0)
    m = gentrain.arange(24.0).reshape(2, 3, 4)
    assert m.diagonal(1, 1, 2).tolist() == [[1.0, 6.0, 11.0], [13.0, 18.0, 23.0]] and m[0].diagonal(-1).tolist() == [4.0, 9.0]
    a, b = gentrain.tensor([[0.0, 0.0], [3.0, 4.0]]), gentrain.tensor([[0.0, 0.0], [6.0, 8.0], [1.0, 1.0]])
    np.testing.assert_allclose(gentrain.cdist(a, b).numpy(), [[0.0, 10.0, 1.4142135], [5.0, 5.0, 3.6055512]], rtol=1e-6)
    np.testing.assert_allclose(gentrain.cdist(a, b, p=1.0).numpy(), [[0.0, 14.0, 2.0], [7.0, 7.0, 5.0]])
    big = gentrain.randn(40, 3)
    np.testing.assert_allclose(gentrain.cdist(big, big[:5]).numpy()[:5].diagonal(), np.zeros(5), atol=1e-3)
    np.testing.assert_allclose(gentrain.linalg.vector_norm(gentrain.tensor([[3.0, 4.0]]), dim=1).numpy(), [5.0])
    assert gentrain.linalg.norm(gentrain.tensor([[3.0, 4.0], [0.0, 0.0]])).item() == 5.0
    rms = nn.RMSNorm(2)
    np.testing.assert_allclose(rms(gentrain.tensor([[3.0, 4.0]])).numpy(), [[0.8485281, 1.1313708]], rtol=1e-6)
    assert [n for n, _ in rms.named_parameters()] == ["weight"]
    y = F.dropout2d(gentrain.ones(100, 50, 2, 2), 0.3)
    assert bool((y[:, :, 0, 0] == y[:, :, 1, 1]).all()) and set(y.reshape(-1).tolist()) <= {0.0, np.float32(1 / 0.7).item()}
    assert nn.Dropout2d(0.3).eval()(gentrain.ones(1, 2, 2, 2)).tolist() == gentrain.ones(1, 2, 2, 2).tolist()
    with pytest.raises(gentrain.ShapeError):
        F.dropout2d(gentrain.ones(2, 2))
    logits = gentrain.randn(4, 5, requires_grad=True)
    sample = F.gumbel_softmax(logits, tau=0.5, hard=True)
    assert sample.sum(1).tolist() == [1.0] * 4 and set(sample.detach().reshape(-1).tolist()) == {0.0, 1.0}
    (sample * gentrain.arange(5.0)).sum().backward()
    assert logits.grad.shape == (4, 5) and bool(logits.grad.isfinite().all())


def test_generated_in_place_methods_record_as_pytorch():
    x = gentrain.tensor([0.5, -1.0, 2.0], requires_grad=True)
    y = x * 2
    assert y.sigmoid_() is y
    y.sum().backward()   # d sigmoid(2x)/dx = 2 s (1 - s)
    s = 1 / (1 + np.exp(-2 * np.array([0.5, -1.0, 2.0], dtype=np.float32)))
    np.testing.assert_allclose(x.grad.numpy(), 2 * s * (1 - s), rtol=1e-6)
    with pytest.raises(gentrain.AutogradError, match="leaf"):
        x.exp_()
    with pytest.raises(gentrain.DTypeError, match="can't be cast"):
        gentrain.tensor([1, 2]).exp_()
    assert gentrain.tensor([-3, 2]).abs_().tolist() == [3, 2] and gentrain.tensor([1.0, 4.0]).sqrt_().tolist() == [1.0, 2.0]
    with gentrain.no_grad():
        x.clamp_(-1.0, 1.0).tanh_()
    np.testing.assert_allclose(x.detach().numpy(), np.tanh([0.5, -1.0, 1.0]), rtol=1e-6)


def test_products_and_rearrangements_of_the_long_tail_as_pytorch():
    # PyTorch 2.13's values for the same expressions.
    m = gentrain.tensor([[1.5, -2.0, 3.0], [0.5, 2.0, -1.0]])
    assert gentrain.rot90(m).tolist() == [[3.0, -1.0], [-2.0, 2.0], [1.5, 0.5]]
    assert gentrain.tensordot(gentrain.arange(24.0).reshape(2, 3, 4), gentrain.arange(12.0).reshape(3, 4)).tolist() == [506.0, 1298.0]
    assert gentrain.kron(gentrain.eye(2), gentrain.tensor([[1.0, 2.0], [3.0, 4.0]]))[2:, 2:].tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert gentrain.cross(gentrain.tensor([[1.0, 0.0, 0.0]]), gentrain.tensor([[0.0, 1.0, 0.0]]), dim=1).tolist() == [[0.0, 0.0, 1.0]]
    assert gentrain.triu_indices(3, 3).tolist() == [[0, 0, 0, 1, 1, 2], [0, 1, 2, 1, 2, 2]]
    assert m.unflatten(1, (3, 1)).shape == (2, 3, 1) and m.diag_embed().shape == (2, 3, 3)


def test_median_and_quantile_as_pytorch():
    # PyTorch 2.13's values: the lower middle, NaN propagated, linear and the other interpolations.
    x = gentrain.tensor([[1.5, -2.0, 3.0, 0.0], [0.5, 2.0, -1.0, float("nan")]])
    values, indices = x.median(1)
    assert values.tolist()[0] == 0.0 and math.isnan(values.tolist()[1]) and indices.tolist() == [3, 3]
    assert math.isnan(x.median().item()) and x[0].median().item() == 0.0
    assert gentrain.quantile(x[0], gentrain.tensor([0.25, 0.5])).tolist() == [-0.5, 0.75]
    np.testing.assert_allclose(gentrain.quantile(x[0], 0.3).item(), -0.2, rtol=1e-6)
    assert [gentrain.quantile(x[0], 0.4, interpolation=i).item() for i in ("nearest", "lower", "higher", "midpoint")] == [
        0.0, 0.0, 1.5, 0.75]
    w = gentrain.tensor([3.0, 1.0, 2.0], requires_grad=True)
    w.median().backward()
    assert w.grad.tolist() == [0.0, 0.0, 1.0]


def test_searching_counting_and_running_extremes_as_pytorch():
    # PyTorch 2.13's values for the same expressions.
    m = gentrain.tensor([[1.5, -2.0, 3.0], [0.5, 2.0, -1.0]])
    assert m.index_fill(1, gentrain.tensor([0, 2]), -1.0).tolist() == [[-1.0, -2.0, -1.0], [-1.0, 2.0, -1.0]]
    assert gentrain.zeros(2, 3).masked_scatter(m > 0, gentrain.arange(6.0)).tolist() == [[0.0, 0.0, 1.0], [2.0, 3.0, 0.0]]
    values, indices = gentrain.tensor([1.0, 3.0, 3.0, 2.0, float("nan"), 5.0]).cummax(0)
    assert indices.tolist() == [0, 1, 2, 2, 4, 4] and math.isnan(values.tolist()[5])
    np.testing.assert_allclose(m.logcumsumexp(1).numpy(), [[1.5, 1.5297504663, 3.2069070339], [0.5, 2.2014133930, 2.2413113117]],
                               rtol=1e-6)
    assert gentrain.searchsorted(gentrain.tensor([1.0, 2.0, 3.0]), gentrain.tensor([2.5, 2.0])).tolist() == [2, 1]
    assert gentrain.bucketize(gentrain.tensor([2.5, 0.1]), gentrain.tensor([1.0, 2.0, 3.0]), right=True).tolist() == [2, 0]
    assert gentrain.histc(m, bins=4).tolist() == [2.0, 0.0, 2.0, 2.0]
    assert gentrain.block_diag(gentrain.ones(1, 1), gentrain.ones(2, 2) * 2).tolist() == [[1.0, 0.0, 0.0], [0.0, 2.0, 2.0], [0.0, 2.0, 2.0]]
    assert gentrain.cartesian_prod(gentrain.tensor([1, 2]), gentrain.tensor([3, 4])).tolist() == [[1, 3], [1, 4], [2, 3], [2, 4]]
    assert gentrain.combinations(gentrain.tensor([1, 2, 3])).tolist() == [[1, 2], [1, 3], [2, 3]]
    assert F.channel_shuffle(gentrain.arange(8.0).reshape(1, 4, 2, 1), 2).reshape(-1).tolist() == [
        0.0, 1.0, 4.0, 5.0, 2.0, 3.0, 6.0, 7.0]


def test_index_put_as_pytorch():
    x = gentrain.zeros(5)
    x.index_put_((gentrain.tensor([0, 2, 0]),), gentrain.tensor([1.0, 2.0, 3.0]), accumulate=True)
    assert x.tolist() == [4.0, 0.0, 2.0, 0.0, 0.0]
    y = gentrain.zeros(2, 3).index_put((gentrain.tensor([0, 1]), gentrain.tensor([2, 0])), gentrain.tensor(7.0))
    assert y.tolist() == [[0.0, 0.0, 7.0], [7.0, 0.0, 0.0]]


def test_linalg_det_inv_solve_against_closed_forms():
    a = gentrain.tensor([[4.0, 7.0], [2.0, 6.0]], dtype=gentrain.float64)
    assert gentrain.linalg.det(a).item() == pytest.approx(10.0) and a.det().item() == pytest.approx(10.0)
    np.testing.assert_allclose(gentrain.linalg.inv(a).numpy(), [[0.6, -0.7], [-0.2, 0.4]], rtol=1e-12)
    np.testing.assert_allclose(gentrain.inverse(a).numpy(), a.inverse().numpy())
    swapped = gentrain.tensor([[7.0, 4.0], [6.0, 2.0]], dtype=gentrain.float64)   # det -10
    sign, logabs = gentrain.linalg.slogdet(swapped)
    assert (sign.item(), logabs.item()) == (-1.0, pytest.approx(math.log(10)))
    assert gentrain.slogdet(a).sign.item() == 1.0 and gentrain.logdet(a).item() == pytest.approx(math.log(10))
    assert math.isnan(gentrain.logdet(swapped).item()) and swapped.logdet().isnan().item()
    singular = gentrain.tensor([[1.0, 2.0], [2.0, 4.0]])
    assert gentrain.linalg.det(singular).item() == 0.0
    assert tuple(t.item() for t in gentrain.linalg.slogdet(singular)) == (0.0, -math.inf)
    assert gentrain.logdet(singular).item() == -math.inf
    with pytest.raises(gentrain.InvalidArgumentError, match="singular"):
        gentrain.linalg.inv(singular)
    with pytest.raises(gentrain.InvalidArgumentError, match="singular"):
        gentrain.linalg.solve(singular, gentrain.ones(2))
    with pytest.raises(gentrain.DTypeError):
        gentrain.linalg.det(gentrain.tensor([[1, 2], [3, 4]]))
    with pytest.raises(gentrain.ShapeError, match="square"):
        gentrain.linalg.inv(gentrain.ones(2, 3))
    # Solves: batched, vectors, broadcast batch dims, and left=False; each against A X = B.
    A = gentrain.randn(3, 4, 4, dtype=gentrain.float64) + 4 * gentrain.eye(4, dtype=gentrain.float64)
    B = gentrain.randn(3, 4, 2, dtype=gentrain.float64)
    np.testing.assert_allclose((A @ gentrain.linalg.solve(A, B)).numpy(), B.numpy(), atol=1e-12)
    b = gentrain.randn(3, 4, dtype=gentrain.float64)
    x = gentrain.linalg.solve(A, b)
    assert x.shape == (3, 4)
    np.testing.assert_allclose((A @ x.unsqueeze(-1)).squeeze(-1).numpy(), b.numpy(), atol=1e-12)
    x = gentrain.linalg.solve(A[0], B)   # one A for the batch of B
    np.testing.assert_allclose((A[0] @ x).numpy(), B.numpy(), atol=1e-12)
    x = gentrain.linalg.solve(A, B.mT, left=False)
    np.testing.assert_allclose((x @ A).numpy(), B.mT.numpy(), atol=1e-12)
    assert gentrain.linalg.det(gentrain.zeros(0, 0)).item() == 1.0 and gentrain.linalg.inv(gentrain.zeros(2, 0, 0)).shape == (2, 0, 0)


def test_linalg_gradients_match_finite_differences():
    A = gentrain.randn(3, 3, dtype=gentrain.float64) + 3 * gentrain.eye(3, dtype=gentrain.float64)
    B = gentrain.randn(3, 2, dtype=gentrain.float64)
    W = gentrain.randn(3, 3, dtype=gentrain.float64)   # weights for the outputs' sum

    def numeric(f, x, eps=1e-6):
        g = np.zeros(x.shape)
        base = x.numpy()
        for idx in np.ndindex(*x.shape):
            plus, minus = base.copy(), base.copy()
            plus[idx] += eps
            minus[idx] -= eps
            g[idx] = (f(gentrain.tensor(plus)).item() - f(gentrain.tensor(minus)).item()) / (2 * eps)
        return g

    for f in (lambda a: gentrain.linalg.det(a), lambda a: gentrain.linalg.slogdet(a).logabsdet,
              lambda a: (gentrain.linalg.inv(a) * W).sum(), lambda a: (gentrain.linalg.solve(a, B) * W[:, :2]).sum()):
        a = A.clone().requires_grad_()
        f(a).backward()
        np.testing.assert_allclose(a.grad.numpy(), numeric(f, A), rtol=1e-6, atol=1e-8)
    b = B.clone().requires_grad_()
    (gentrain.linalg.solve(A, b) * W[:, :2]).sum().backward()
    np.testing.assert_allclose(b.grad.numpy(), numeric(lambda t: (gentrain.linalg.solve(A, t) * W[:, :2]).sum(), B),
                               rtol=1e-6, atol=1e-8)
    s = gentrain.tensor([[1.0, 2.0], [2.0, 4.0]], requires_grad=True)
    with pytest.raises(gentrain.InvalidArgumentError, match="singular"):
        gentrain.linalg.det(s).backward()


def test_scatter_reduce_as_pytorch():
    # A three-way tie of a maximum (self and two of src) shares the gradient: 3 / 3 each.
    x = gentrain.tensor([1.0, 5.0], requires_grad=True)
    s = gentrain.tensor([5.0, 5.0, 2.0], requires_grad=True)
    y = x.scatter_reduce(0, gentrain.tensor([1, 1, 0]), s, "amax")
    y.backward(gentrain.tensor([1.0, 3.0]))
    assert y.tolist() == [2.0, 5.0] and x.grad.tolist() == [0.0, 1.0] and s.grad.tolist() == [1.0, 1.0, 1.0]
    # A product without self: the zero factor's gradient is the product of the others.
    x = gentrain.tensor([2.0, 0.0, 3.0], requires_grad=True)
    s = gentrain.tensor([0.0, 4.0, 5.0], requires_grad=True)
    y = gentrain.scatter_reduce(x, 0, gentrain.tensor([0, 0, 2]), s, reduce="prod", include_self=False)
    y.sum().backward()
    assert y.tolist() == [0.0, 0.0, 5.0] and x.grad.tolist() == [0.0, 1.0, 0.0] and s.grad.tolist() == [4.0, 0.0, 1.0]
    m = gentrain.zeros(3).scatter_reduce(0, gentrain.tensor([0, 0, 2]), gentrain.tensor([1.0, 2.0, 3.0]), "mean",
                                         include_self=False)
    assert m.tolist() == [1.5, 0.0, 3.0]
    with pytest.raises(ValueError, match="must be one of"):
        x.scatter_reduce(0, gentrain.tensor([0]), gentrain.tensor([1.0]), "median")
    with pytest.raises(gentrain.IndexError):
        x.scatter_reduce(0, gentrain.tensor([3]), gentrain.tensor([1.0]), "sum")


def test_embedding_bag_and_local_response_norm_modules():
    bag = nn.EmbeddingBag(10, 3, mode="sum", padding_idx=0)
    assert bag.weight.shape == (10, 3) and bag.weight[0].tolist() == [0.0, 0.0, 0.0]
    ids, offsets = gentrain.tensor([1, 2, 0, 4, 4]), gentrain.tensor([0, 3, 3])
    y = bag(ids, offsets)   # bags [1, 2, 0], [], [4, 4]; the padding index is left out
    np.testing.assert_allclose(y.detach().numpy(), np.stack([(bag.weight[1] + bag.weight[2]).detach().numpy(),
                                                              np.zeros(3), (2 * bag.weight[4]).detach().numpy()]), rtol=1e-6)
    y.sum().backward()
    assert bag.weight.grad[0].tolist() == [0.0] * 3 and bag.weight.grad[4].tolist() == [2.0] * 3
    mean = F.embedding_bag(gentrain.tensor([[1, 2], [3, 3]]), bag.weight, mode="mean")
    np.testing.assert_allclose(mean[1].detach().numpy(), bag.weight[3].detach().numpy(), rtol=1e-6)
    with pytest.raises(gentrain.InvalidArgumentError, match="only supported for mode='sum'"):
        F.embedding_bag(ids, bag.weight, offsets, mode="max", per_sample_weights=gentrain.ones(5))
    with pytest.raises(gentrain.IndexError, match="ascend"):
        F.embedding_bag(ids, bag.weight, gentrain.tensor([0, 4, 2]))
    with pytest.raises(gentrain.ShapeError, match="1D with offsets"):
        F.embedding_bag(ids, bag.weight)
    lrn = nn.LocalResponseNorm(2, alpha=1.0, beta=1.0, k=1.0)
    x = gentrain.tensor([[[1.0], [2.0], [3.0]]])   # channel c over channels c-1 and c: (x[c-1]² + x[c]²) / 2
    np.testing.assert_allclose(lrn(x).reshape(-1).numpy(), [1 / 1.5, 2 / 3.5, 3 / 7.5], rtol=1e-6)
    with pytest.raises(gentrain.ShapeError, match="3D or higher"):
        lrn(gentrain.ones(2, 3))


def test_put_as_pytorch():
    a = gentrain.zeros(2, 3)
    assert a.put_(gentrain.tensor([1, -1, 1]), gentrain.tensor([9.0, 8.0, 7.0]), accumulate=True) is a
    assert a.tolist() == [[0.0, 16.0, 0.0], [0.0, 0.0, 8.0]]
    x = gentrain.ones(2, 2, requires_grad=True)
    y = gentrain.put(x * 2, gentrain.tensor([0, 3]), gentrain.tensor([5.0, 6.0]))
    y.sum().backward()
    assert y.tolist() == [[5.0, 2.0], [2.0, 6.0]] and x.grad.tolist() == [[0.0, 2.0], [2.0, 0.0]]
    with pytest.raises(IndexError, match="out of range"):
        gentrain.zeros(3).put_(gentrain.tensor([3]), gentrain.tensor([1.0]))


def test_conv3d_module_and_errors():
    m = nn.Conv3d(2, 4, 3, padding=1)
    assert m.weight.shape == (4, 2, 3, 3, 3) and m.bias.shape == (4,)
    assert float(m.weight.abs().max()) <= 1 / math.sqrt(2 * 27)
    x = gentrain.randn(1, 2, 4, 5, 6, requires_grad=True)
    y = m(x)
    assert y.shape == (1, 4, 4, 5, 6)
    y.sum().backward()
    assert x.grad.shape == x.shape and m.weight.grad.shape == m.weight.shape
    # A 1x1x1 kernel of ones with stride 2 picks every other voxel.
    picked = F.conv3d(gentrain.arange(64.0).reshape(1, 1, 4, 4, 4), gentrain.ones(1, 1, 1, 1, 1), stride=2)
    assert picked.reshape(-1).tolist() == [0.0, 2.0, 8.0, 10.0, 32.0, 34.0, 40.0, 42.0]
    with pytest.raises(gentrain.InvalidArgumentError, match="3 entries"):
        F.conv3d(gentrain.randn(1, 2, 3, 3, 3), gentrain.randn(1, 2, 1, 1, 1), padding=(1, 1))
    with pytest.raises(gentrain.ShapeError, match="Kernel size can't be greater"):
        F.conv3d(gentrain.randn(1, 2, 2, 3, 3), gentrain.randn(1, 2, 3, 1, 1))


def test_second_probe_conveniences_as_pytorch():
    x = gentrain.tensor([[1.5, -2.0, 3.0], [0.5, 2.0, -1.0]])
    np.testing.assert_allclose(gentrain.addcmul(x, x, x, value=0.5).numpy(), (x + 0.5 * x * x).numpy())
    np.testing.assert_allclose(x.addcdiv(x, x + 5, value=2).numpy(), (x + 2 * x / (x + 5)).numpy(), rtol=1e-6)
    assert x.kthvalue(2, 1).values.tolist() == [1.5, 0.5] and x.kthvalue(2, 1).indices.tolist() == [0, 0]
    assert gentrain.tensor([1, 2, 2, 3]).mode().values.item() == 2
    assert gentrain.div(x, 2, rounding_mode="trunc").tolist() == [[0.0, -1.0, 1.0], [0.0, 1.0, -0.0]]
    assert gentrain.div(x, 2, rounding_mode="floor").tolist() == [[0.0, -1.0, 1.0], [0.0, 1.0, -1.0]]
    assert gentrain.copysign(x, -1.0).tolist() == [[-1.5, -2.0, -3.0], [-0.5, -2.0, -1.0]]
    assert x.max(gentrain.zeros(2, 3)).tolist() == [[1.5, 0.0, 3.0], [0.5, 2.0, 0.0]]
    assert x.cumsum(1, dtype=gentrain.float64).dtype == gentrain.float64
    assert F.log_softmax(x, 1, dtype=gentrain.float64).dtype == gentrain.float64
    assert x.norm(p="fro").item() == pytest.approx(math.sqrt(20.5)) and gentrain.dist(x, x * 0).item() == pytest.approx(math.sqrt(20.5))
    np.testing.assert_allclose(gentrain.lerp(x, gentrain.zeros(2, 3), gentrain.full((2, 3), 0.5)).numpy(), (x * 0.5).numpy())
    assert gentrain.unique_consecutive(gentrain.tensor([1, 1, 2, 2, 3, 1]), return_counts=True)[1].tolist() == [2, 2, 1, 1]
    assert gentrain.unique(gentrain.tensor([[1, 2], [1, 2], [0, 1]]), dim=0).tolist() == [[0, 1], [1, 2]]
    assert gentrain.special.expit(gentrain.tensor([0.0])).item() == 0.5 and gentrain.special.entr(gentrain.tensor([0.0])).item() == 0.0
    y = x.clone()
    assert y.square_() is y and y.tolist() == [[2.25, 4.0, 9.0], [0.25, 4.0, 1.0]]
    e = nn.Embedding.from_pretrained(x)
    assert e(gentrain.tensor([1])).tolist() == [[0.5, 2.0, -1.0]] and not e.weight.requires_grad
    params = nn.ParameterList([gentrain.ones(2), gentrain.zeros(3)])
    assert len(params) == 2 and [p.shape for p in params.parameters()] == [(2,), (3,)]
    assert list(nn.ParameterDict({"a": gentrain.ones(1)}).state_dict()) == ["a"]
    assert nn.init.eye_(gentrain.empty(2, 3)).tolist() == [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    lin = nn.Linear(3, 2)
    v = nn.utils.parameters_to_vector(lin.parameters())
    assert v.shape == (8,)
    nn.utils.vector_to_parameters(gentrain.arange(8.0), lin.parameters())
    assert lin.bias.tolist() == [6.0, 7.0]
    opt = gentrain.optim.SGD(lin.parameters(), lr=0.1)
    sched = gentrain.optim.lr_scheduler.PolynomialLR(opt, total_iters=4, power=2.0)
    lrs = []
    for _ in range(3):
        opt.step()
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    assert lrs == pytest.approx([0.05625, 0.025, 0.00625])
    img = gentrain.tensor([[[[3.0, 1.0, 4.0, 1.0], [5.0, 9.0, 2.0, 6.0], [5.0, 3.0, 5.0, 8.0]]]])
    assert F.adaptive_max_pool2d(img, (2, 3), return_indices=True)[1].tolist() == [[[[5, 5, 7], [5, 5, 11]]]]
    assert F.max_pool1d(img[0], 2, 1, return_indices=True)[1].tolist() == [[[0, 2, 2], [1, 1, 3], [0, 2, 3]]]
    assert F.adaptive_avg_pool1d(gentrain.arange(6.0).reshape(1, 1, 6), 4).tolist() == [[[0.5, 1.5, 3.5, 4.5]]]
    assert F.interpolate(gentrain.arange(2.0).reshape(1, 1, 2), scale_factor=2, mode="nearest").tolist() == [[[0.0, 0.0, 1.0, 1.0]]]


def test_register_hook_and_retain_grad_as_pytorch():
    x = gentrain.ones(2, requires_grad=True)
    handle = x.register_hook(lambda g: g * 3)
    (x * 2).sum().backward()
    assert x.grad.tolist() == [6.0, 6.0]
    handle.remove()
    x.grad = None
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
    a = gentrain.tensor([1.0, -2.0], requires_grad=True)
    y = a * 3
    y.retain_grad()
    seen = []
    y.register_hook(lambda g: (seen.append(g.tolist()), g * 2)[1])
    a.register_hook(lambda g: g.clamp(max=7.0))   # the whole gradient of a leaf used twice, clamped once
    (y * y + a * 4).sum().backward()
    assert seen == [[6.0, -12.0]] and y.grad.tolist() == [12.0, -24.0] and a.grad.tolist() == [7.0, -68.0]
    assert y.retains_grad and not a.retains_grad
    c = gentrain.ones(2, requires_grad=True)
    c.register_hook(lambda g: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        c.sum().backward()
    with pytest.raises(gentrain.AutogradError, match="doesn't require gradient"):
        gentrain.ones(2).register_hook(lambda g: g)


def test_deepcopy_ema_spectral_norm_hooks_and_sampling():
    import copy
    model = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.BatchNorm1d(2))
    twin = copy.deepcopy(model)
    assert all(p is not q and p.tolist() == q.tolist() for p, q in zip(model.parameters(), twin.parameters()))
    assert isinstance(twin[0].weight, nn.Parameter) and twin[0].weight.requires_grad
    with gentrain.no_grad():
        twin[0].weight.add_(1.0)
    assert twin[0].weight.tolist() != model[0].weight.tolist()
    with pytest.raises(RuntimeError, match="graph leaves"):
        copy.deepcopy(gentrain.ones(2, requires_grad=True) * 2)
    # An exponential moving average of the weights.
    lin = nn.Linear(2, 2)
    ema = gentrain.optim.swa_utils.AveragedModel(lin, multi_avg_fn=gentrain.optim.swa_utils.get_ema_multi_avg_fn(0.9))
    start = lin.weight.detach().clone()
    ema.update_parameters(lin)   # the first copies
    with gentrain.no_grad():
        lin.weight.add_(1.0)
    ema.update_parameters(lin)
    np.testing.assert_allclose(ema.module.weight.detach().numpy(), (start + 0.1).numpy(), rtol=1e-6)
    assert ema.n_averaged.item() == 2 and ema(gentrain.ones(1, 2)).shape == (1, 2)
    swa = gentrain.optim.swa_utils.AveragedModel(lin)
    swa.update_parameters(lin)
    with gentrain.no_grad():
        lin.weight.add_(2.0)
    swa.update_parameters(lin)   # the plain average of the two
    np.testing.assert_allclose(swa.module.weight.detach().numpy(), (start + 2.0).numpy(), rtol=1e-6)
    # Spectral normalization: the weight's largest singular value goes to 1 under power iteration.
    gentrain.manual_seed(0)
    critic = nn.utils.spectral_norm(nn.Linear(5, 4))
    for _ in range(30):
        critic(gentrain.ones(1, 5))
    assert np.linalg.svd(critic.weight.detach().numpy(), compute_uv=False)[0] == pytest.approx(1.0, abs=1e-4)
    assert sorted(dict(critic.named_parameters())) == ["bias", "weight_orig"]
    assert sorted(dict(critic.named_buffers())) == ["weight_u", "weight_v"]
    critic(gentrain.ones(1, 5)).sum().backward()
    assert critic.weight_orig.grad.shape == (4, 5)
    nn.utils.remove_spectral_norm(critic)
    assert sorted(dict(critic.named_parameters())) == ["bias", "weight"]
    wn = nn.utils.weight_norm(nn.Linear(3, 2))
    assert sorted(dict(wn.named_parameters())) == ["bias", "weight_g", "weight_v"] and wn.weight_g.shape == (2, 1)
    # Forward hooks.
    handle = lin.register_forward_hook(lambda m, args, out: out * 0)
    assert lin(gentrain.ones(1, 2)).tolist() == [[0.0, 0.0]]
    handle.remove()
    pre = lin.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    assert lin(gentrain.ones(1, 2)).tolist() == [lin.bias.tolist()]
    pre.remove()
    # Sampling helpers.
    gentrain.manual_seed(1)
    assert 0.2 < gentrain.bernoulli(gentrain.full((2000,), 0.3)).mean().item() < 0.4
    assert gentrain.normal(gentrain.zeros(2), gentrain.ones(3, 1)).shape == (3, 2)
    assert set(gentrain.empty(50).random_(0, 3).tolist()) <= {0.0, 1.0, 2.0}
    assert gentrain.empty(50).exponential_(2.0).min().item() >= 0
    d = gentrain.distributions.Independent(gentrain.distributions.Normal(gentrain.zeros(2, 3), gentrain.ones(2, 3) * 2), 1)
    assert d.log_prob(gentrain.ones(2, 3) * 0.5).tolist() == pytest.approx([-4.930007] * 2)
    assert nn.Identity(54, unused=1)(gentrain.ones(2)).tolist() == [1.0, 1.0]


def test_a_hooks_returned_tensor_is_not_taken_over_as_grad():
    kept = gentrain.tensor([5.0, 5.0])
    x = gentrain.ones(2, requires_grad=True)
    x.register_hook(lambda g: kept)
    for _ in range(3):
        (x * 2).sum().backward()   # .grad accumulates in place after the first pass: never into `kept`
    assert x.grad.tolist() == [15.0, 15.0] and kept.tolist() == [5.0, 5.0]


def test_a_custom_backwards_kept_tensor_is_not_taken_over_as_grad():
    kept = gentrain.tensor([5.0, 5.0])

    class Constant(gentrain.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, grad):
            return kept

    x = gentrain.ones(2, requires_grad=True)
    for _ in range(3):
        Constant.apply(x).sum().backward()
    assert x.grad.tolist() == [15.0, 15.0] and kept.tolist() == [5.0, 5.0]   # before: both [20, 20]


def test_linalg_refuses_what_lapacks_32_bit_indices_cannot_reach():
    with pytest.raises(gentrain.InvalidArgumentError, match="32-bit indices"):
        gentrain.linalg.det(gentrain.zeros(46341, 1).expand(46341, 46341))   # a view: nothing allocated
    with pytest.raises(gentrain.InvalidArgumentError, match="32-bit indices"):
        gentrain.linalg.solve(gentrain.eye(2), gentrain.zeros(2, 1).expand(2, 2**40))


def test_conv3d_of_expanded_weights_and_empty_inputs_neither_loops_nor_overflows():
    deep = gentrain.zeros(1, 1, 1, 1, 1).expand(1, 1, 2**31, 1, 1)   # 2^31 depth taps, nothing allocated
    assert F.conv3d(gentrain.zeros(0, 1, 1, 1, 1), deep, padding=(2**31 - 1, 0, 0)).shape == (0, 1, 2**31, 1, 1)
    with pytest.raises(gentrain.ShapeError, match="Kernel size"):
        F.conv3d(gentrain.zeros(1, 1, 3, 1, 1), gentrain.zeros(1, 1, 1, 1, 1).expand(1, 1, 2**40, 1, 1), dilation=(2**31 - 1, 1, 1))
    with pytest.raises(MemoryError, match="too many"):
        F.conv3d(gentrain.zeros(2**40, 0, 3, 1, 1), gentrain.zeros(1, 0, 1, 1, 1), padding=(2**31 - 1, 0, 0))
    assert F.conv3d(gentrain.zeros(2, 0, 3, 2, 2), gentrain.zeros(4, 0, 2, 1, 1), gentrain.ones(4)).sum().item() == 64.0


def test_cholesky_and_multivariate_normal():
    m = gentrain.tensor([[2.0, 0.5, 0.0], [0.5, 1.5, 0.3], [0.0, 0.3, 1.0]], dtype=gentrain.float64)
    L = gentrain.linalg.cholesky(m)
    np.testing.assert_allclose((L @ L.mT).numpy(), m.numpy(), atol=1e-12)
    assert L.triu(1).abs().sum().item() == 0.0
    np.testing.assert_allclose(gentrain.linalg.cholesky(m, upper=True).numpy(), L.mT.numpy())
    with pytest.raises(gentrain.InvalidArgumentError, match="not positive-definite"):
        gentrain.linalg.cholesky(gentrain.tensor([[1.0, 2.0], [2.0, 1.0]]))
    d = gentrain.distributions.MultivariateNormal(gentrain.zeros(3, dtype=gentrain.float64), covariance_matrix=m)
    x = gentrain.tensor([0.3, -0.2, 0.5], dtype=gentrain.float64)
    expected = -0.5 * (3 * math.log(2 * math.pi) + float(x.numpy() @ np.linalg.solve(m.numpy(), x.numpy()))) \
        - 0.5 * math.log(np.linalg.det(m.numpy()))
    assert d.log_prob(x).item() == pytest.approx(expected, rel=1e-12)
    assert d.entropy().item() == pytest.approx(0.5 * 3 * (1 + math.log(2 * math.pi)) + 0.5 * math.log(np.linalg.det(m.numpy())))
    assert d.rsample((5,)).shape == (5, 3)


def test_integer_division_with_a_rounding_mode_stays_integral():
    a, b = gentrain.tensor([7, -7, 7, -7]), gentrain.tensor([2, 2, -2, -2])
    t, f = gentrain.div(a, b, rounding_mode="trunc"), gentrain.div(a, b, rounding_mode="floor")
    assert t.dtype == gentrain.int64 and t.tolist() == [3, -3, -3, 3]
    assert f.dtype == gentrain.int64 and f.tolist() == [3, -4, -4, 3]
    assert gentrain.div(a, 2.0, rounding_mode="trunc").tolist() == [3.0, -3.0, 3.0, -3.0]
