import json
import os

import numpy as np
import pytest

import gentrain
from gentrain.optim import lr_scheduler

GOLDEN = os.path.join(os.path.dirname(__file__), "..", "..", "..", "Tests", "GentrainTests", "Golden")


def two_groups(make, **kw):
    a = gentrain.zeros(1, requires_grad=True)
    b = gentrain.zeros(1, requires_grad=True)
    return make([{"params": [a]}, {"params": [b], "lr": 0.3}], **kw)


def test_param_groups_read_and_write_like_pytorch():
    opt = two_groups(gentrain.optim.Adam, lr=0.1, betas=(0.8, 0.99))
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.3]
    assert opt.param_groups[1]["betas"] == (0.8, 0.99)  # the constructor's options are the defaults
    opt.param_groups[0]["lr"] = 0.05
    assert opt.lr == 0.05
    with pytest.raises(gentrain.InvalidArgumentError, match="no option 'momentum'"):
        opt.param_groups[0]["momentum"] = 0.9
    with pytest.raises(gentrain.InvalidArgumentError):
        gentrain.optim.SGD([gentrain.zeros(1, requires_grad=True)], lr=-1)


@pytest.mark.parametrize("name,make", [
    ("cosine_long", lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=7, eta_min=0.01)),
    ("warm_restarts_tmult3", lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=3)),
    ("linear_decay", lambda o: lr_scheduler.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=9)),
    ("onecycle_three_phase_linear", lambda o: lr_scheduler.OneCycleLR(
        o, max_lr=[1.0, 2.0], total_steps=30, three_phase=True, anneal_strategy="linear")),
    ("sequential_three", lambda o: lr_scheduler.SequentialLR(o, [
        lr_scheduler.LinearLR(o, start_factor=0.5, total_iters=3), lr_scheduler.StepLR(o, step_size=2, gamma=0.5),
        lr_scheduler.CosineAnnealingLR(o, T_max=5)], milestones=[4, 9])),
])
def test_scheduler_sequences_match_pytorch(name, make):
    case = json.load(open(os.path.join(GOLDEN, "schedulers.json")))["cases"][name]
    opt = two_groups(gentrain.optim.SGD, lr=0.1, momentum=0.9)
    s = make(opt)
    got = [s.get_last_lr()]
    for _ in range(len(case["lrs"]) - 1):
        s.step()
        got.append(s.get_last_lr())
    assert got == case["lrs"]


def test_fractional_epochs_of_warm_restarts():
    case = json.load(open(os.path.join(GOLDEN, "schedulers.json")))["cases"]["warm_restarts_fractional_tmult2"]
    opt = two_groups(gentrain.optim.SGD, lr=0.1, momentum=0.9)
    s = lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=2, eta_min=0.001)
    got = [s.get_last_lr()]
    for e in case["epochs"]:
        s.step(e)
        got.append(s.get_last_lr())
    assert got == case["lrs"]


def test_lambda_and_plateau():
    opt = two_groups(gentrain.optim.SGD, lr=0.1)
    s = lr_scheduler.LambdaLR(opt, [lambda e: 0.5 ** e, lambda e: 1.0])
    s.step()
    s.step()
    assert s.get_last_lr() == [0.025, 0.3]
    bad = lr_scheduler.LambdaLR(opt, lambda e: 1 / (e - 1))
    with pytest.raises(ZeroDivisionError):
        bad.step()
    opt = two_groups(gentrain.optim.SGD, lr=0.1)
    p = lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1)
    for metric in [1.0, 1.0, 1.0]:
        p.step(metric)
    assert p.get_last_lr()[1] == pytest.approx(0.15)


def test_adam_trajectory_matches_pytorch_golden():
    d = json.load(open(os.path.join(GOLDEN, "optim.json")))
    run = next(r for r in d["runs"] if r["optimizer"] == "adam_amsgrad_wd" and r["scheduler"] == "cosine")
    prob = d["problem"]
    arr = lambda t: np.array(t["data"], dtype=np.float64).reshape(t["shape"])  # noqa: E731
    params = [gentrain.tensor(arr(t), requires_grad=True) for t in prob["p"]]
    a = [gentrain.tensor(arr(t)) for t in prob["a"]]
    b = [gentrain.tensor(arr(t)) for t in prob["b"]]
    opt = gentrain.optim.Adam([{"params": [params[0]]}, {"params": [params[1]], "lr": 0.005}], lr=0.01,
                              betas=(0.9, 0.99), weight_decay=1e-2, amsgrad=True)
    s = lr_scheduler.CosineAnnealingLR(opt, T_max=40, eta_min=1e-4)
    for _ in range(200):
        with gentrain.no_grad():
            for p, ai, bi in zip(params, a, b):
                p.grad = (ai * p) * abs(p) + bi
        opt.step()
        s.step()
    for p, want in zip(params, run["float64"]["params"]["200"]):
        np.testing.assert_allclose(p.numpy().reshape(-1), want["data"], rtol=1e-12, atol=1e-13)


def test_clip_grad_norm_and_value():
    a = gentrain.tensor([3.0, 4.0], requires_grad=True)
    a.grad = gentrain.tensor([3.0, 4.0])
    total = gentrain.nn.utils.clip_grad_norm_([a], max_norm=1.0)
    assert total.item() == pytest.approx(5.0)
    np.testing.assert_allclose(a.grad.numpy(), [0.6, 0.8], rtol=1e-5)
    a.grad = gentrain.tensor([float("nan"), 1.0])
    with pytest.raises(gentrain.NonFiniteError):
        gentrain.nn.utils.clip_grad_norm_(a, 1.0, error_if_nonfinite=True)
    a.grad = gentrain.tensor([-3.0, 0.5])
    gentrain.nn.utils.clip_grad_value_([a], 1.0)
    assert a.grad.tolist() == [-1.0, 0.5]


def test_gradient_accumulation_over_micro_batches():
    # Four micro-batches of 2 with loss/4 accumulate the gradient of one batch of 8.
    gentrain.manual_seed(0)
    x, w0 = gentrain.randn(8, 3), gentrain.randn(3)
    full = w0.clone().requires_grad_(True)
    ((x @ full) ** 2).mean().backward()
    acc = w0.clone().requires_grad_(True)
    for chunk in x.split(2):
        (((chunk @ acc) ** 2).mean() / 4).backward()
    np.testing.assert_allclose(acc.grad.numpy(), full.grad.numpy(), rtol=1e-6)


def test_state_dicts_round_trip_and_resume_identically():
    def make(values):
        p = gentrain.tensor(values, requires_grad=True)
        opt = gentrain.optim.Adam([p], lr=0.05, amsgrad=True)
        return p, opt, lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2)

    def train(p, opt, sched, n):
        for _ in range(n):
            with gentrain.no_grad():
                p.grad = p * p + 1
            opt.step()
            sched.step()

    p1, o1, s1 = make([0.5, -1.0, 2.0])
    train(p1, o1, s1, 10)
    p2, o2, s2 = make([0.5, -1.0, 2.0])
    train(p2, o2, s2, 5)
    opt_state, sched_state = o2.state_dict(), s2.state_dict()
    assert set(opt_state["state"][0]) == {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}
    assert opt_state["state"][0]["step"] == 5.0
    assert opt_state["param_groups"][0]["params"] == [0]
    assert "T_cur" in sched_state
    p3, o3, s3 = make(p2.tolist())
    o3.load_state_dict(opt_state)
    s3.load_state_dict(sched_state)
    train(p3, o3, s3, 5)
    assert p3.tolist() == p1.tolist()


@pytest.mark.parametrize("cls", [gentrain.optim.SGD, gentrain.optim.Adam, gentrain.optim.AdamW, gentrain.optim.RMSprop,
                                 gentrain.optim.Adagrad])
def test_python_defaults_are_the_engines(cls):
    """The Python signatures show PyTorch's defaults; the engine holds the same ones (one source
    each side, checked here against each other)."""
    import inspect
    p = gentrain.zeros(2, requires_grad=True)
    group = cls([p]).param_groups[0]
    for name, parameter in inspect.signature(cls).parameters.items():
        if parameter.default is inspect.Parameter.empty or name in ("params", "kw", "kwargs"):
            continue
        expected = parameter.default
        if name == "betas":
            assert group["betas"] == pytest.approx(expected), name
        else:
            assert group[name] == pytest.approx(float(expected)), name


def test_param_groups_are_dicts_state_is_keyed_by_parameter_and_frozen_parameters_are_accepted():
    w, frozen = gentrain.randn(3, requires_grad=True), gentrain.randn(2)   # frozen: requires_grad=False
    opt = gentrain.optim.Adam([w, frozen], lr=0.1, betas=(0.8, 0.9))
    g = opt.param_groups[0]
    assert "lr" in g and "betas" in g and "alpha" not in g
    assert list(g.keys())[:2] == ["params", "lr"] and g["betas"] == (0.8, 0.9) and g["amsgrad"] is False
    assert dict(g)["lr"] == 0.1 and g.get("alpha", 5) == 5
    with pytest.raises(KeyError):
        g["alpha"]
    g["lr"] = 0.2
    assert opt.param_groups[0]["lr"] == 0.2
    assert opt.state == {}
    before = frozen.numpy().copy()
    (w * w).sum().backward()
    opt.step()
    assert set(map(id, opt.state)) == {id(w)} and opt.state[w]["step"] == 1.0
    assert "exp_avg" in opt.state[w]
    assert (frozen.numpy() == before).all()   # no gradient: left alone, as PyTorch
    assert opt.state_dict()["param_groups"][0]["betas"] == (0.8, 0.9)
    with pytest.raises(gentrain.InvalidArgumentError, match="non-leaf"):
        gentrain.optim.SGD([w * 2])
