"""gentrain next to PyTorch on the same machine, in the same run.

    python3 bench/python/bench.py [--seconds S] [--bench-binary build/bench_c]

Workloads (issue numbers W1, W6, W7, W8): W8 MLP 16-64-64-4 batch 8 Adam steps/s; W7 a chain of
100 adds of 8-element tensors, forward and backward, microseconds per op; W1 MLP
784-1024-1024-10 batch 256 Adam steps/s and peak memory; W6 the same under bfloat16 autocast
with a GradScaler (from Python). gentrain runs from C (the bench
binary) and from Python; PyTorch and JAX (jit; W7 eager) from Python when they are installed. Each measurement runs in
its own process so thread settings and peak memory do not leak between them.
"""
import argparse
import json
import os
import subprocess

import jax_peer
from harness import ROOT, framework, peak_rss_mb, rate
from harness import child as run_child


def mlp_step(lib, sizes, batch, mixed=False, wrap=lambda m: m):
    """A training step closure for an MLP in `lib` (gentrain or torch, same spelling); `mixed`:
    under bfloat16 autocast with a GradScaler (W6); `wrap`: applied to the model (DDP)."""
    nn, F = lib.nn, lib.nn.functional
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    model = wrap(nn.Sequential(*layers))
    opt = lib.optim.Adam(model.parameters())
    x, y = lib.randn(batch, sizes[0]), lib.randint(0, sizes[-1], (batch,))

    if mixed:
        scaler = lib.amp.GradScaler("cpu")

        def mixed_step():
            opt.zero_grad()
            with lib.autocast("cpu", dtype=lib.bfloat16):
                loss = F.cross_entropy(model(x), y)
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
        return mixed_step

    def step():
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()

    return step


def add_chain_us(lib, seconds):
    a = lib.randn(8, requires_grad=True)
    b = lib.randn(8)

    def step():
        x = a
        for _ in range(100):
            x = x + b
        x.sum().backward()
        a.grad = None

    return 1e6 / rate(step, seconds) / 100


def measure(name, workload, threads, seconds):
    """Runs in a child process: one measurement, printed as JSON."""
    if name == "jax":
        value = jax_peer.measure(workload, threads, seconds)
        print(json.dumps({"value": value, "rss": peak_rss_mb(), "kernels": None}))
        return
    lib = framework(name, threads)
    if workload == "w8":
        value = rate(mlp_step(lib, [16, 64, 64, 4], 8), seconds)
    elif workload == "w7":
        value = add_chain_us(lib, seconds)
    elif workload == "w6":
        value = rate(mlp_step(lib, [784, 1024, 1024, 10], 256, mixed=True), seconds)
    else:
        value = rate(mlp_step(lib, [784, 1024, 1024, 10], 256), seconds)
    kernels = lib.backends.cpu.get_cpu_capability()
    bf16 = lib.backends.cpu.get_bf16_kernels() if name == "gentrain" else None
    print(json.dumps({"value": value, "rss": peak_rss_mb(), "kernels": kernels, "bf16": bf16}))


def child(name, workload, threads, seconds):
    return run_child(__file__, name, workload, threads, seconds)


def from_c(binary, workload, threads, seconds):
    out = subprocess.run([binary, workload, str(threads), str(seconds)], capture_output=True, text=True, check=True)
    parts = out.stdout.split()
    return {"value": float(parts[2]), "rss": float(parts[4]) if len(parts) > 4 else None}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=3)
    ap.add_argument("--bench-binary", default=os.path.join(ROOT, "build", "bench_c"))
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        name, workload, threads, seconds = args.child
        return measure(name, workload, int(threads), float(seconds))
    import importlib.util
    have_torch = importlib.util.find_spec("torch") is not None
    have_jax = jax_peer.installed()
    if not have_torch:
        print("PyTorch is not installed: no PyTorch column (pip install torch==2.13.0+cpu to compare)")
    if not have_jax:
        print("JAX is not installed: no JAX column (pip install 'jax[cpu]' to compare)")
    rows = [("w8", "steps/s", True), ("w7", "us/op", False), ("w1", "steps/s", True), ("w6", "steps/s", True)]
    print(f"{'workload':<10}{'threads':>8}{'gentrain C':>14}{'gentrain Py':>14}{'PyTorch':>12}{'C/PyTorch':>12}"
          f"{'Py/PyTorch':>12}{'JAX':>10}{'Py/JAX':>10}")
    for workload, unit, higher_is_better in rows:
        for threads in (1, 2):
            # W6 (W1 under bfloat16 autocast + GradScaler) runs from Python only.
            c = from_c(args.bench_binary, workload, threads, args.seconds) if workload != "w6" else {"value": float("nan"), "rss": float("nan")}
            py = child("gentrain", workload, threads, args.seconds)
            pt = child("torch", workload, threads, args.seconds) if have_torch else None
            jx = child("jax", workload, threads, args.seconds) if have_jax and workload != "w6" else None

            def ratio(v, peer):
                if peer is None:
                    return "-"
                r = v / peer["value"] if higher_is_better else peer["value"] / v
                return f"{r:.2f}x"

            print(f"{workload:<10}{threads:>8}{c['value']:>14.3g}{py['value']:>14.3g}"
                  f"{(pt['value'] if pt else float('nan')):>12.3g}{ratio(c['value'], pt):>12}{ratio(py['value'], pt):>12}"
                  f"{(jx['value'] if jx else float('nan')):>10.3g}{ratio(py['value'], jx):>10}  {unit}")
            if workload in ("w1", "w6"):
                print(f"{'':<18}peak RSS MB: gentrain C {c['rss']:.0f}, gentrain Py {py['rss']:.0f}"
                      + (f", PyTorch {pt['rss']:.0f}" if pt else "") + (f", JAX {jx['rss']:.0f}" if jx else ""))
            if workload == "w6":
                path = {"AVX512_BF16": "bfloat16 dot products, AVX-512 BF16", "AVX2": "the packing GEMM, widened to float32",
                        "DEFAULT": "float32 copies on the BLAS"}[py["bf16"]]
                print(f"{'':<18}kernels: gentrain {py['kernels']} (bfloat16 products on {path})"
                      + (f", PyTorch {pt['kernels']}" if pt else ""))
    print("ratios > 1 mean gentrain is faster")


if __name__ == "__main__":
    main()
