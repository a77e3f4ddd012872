"""W2, a character LSTM language model: gentrain next to PyTorch, one and two threads, each
measurement in its own process.

    python3 bench/python/recurrent.py [--seconds S] [--repeats R]

Vocabulary 65, embedding 64, one LSTM layer of 256, sequence 64, batch 32, cross-entropy on
the [N*T, V] logits, RMSprop, clip_grad_norm 1.0: training steps/s.
"""
import argparse
import importlib.util
import json

from harness import child as run_child
from harness import alternating_medians, framework, rate

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


def measure(name, threads, seconds):
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
    print(f"{'workload':<10}{'threads':>8}{'gentrain':>12}{'PyTorch':>12}{'ratio':>10}{'PyTorch native':>16}{'ratio':>10}")
    for threads in (1, 2):
        m = alternating_medians(lambda name: run_child(__file__, name, threads, a.seconds)["value"], names, a.repeats)
        g, t, n = m["gentrain"], m.get("torch", float("nan")), m.get("torch-native", float("nan"))
        print(f"{'w2':<10}{threads:>8}{g:>12.2f}{t:>12.2f}{g / t:>9.2f}x{n:>16.2f}{g / n:>9.2f}x  steps/s")
    print("gentrain from Python; ratios > 1 mean gentrain is faster. PyTorch runs nn.LSTM on oneDNN's fused RNN;")
    print("'native' is PyTorch with that path off (torch.backends.mkldnn.enabled = False)")


if __name__ == "__main__":
    main()
