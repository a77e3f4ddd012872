"""GradScaler against PyTorch's: 40 iterations with infinities and NaNs injected, two optimizers,
unscale_ by hand on some steps (Tests/GentrainTests/Golden/grad_scaler.json, from
scripts/gen_golden.py), and PyTorch's errors for misuse."""
import json
import math
import os

import numpy as np
import pytest

import gentrain
from gentrain.amp import GradScaler

GOLDEN = os.path.join(os.path.dirname(__file__), "..", "..", "..", "Tests", "GentrainTests", "Golden", "grad_scaler.json")


def test_scale_growth_backoff_and_skipped_steps_match_pytorch():
    case = json.load(open(GOLDEN))
    p = gentrain.nn.Parameter(gentrain.tensor(case["p0"]))
    q = gentrain.nn.Parameter(gentrain.tensor(case["q0"]))
    opt_p, opt_q = gentrain.optim.SGD([p], lr=0.1), gentrain.optim.SGD([q], lr=0.05, momentum=0.9)
    scaler = GradScaler("cpu", init_scale=1024.0, growth_factor=2.0, backoff_factor=0.5, growth_interval=3)
    bad = {step: (which, float(value)) for step, which, value in case["bad"]}
    for i, ((gp, gq), expected) in enumerate(zip(case["grads"], case["steps"])):
        loss = scaler.scale((p * gentrain.tensor(gp)).sum() + (q * gentrain.tensor(gq)).sum())
        loss.backward()
        which, value = bad.get(i, (None, None))
        for name, param, index in (("p", p, 1), ("q", q, 0)):
            if which in (name, "both"):
                g = param.grad.numpy().copy()
                g[index] = value
                param.grad = gentrain.tensor(g)
        if i in case["unscale_first"]:
            scaler.unscale_(opt_p)
        scaler.step(opt_p)
        scaler.step(opt_q)
        scaler.update()
        assert scaler.get_scale() == expected["scale"], i
        assert scaler._get_growth_tracker() == expected["tracker"], i
        np.testing.assert_allclose(p.numpy(), expected["p"], rtol=1e-6, atol=1e-7, err_msg=f"step {i}")
        np.testing.assert_allclose(q.numpy(), expected["q"], rtol=1e-6, atol=1e-7, err_msg=f"step {i}")
        opt_p.zero_grad()
        opt_q.zero_grad()


def _setup():
    p = gentrain.nn.Parameter(gentrain.ones(3))
    opt = gentrain.optim.SGD([p], lr=0.1)
    return p, opt


def test_misuse_is_an_error_as_in_pytorch():
    p, opt = _setup()
    scaler = GradScaler()
    with pytest.raises(RuntimeError, match="did not use scaler.scale"):
        scaler.unscale_(opt)
    scaler.scale((p * 2).sum()).backward()
    scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match="already been called on this optimizer"):
        scaler.unscale_(opt)
    scaler.step(opt)
    with pytest.raises(RuntimeError, match="after step"):
        scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match="step\\(\\) has already been called"):
        scaler.step(opt)
    with pytest.raises(RuntimeError, match="Closure use is not currently supported"):
        scaler.step(opt, closure=lambda: None)
    scaler.update()
    with pytest.raises(RuntimeError, match="No inf checks"):
        scaler.update()
    with pytest.raises(RuntimeError, match="growth factor must be > 1.0"):
        GradScaler(growth_factor=1.0)
    with pytest.raises(RuntimeError, match="backoff factor must be < 1.0"):
        GradScaler(backoff_factor=1.5)
    with pytest.raises(ValueError):
        GradScaler("cuda")


def test_unscaled_gradients_and_clipping_between_backward_and_step():
    p, opt = _setup()
    scaler = GradScaler(init_scale=8.0)
    scaler.scale((p * gentrain.tensor([1.0, 2.0, 3.0])).sum()).backward()
    assert p.grad.tolist() == [8.0, 16.0, 24.0]
    scaler.unscale_(opt)
    assert p.grad.tolist() == [1.0, 2.0, 3.0]
    gentrain.nn.utils.clip_grad_norm_([p], 1.0)
    scaler.step(opt)
    scaler.update()
    np.testing.assert_allclose(p.numpy(), 1 - 0.1 * np.array([1, 2, 3]) / math.sqrt(14), rtol=1e-5)


def test_state_dict_round_trip_and_checked_loading():
    scaler = GradScaler(init_scale=4.0, growth_interval=5)
    state = scaler.state_dict()
    assert state == {"scale": 4.0, "growth_factor": 2.0, "backoff_factor": 0.5, "growth_interval": 5, "_growth_tracker": 0}
    other = GradScaler()
    other.load_state_dict(dict(state, scale=32.0, _growth_tracker=3))
    assert other.get_scale() == 32.0 and other._get_growth_tracker() == 3 and other.get_growth_interval() == 5
    for bad in (dict(state, _growth_tracker=5), dict(state, growth_factor=0.5), dict(state, scale=math.nan),
                dict(state, growth_interval=0)):
        with pytest.raises(gentrain.InvalidArgumentError):
            other.load_state_dict(bad)
    assert other.get_scale() == 32.0   # nothing changed
    with pytest.raises(RuntimeError, match="empty"):
        other.load_state_dict({})
    disabled = GradScaler(enabled=False)
    assert disabled.state_dict() == {} and disabled.get_scale() == 1.0 and not disabled.is_enabled()
    x = gentrain.ones(2)
    assert disabled.scale(x) is not None and disabled.scale([x, (x,)])[1][0].tolist() == [1.0, 1.0]



def test_scaler_state_is_part_of_the_checkpoint(tmp_path):
    p, opt = _setup()
    scaler = GradScaler(init_scale=64.0, growth_interval=4)
    for i in range(3):
        scaler.scale((p * (math.inf if i == 1 else 1.0)).sum()).backward()
        scaler.step(opt)
        scaler.update()
        opt.zero_grad()
    state = scaler.state_dict()
    assert state["scale"] == 32.0 and state["_growth_tracker"] == 1
    gentrain.Checkpoint(optimizers=[opt], tensors={"p": p}, grad_scalers=[scaler]).save(tmp_path / "run.ckpt")
    fresh = GradScaler(init_scale=64.0, growth_interval=4)
    gentrain.Checkpoint(optimizers=[opt], tensors={"p": p}, grad_scalers=[fresh]).load(tmp_path / "run.ckpt")
    assert fresh.state_dict() == state
