import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import gentrain

HERE = os.path.dirname(os.path.abspath(__file__))


def run(*args):
    env = dict(os.environ, PYTHONPATH=os.path.join(HERE, ".."))
    return subprocess.run([sys.executable, os.path.join(HERE, "resume_run.py"), *map(str, args)], check=True,
                          capture_output=True, text=True, env=env).stdout.strip()


def test_resume_in_a_new_process_is_bit_exact(tmp_path):
    run(20, tmp_path / "straight.npy")
    assert run(10, tmp_path / "first.npy", "--save", tmp_path / "run.ckpt") == "10"
    assert run(10, tmp_path / "resumed.npy", "--load", tmp_path / "run.ckpt") == "20"
    straight, resumed = np.load(tmp_path / "straight.npy"), np.load(tmp_path / "resumed.npy")
    assert straight.tobytes() == resumed.tobytes()
    assert np.load(tmp_path / "first.npy").tobytes() != straight.tobytes()


def test_a_process_killed_while_saving_leaves_a_complete_checkpoint(tmp_path):
    path = tmp_path / "live.ckpt"
    run(1, tmp_path / "seed.npy", "--save", path)   # an old checkpoint exists from the start
    env = dict(os.environ, PYTHONPATH=os.path.join(HERE, ".."))
    for delay in (0.3, 0.45, 0.6, 0.75, 0.9):
        p = subprocess.Popen([sys.executable, os.path.join(HERE, "resume_run.py"), "100000", tmp_path / "never.npy",
                              "--save-every", path], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        p.wait()
        # Whatever moment the kill hit, the file loads completely (the old or a new version).
        run(1, tmp_path / "after.npy", "--load", path)
    leftovers = [f for f in os.listdir(tmp_path) if ".tmp." in f]
    assert len(leftovers) <= 5   # a killed writer may leave its temporary file, never a broken checkpoint


def test_checkpoints_are_safetensors_files(tmp_path):
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    model = gentrain.nn.Linear(3, 2)
    opt = gentrain.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model.weight.grad = gentrain.ones(2, 3)
    model.bias.grad = gentrain.ones(2)
    opt.step()
    ckpt = gentrain.Checkpoint(model, optimizers=[opt])
    ckpt.step = 3
    ckpt.save(tmp_path / "c.safetensors")
    loaded = safetensors_numpy.load_file(str(tmp_path / "c.safetensors"))
    np.testing.assert_array_equal(loaded["model.weight"], model.weight.numpy())
    np.testing.assert_array_equal(loaded["optimizer.0.weight.momentum_buffer"], np.ones((2, 3), np.float32))
    assert loaded["optimizer.0.group.0.lr"] == 0.1
    from safetensors import safe_open
    with safe_open(str(tmp_path / "c.safetensors"), "np") as f:
        assert f.metadata()["gentrain.step"] == "3"


def test_load_checks_names_and_shapes(tmp_path):
    a = gentrain.nn.Linear(3, 2)
    gentrain.Checkpoint(a).save(tmp_path / "a.ckpt")
    b = gentrain.nn.Linear(3, 4)
    with pytest.raises(gentrain.InvalidArgumentError, match=r"'weight': shape \[2, 3\] in the file, \[4, 3\] in the model"):
        gentrain.Checkpoint(b).load(tmp_path / "a.ckpt")
    (tmp_path / "bad.ckpt").write_bytes(b"\xff" * 8 + b"{}")
    with pytest.raises(gentrain.GentrainError, match="header length"):
        gentrain.Checkpoint(a).load(tmp_path / "bad.ckpt")
