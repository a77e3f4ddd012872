"""An Adam step over 10 million float32 parameters in 100 tensors: gentrain next to PyTorch's
default and foreach Adam, one and two threads, each in its own process.

    python3 bench/python/adam_step.py [--repeats N]
"""
import argparse
import importlib.util
import json
import time

from harness import child as run_child
from harness import framework


def measure(name, threads, foreach, repeats):
    lib = framework(name, threads)
    params = [lib.randn(100_000, requires_grad=True) for _ in range(100)]
    for p in params:
        p.grad = lib.randn(100_000)
    kw = {"foreach": foreach} if name == "torch" else {}
    opt = lib.optim.Adam(params, lr=1e-3, **kw)
    for _ in range(3):
        opt.step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        opt.step()
        times.append(time.perf_counter() - start)
    times.sort()
    print(json.dumps({"ms": 1000 * times[len(times) // 2]}))


def child(*args):
    return run_child(__file__, *args)["ms"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        name, threads, foreach, repeats = a.child
        return measure(name, int(threads), foreach == "True", int(repeats))
    have_torch = importlib.util.find_spec("torch") is not None
    print(f"{'threads':>8}{'gentrain ms':>14}{'torch ms':>12}{'foreach ms':>12}{'vs default':>12}{'vs foreach':>12}")
    for threads in (1, 2):
        g = child("gentrain", threads, False, a.repeats)
        if have_torch:
            t, f = child("torch", threads, False, a.repeats), child("torch", threads, True, a.repeats)
            print(f"{threads:>8}{g:>14.2f}{t:>12.2f}{f:>12.2f}{t / g:>11.2f}x{f / g:>11.2f}x")
        else:
            print(f"{threads:>8}{g:>14.2f}{'-':>12}{'-':>12}")
    print("median step time over 10M float32 parameters in 100 tensors; ratios > 1 mean gentrain is faster")


if __name__ == "__main__":
    main()
