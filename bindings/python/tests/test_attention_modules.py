"""MultiheadAttention and scaled_dot_product_attention against PyTorch (golden attention.json);
ModuleList / ModuleDict; Embedding's padding_idx."""
import json
import os

import numpy as np
import pytest

import gentrain as gt
from gentrain import nn
from gentrain.nn import functional as F

GOLDEN = os.path.join(os.path.dirname(__file__), "..", "..", "..", "Tests", "GentrainTests", "Golden")


@pytest.fixture(scope="module")
def golden():
    with open(os.path.join(GOLDEN, "attention.json")) as f:
        return json.load(f)


def stored(entry, requires_grad=False):
    dtype = {"int64": np.int64, "bool": np.bool_}.get(entry["dtype"], np.float64)
    t = gt.from_numpy(np.array(entry["data"], dtype=dtype).reshape(entry["shape"]))
    return t.requires_grad_(True) if requires_grad else t


def close(t, entry, tol=1e-10):
    np.testing.assert_allclose(np.array(t.tolist()).reshape(-1), entry["data"], rtol=tol, atol=tol)


@pytest.mark.parametrize("name", ["cross", "causal"])
def test_multihead_attention_matches_pytorch(golden, name):
    case = golden[name]
    mha = nn.MultiheadAttention(8, 2, batch_first=name == "cross")
    assert [n for n, _ in mha.named_parameters()] == list(case["state"])
    params = {n: stored(e, True) for n, e in case["state"].items()}
    inputs = [stored(e, True) for e in case["inputs"]]
    masks = {n: stored(e) for n, e in case["masks"].items()}
    q, k, v = (inputs * 3)[:3] if name == "causal" else inputs
    y, w = F.multi_head_attention(q, k, v, 2, params["in_proj_weight"], params["in_proj_bias"], params["out_proj.weight"],
                                  params["out_proj.bias"], key_padding_mask=masks.get("key_padding_mask"),
                                  attn_mask=None if name == "causal" else masks["attn_mask"],
                                  average_attn_weights=name == "cross", is_causal=name == "causal",
                                  batch_first=name == "cross")
    close(y, case["output"])
    close(w, case["weights"])
    loss = (y * stored(case["wy"])).sum() + (w * stored(case["ww"])).sum()
    grads = gt.autograd.grad(loss, inputs + list(params.values()))
    for g, e in zip(grads, case["grads"]):
        close(g, e, 1e-9)
    # The module, with the same parameters loaded (float32).
    state = {n: params[n].detach().to(gt.float32) for n in params}
    _load(mha, state)
    y32, w32 = mha(*(t.detach().to(gt.float32) for t in (q, k, v)), key_padding_mask=masks.get("key_padding_mask"),
                   attn_mask=None if name == "causal" else masks["attn_mask"].to(gt.float32),
                   average_attn_weights=name == "cross", is_causal=name == "causal")
    close(y32, case["output"], 1e-5)
    close(w32, case["weights"], 1e-5)


def _load(module, state):
    import tempfile
    from safetensors.numpy import save_file
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "m.safetensors")
        save_file({n: np.array(t.tolist(), dtype=np.float32) for n, t in state.items()}, path)
        module.load(path)


@pytest.mark.parametrize("name", ["sdpa_mask", "sdpa_causal"])
def test_scaled_dot_product_attention_matches_pytorch(golden, name):
    case = golden[name]
    q, k, v = (stored(e, True) for e in case["inputs"])
    if name == "sdpa_mask":
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=stored(case["mask"]), scale=case["scale"])
    else:
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    close(y, case["output"])
    for g, e in zip(gt.autograd.grad((y * stored(case["w"])).sum(), [q, k, v]), case["grads"]):
        close(g, e, 1e-9)


def test_attention_errors_and_no_weights():
    mha = nn.MultiheadAttention(8, 2)
    x = gt.randn(5, 2, 8)
    y, w = mha(x, x, x, need_weights=False)
    assert w is None and y.shape == (5, 2, 8)
    with pytest.raises(gt.GentrainError, match="attn_mask must be"):
        mha(x, x, x, attn_mask=gt.zeros(4, 5))
    with pytest.raises(ValueError):
        nn.MultiheadAttention(8, 3)
    empty = gt.zeros(2, 1, 0)   # an empty embedding is an error, not a crash
    with pytest.raises(gt.GentrainError, match="must be positive"):
        F.multi_head_attention(empty, empty, empty, 1, gt.zeros(0, 0), None, gt.zeros(0, 0), None)


def test_module_list_and_dict_name_their_entries():
    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 3)])
            self.heads = nn.ModuleDict({"mu": nn.Linear(3, 1), "logvar": nn.Linear(3, 1, bias=False)})

        def forward(self, x):
            for b in self.blocks:
                x = b(x)
            return self.heads["mu"](x) + self.heads["logvar"](x)

    m = Model()
    assert list(m.state_dict()) == ["blocks.0.weight", "blocks.0.bias", "blocks.1.weight", "blocks.1.bias",
                                    "heads.mu.weight", "heads.mu.bias", "heads.logvar.weight"]
    assert len(m.blocks) == 2 and "mu" in m.heads and list(m.heads.keys()) == ["mu", "logvar"]
    m(gt.randn(4, 2)).sum().backward()
    assert all(p.grad is not None for p in m.parameters())
    with pytest.raises(ValueError):
        m.heads["a.b"] = nn.ReLU()


def test_embedding_padding_idx():
    emb = nn.Embedding(4, 3, padding_idx=-1)
    assert emb.padding_idx == 3
    assert emb.weight[3].tolist() == [0.0, 0.0, 0.0]
    idx = gt.tensor([3, 0, 3, 1])
    emb(idx).sum().backward()
    g = emb.weight.grad.tolist()
    assert g[3] == [0.0, 0.0, 0.0] and g[0] == [1.0, 1.0, 1.0]
    with pytest.raises(IndexError):
        nn.Embedding(4, 3, padding_idx=4)


def test_module_load_rejects_malformed_files_and_changes_nothing(tmp_path):
    model = nn.Sequential(nn.Linear(3, 2))
    before = [p.tolist() for p in model.parameters()]
    good = tmp_path / "good.safetensors"
    nn.Sequential(nn.Linear(3, 2)).save(good)
    data = good.read_bytes()
    header_len = int.from_bytes(data[:8], "little")
    broken = {
        "truncated": data[:-5],
        "header_length_past_end": (10**6).to_bytes(8, "little") + data[8:],
        "short": data[:5],
        "offsets_out_of_range": data[:8] + data[8:8 + header_len].replace(b'"data_offsets":[0,', b'"data_offsets":[9999,') + data[8 + header_len:],
    }
    for name, content in broken.items():
        path = tmp_path / f"{name}.safetensors"
        path.write_bytes(content)
        with pytest.raises(gt.GentrainError):
            model.load(path)
        assert [p.tolist() for p in model.parameters()] == before, name


def test_init_functions_follow_pytorch_formulas():
    init = nn.init
    gt.manual_seed(0)
    w = gt.zeros(256, 128)
    bound = (6 / (256 + 128)) ** 0.5 * 2.0
    values = np.array(init.xavier_uniform_(w, gain=2.0).tolist())
    assert np.abs(values).max() <= bound and np.abs(values).max() > 0.95 * bound
    np.testing.assert_allclose(np.array(init.xavier_normal_(w).tolist()).std(), (2 / 384) ** 0.5, rtol=0.03)
    np.testing.assert_allclose(np.array(init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu").tolist()).std(),
                               (2 / 256) ** 0.5, rtol=0.03)
    bound = 3 ** 0.5 * (2 / (1 + 0.2 ** 2)) ** 0.5 / 128 ** 0.5
    values = np.array(init.kaiming_uniform_(w, a=0.2).tolist())
    assert np.abs(values).max() <= bound and np.abs(values).max() > 0.95 * bound
    assert np.array(init.uniform_(w, -0.5, 0.25).tolist()).min() >= -0.5
    np.testing.assert_allclose(np.array(init.normal_(w, 3.0, 0.5).tolist()).mean(), 3.0, atol=0.01)
    assert set(np.array(init.ones_(w).tolist()).ravel()) == {1.0}
    assert set(np.array(init.zeros_(w).tolist()).ravel()) == {0.0}
    assert set(np.array(init.constant_(w, 0.3).tolist()).ravel()) == {np.float32(0.3)}
    assert init.calculate_gain("relu") == pytest.approx(2 ** 0.5)
    assert init.calculate_gain("leaky_relu") == pytest.approx((2 / (1 + 0.01 ** 2)) ** 0.5)
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx((2 / 1.04) ** 0.5)
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(gt.GentrainError, match="unsupported nonlinearity"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError):
        init.kaiming_uniform_(w, mode="fan_avg")
    # A parameter keeps requiring grad and records nothing.
    p = nn.Linear(3, 4).weight
    init.xavier_uniform_(p)
    assert p.requires_grad and p.is_leaf


def test_unflatten():
    x = gt.randn(2, 12, 5)
    assert nn.Unflatten(1, (3, 4))(x).shape == (2, 3, 4, 5)
    assert nn.Unflatten(-1, (5, 1))(x).shape == (2, 12, 5, 1)


def test_a_forked_child_keeps_working():
    """Threads do not survive fork(): in the child the engine's pool starts new workers, and
    oneDNN's OpenMP regions run on one thread instead of waiting for threads that are gone (they
    used to hang)."""
    import multiprocessing
    gt.set_num_threads(2)
    x, a = gt.randn(1 << 20), gt.randn(512, 512)
    x.exp(), a @ a   # start the pool in the parent

    def child():
        ok = abs(float(x.exp().sum()) - float(x.exp().sum())) == 0 and (a @ a).shape == (512, 512)
        os._exit(0 if ok else 1)

    p = multiprocessing.get_context("fork").Process(target=child)
    p.start()
    p.join(timeout=60)
    if p.is_alive():
        p.kill()
    assert p.exitcode == 0
