"""The threading model: the default thread count, the pool's wait policy, and products split over
the pool giving the single-threaded result. Each case that needs a fresh process runs one."""
import ctypes
import os
import subprocess
import sys

import numpy as np
import pytest

import gentrain

PACKAGE = os.path.join(os.path.dirname(__file__), "..")


def run(code, env=None, prefix=()):
    """Runs `code` in a new Python process with the package on the path; returns its stdout."""
    full = dict(os.environ, PYTHONPATH=PACKAGE, **(env or {}))
    for key in [k for k, v in full.items() if v is None]:
        del full[key]
    out = subprocess.run([*prefix, sys.executable, "-c", "import gentrain\n" + code], env=full, capture_output=True,
                         text=True, check=True)
    return out.stdout.strip()


def test_default_count_follows_affinity_and_omp_num_threads():
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    full = dict(env, PYTHONPATH=PACKAGE)
    one_cpu = subprocess.run(["taskset", "-c", "0", sys.executable, "-c", "import gentrain; print(gentrain.get_num_threads())"],
                             env=full, capture_output=True, text=True, check=True).stdout.strip()
    assert one_cpu == "1"
    assert run("print(gentrain.get_num_threads())", {"OMP_NUM_THREADS": "3"}) == "3"
    assert run("print(gentrain.get_num_threads())", {"OMP_NUM_THREADS": "junk"}) == str(len(os.sched_getaffinity(0)))


def test_idle_workers_yield_unless_the_environment_says_otherwise():
    code = ("import ctypes\ngentrain.randn(300, 300) @ gentrain.randn(300, 300)\n"
            "libc = ctypes.CDLL(None); libc.getenv.restype = ctypes.c_char_p\nprint(libc.getenv(b'GOMP_SPINCOUNT'))")
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    full = dict(env, PYTHONPATH=PACKAGE)

    def spin(extra):
        return subprocess.run([sys.executable, "-c", "import gentrain\n" + code], env=dict(full, **extra),
                              capture_output=True, text=True, check=True).stdout.strip()
    assert spin({}) == "b'1000'"
    assert spin({"OMP_WAIT_POLICY": "active"}) == "None"   # the user's policy is left alone
    assert spin({"GOMP_SPINCOUNT": "7"}) == "b'7'"


@pytest.mark.parametrize("gemm", ["default", "openblas"])
def test_products_split_over_the_pool_equal_one_thread(gemm):
    code = ("import numpy as np\nrng = np.random.default_rng(0)\n"
            "for dt in (np.float32, np.float64):\n"
            "    for (m, k, n) in ((700, 300, 50), (40, 500, 900), (257, 129, 263)):\n"
            "        a, b = rng.standard_normal((m, k)).astype(dt), rng.standard_normal((k, n)).astype(dt)\n"
            "        outs = []\n"
            "        for t in (1, 2, 3):\n"
            "            gentrain.set_num_threads(t)\n"
            "            outs.append((gentrain.from_numpy(a) @ gentrain.from_numpy(b)).numpy())\n"
            "            outs.append((gentrain.from_numpy(a.T.copy()).t() @ gentrain.from_numpy(b.T.copy()).t()).numpy())\n"
            "        ref = a.astype(np.float64) @ b.astype(np.float64)\n"
            "        tol = 1e-3 if dt == np.float32 else 1e-10\n"
            "        assert all(np.allclose(o, ref, rtol=tol, atol=tol) for o in outs), (dt, m, k, n)\n"
            "print('ok')")
    assert run(code, {} if gemm == "default" else {"GENTRAIN_GEMM": "openblas"}) == "ok"


def test_thread_count_can_change_at_any_time():
    before = gentrain.get_num_threads()
    try:
        x = gentrain.randn(256, 256)
        gentrain.set_num_threads(1)
        one = (x @ x).numpy()
        gentrain.set_num_threads(2)
        assert gentrain.get_num_threads() == 2
        np.testing.assert_allclose((x @ x).numpy(), one, rtol=1e-5, atol=1e-5)
        with pytest.raises(gentrain.InvalidArgumentError):
            gentrain.set_num_threads(0)
    finally:
        gentrain.set_num_threads(before)


CHOICE = ("import numpy as np, sys\nrng = np.random.default_rng(1)\n"
          "a, b = rng.standard_normal((96, 333)).astype(np.float32), rng.standard_normal((333, 250)).astype(np.float32)\n"
          "outs = [(gentrain.from_numpy(a) @ gentrain.from_numpy(b)).numpy() for _ in range(3)]\n"
          "assert all(o.tobytes() == outs[0].tobytes() for o in outs)\n"
          "sys.stdout.write(outs[0].tobytes().hex()[:64])")


def test_measured_backend_choice_is_kept_in_and_across_processes(tmp_path):
    """The first product of a shape class measures both backends, and every product of the class,
    that first one included, runs on the one chosen: equal inputs give equal bits, and a new
    process reading the choice file computes the same bits."""
    env = {"GENTRAIN_CACHE_DIR": str(tmp_path), "GENTRAIN_GEMM": None}
    first = run(CHOICE, env)
    files = list(tmp_path.iterdir())
    assert len(files) == 1 and files[0].name.startswith("gemm-")
    lines = files[0].read_text().splitlines()
    assert lines and all(line.split()[1] in ("openblas", "onednn") for line in lines)
    with open(files[0], "a") as f:   # a damaged line is ignored, not trusted
        f.write("not a choice\n-5 onednn\n99999999999 openblas\n12 nothing\n")
    assert run(CHOICE, env) == first
    assert files[0].read_text().splitlines()[:len(lines)] == lines


CONV = ("import numpy as np, sys\nimport gentrain.nn.functional as F\nrng = np.random.default_rng(2)\n"
        "x = gentrain.from_numpy(rng.standard_normal((4, 8, 12, 12)).astype(np.float32))\n"
        "w = gentrain.from_numpy(rng.standard_normal((16, 8, 3, 3)).astype(np.float32))\n"
        "outs = [F.conv2d(x, w, padding=1).numpy() for _ in range(3)]\n"
        "assert all(o.tobytes() == outs[0].tobytes() for o in outs)\n"
        "sys.stdout.write(outs[0].tobytes().hex()[:64])")


def onednn_installed():
    try:
        ctypes.CDLL("libdnnl.so.2")
        return True
    except OSError:
        return False


def test_measured_convolution_choice_is_kept_across_processes(tmp_path):
    """With oneDNN installed, each convolution pass measures oneDNN's primitive against the GEMM
    path once per layer and size class; the choice is kept, and a new process reading it computes
    the same bits."""
    env = {"GENTRAIN_CACHE_DIR": str(tmp_path), "GENTRAIN_GEMM": None}
    first = run(CONV, env)
    files = list(tmp_path.glob("conv-*"))
    if not onednn_installed():
        assert not files
        return
    assert len(files) == 1
    lines = files[0].read_text().splitlines()
    assert lines and all(line.split()[0].startswith("forward/") and line.endswith(("/n3c8h4w4/16x8x3x3/1x1/1x1/1x1/1 onednn",
                                                                                   "/n3c8h4w4/16x8x3x3/1x1/1x1/1x1/1 gemm"))
                         for line in lines), lines
    with open(files[0], "ab") as f:   # damaged lines are ignored, not trusted
        f.write(b"not a choice\nforward/1/4x8x12x12 nothing\n" + b"x" * 1000 + b" gemm\n\xff\xfe\x00 onednn\n \n")
    assert run(CONV, env) == first
    assert files[0].read_bytes().decode(errors="replace").splitlines()[:len(lines)] == lines


def test_no_choice_file_when_the_cache_is_off(tmp_path):
    run(CHOICE, {"GENTRAIN_CACHE_DIR": "none", "HOME": str(tmp_path), "XDG_CACHE_HOME": None, "GENTRAIN_GEMM": None})
    assert not any(tmp_path.rglob("gemm-*"))


def test_independent_models_on_host_threads_train_as_on_one():
    # Four Python threads, each training its own model (ctypes releases the GIL around every call, so
    # the library runs them at once): each ends with the weights the same run gives on its own.
    import threading

    def train(seed, results):
        generator = gentrain.Generator().manual_seed(seed)
        model = gentrain.nn.Sequential(gentrain.nn.Linear(8, 16), gentrain.nn.Tanh(), gentrain.nn.Linear(16, 1))
        with gentrain.no_grad():
            for p in model.parameters():
                p.copy_(gentrain.randn(*p.shape, generator=generator) * 0.3)
        opt = gentrain.optim.Adam(model.parameters(), lr=1e-2)
        x, y = gentrain.randn(32, 8, generator=generator), gentrain.randn(32, 1, generator=generator)
        for _ in range(20):
            opt.zero_grad()
            gentrain.nn.functional.mse_loss(model(x), y).backward()
            opt.step()
        results[seed] = [p.detach().numpy().copy() for p in model.parameters()]

    alone = {}
    for seed in range(4):
        train(seed, alone)
    together = {}
    threads = [threading.Thread(target=train, args=(seed, together)) for seed in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for seed in range(4):
        for a, b in zip(alone[seed], together[seed]):
            np.testing.assert_array_equal(a, b)
