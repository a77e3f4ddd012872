"""Per-layer forward + backward times of the generative models' layers: gentrain next to PyTorch,
one thread, each framework in its own process.

    python3 bench/python/layers.py [--repeats R]

Shapes are those of small image GANs/VAEs and perceptual-loss extractors (batch 8-64, 28-112 px).
"""
import argparse
import importlib.util
import json
import time

from harness import child as run_child
from harness import framework

# name: (input shape, layer constructor from (nn, F), whether to feed an input that requires grad)
LAYERS = {
    "conv3x3 64->64 56px": ((8, 64, 56, 56), lambda nn, F: nn.Conv2d(64, 64, 3, padding=1)),
    "conv k4s2 1->64 28px": ((64, 1, 28, 28), lambda nn, F: nn.Conv2d(1, 64, 4, 2, 1)),
    "convT k4s2 128->64 7px": ((64, 128, 7, 7), lambda nn, F: nn.ConvTranspose2d(128, 64, 4, 2, 1)),
    "convT k4s2 64->1 14px": ((64, 64, 14, 14), lambda nn, F: nn.ConvTranspose2d(64, 1, 4, 2, 1)),
    "maxpool 2x2 112px": ((8, 64, 112, 112), lambda nn, F: nn.MaxPool2d(2)),
    "avgpool 2x2 112px": ((8, 64, 112, 112), lambda nn, F: nn.AvgPool2d(2)),
    "batchnorm2d 64 56px": ((8, 64, 56, 56), lambda nn, F: nn.BatchNorm2d(64)),
    "groupnorm 8x64 56px": ((8, 64, 56, 56), lambda nn, F: nn.GroupNorm(8, 64)),
    "instancenorm 64 56px": ((8, 64, 56, 56), lambda nn, F: nn.InstanceNorm2d(64)),
    "layernorm 512": ((2048, 512), lambda nn, F: nn.LayerNorm(512)),
    "upsample nearest x2": ((8, 64, 56, 56), lambda nn, F: nn.Upsample(scale_factor=2, mode="nearest")),
    "upsample bilinear x2": ((8, 64, 56, 56), lambda nn, F: nn.Upsample(scale_factor=2, mode="bilinear")),
    "leaky_relu 0.2": ((8, 64, 56, 56), lambda nn, F: nn.LeakyReLU(0.2)),
    "gelu": ((2048, 2048), lambda nn, F: nn.GELU()),
    "silu": ((2048, 2048), lambda nn, F: nn.SiLU()),
    "dropout 0.5": ((2048, 2048), lambda nn, F: nn.Dropout(0.5)),
    "pixel_shuffle 2": ((8, 256, 28, 28), lambda nn, F: nn.PixelShuffle(2)),
}


def measure(name, layer):
    lib = framework(name, 1)
    shape, make = LAYERS[layer]
    module = make(lib.nn, lib.nn.functional)
    x = lib.randn(*shape)
    x.requires_grad_(True)
    g = None

    def step():
        nonlocal g
        y = module(x)
        if g is None:
            g = lib.randn(*y.shape)
        y.backward(g)

    for _ in range(3):
        step()
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(5):
            step()
        best = min(best, (time.perf_counter() - start) / 5)
    print(json.dumps({"value": best}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        return measure(*a.child)
    names = ["gentrain"] + (["torch"] if importlib.util.find_spec("torch") is not None else [])
    print(f"{'layer (forward + backward, 1 thread)':<40}{'gentrain ms':>12}{'PyTorch ms':>12}{'ratio':>9}")
    for layer in LAYERS:
        t = {n: run_child(__file__, n, layer)["value"] for n in names}
        g, p = t["gentrain"], t.get("torch", float("nan"))
        print(f"{layer:<40}{g * 1e3:>12.2f}{p * 1e3:>12.2f}{p / g:>8.2f}x")
    print("best of 5 rounds of 5 steps; ratios > 1 mean gentrain is faster")


if __name__ == "__main__":
    main()
