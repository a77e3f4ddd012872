"""W2, a character LSTM language model: gentrain next to PyTorch, one and two threads, each
measurement in its own process.

    python3 bench/python/recurrent.py [--seconds S] [--repeats R]

Vocabulary 65, embedding 64, one LSTM layer of 256, sequence 64, batch 32, cross-entropy on
the [N*T, V] logits, RMSprop, clip_grad_norm 1.0: training steps/s, and the GFLOP/s they
amount to next to what a large float32 matrix product reaches on the same threads.
"""
import argparse
import importlib.util
import json
import os

import jax_peer
from harness import child as run_child
from harness import ROOT, alternating_medians, framework, rate

V, E, H, T, N = 65, 64, 256, 64, 32


def lm_step(lib, framework):
    nn, F = lib.nn, lib.nn.functional
    embedding = nn.Parameter(lib.randn(V, E))
    lstm, head = nn.LSTM(E, H, batch_first=True), nn.Linear(H, V)
    params = [embedding] + list(lstm.parameters()) + list(head.parameters())
    opt = lib.optim.RMSprop(params, lr=1e-3)
    x, y = lib.randint(0, V, (N, T)), lib.randint(0, V, (N * T,))

    def step():
        opt.zero_grad()
        out, _ = lstm(F.embedding(x, embedding))
        loss = F.cross_entropy(head(out).reshape(N * T, V), y)
        loss.backward()
        nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()

    return step


# Multiply-adds of one step, counted as 2 FLOPs each: the LSTM's input and recurrent products
# forward, their input, state and weight gradients backward, and the output layer's three.
FLOPS = 2 * T * N * (3 * 4 * H * (E + H) + 3 * H * V)


def measure(name, threads, seconds):
    if name == "peak":   # a large float32 product: what the machine's cores sustain
        import sys
        sys.path.insert(0, os.path.join(ROOT, "bindings", "python"))
        import gentrain as lib
        lib.set_num_threads(threads)
        a, b = lib.randn(2048, 2048), lib.randn(2048, 2048)
        print(json.dumps({"value": rate(lambda: a @ b, seconds, warmup=2) * 2 * 2048 ** 3}))
        return
    if name == "jax":
        print(json.dumps({"value": jax_peer.measure("w2", threads, seconds)}))
        return
    lib = framework(name, threads)
    print(json.dumps({"value": rate(lm_step(lib, name), seconds, warmup=3)}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=3)
    ap.add_argument("--repeats", type=int, default=1, help="alternating rounds; each side's median is shown")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        name, threads, seconds = a.child
        return measure(name, int(threads), float(seconds))
    names = ["gentrain"] + (["torch", "torch-native"] if importlib.util.find_spec("torch") is not None else [])
    names += ["jax"] if jax_peer.installed() else []
    print(f"{'workload':<10}{'threads':>8}{'gentrain':>12}{'PyTorch':>12}{'ratio':>10}{'PyTorch native':>16}{'ratio':>10}"
          f"{'JAX':>10}{'ratio':>10}")
    for threads in (1, 2):
        m = alternating_medians(lambda name: run_child(__file__, name, threads, a.seconds)["value"], names, a.repeats)
        g, t, n = m["gentrain"], m.get("torch", float("nan")), m.get("torch-native", float("nan"))
        j = m.get("jax", float("nan"))
        print(f"{'w2':<10}{threads:>8}{g:>12.2f}{t:>12.2f}{g / t:>9.2f}x{n:>16.2f}{g / n:>9.2f}x{j:>10.2f}{g / j:>9.2f}x  steps/s")
        peak = run_child(__file__, "peak", threads, a.seconds)["value"]
        print(f"{'':<10}{'':>8}{g * FLOPS / 1e9:>12.0f}{t * FLOPS / 1e9:>12.0f}{'':>10}{n * FLOPS / 1e9:>16.0f}{'':>10}"
              f"  GFLOP/s; a 2048^3 float32 product runs at {peak / 1e9:.0f}")
    print("gentrain from Python; ratios > 1 mean gentrain is faster. PyTorch runs nn.LSTM on oneDNN's fused RNN;")
    print(f"'native' is PyTorch with that path off (torch.backends.mkldnn.enabled = False). A step is {FLOPS / 1e9:.2f} GFLOP.")


if __name__ == "__main__":
    main()
