"""W3 (VAE), W4 (WGAN-GP) and W5 (DCGAN) training throughput: gentrain next to PyTorch, one and two
threads, each measurement in its own process.

    python3 bench/python/generative.py [--seconds S] [--repeats R] [--workloads w3,w4,w5]

W3: VAE 784-400-(20, 20), 20-400-784 with sigmoid, BCE (sum) + KL, Adam, batch 128: steps/s.
W4: WGAN-GP on the 2-D 8-gaussians mixture, critic and generator MLPs with three 512-wide
hidden layers, 5 critic steps with the gradient penalty (lambda 10) and 1 generator step per
iteration, Adam(1e-4, betas (0.5, 0.9)), batch 256: iterations/s.
W5: DCGAN on 28x28x1, batch 64: critic conv 1->64->128 (k4 s2 p1, LeakyReLU 0.2) + linear,
generator linear 100->128*7*7 then ConvTranspose2d 128->64->1 (k4 s2 p1, ReLU, tanh); one
critic and one generator step with BCE-with-logits, Adam(2e-4, betas (0.5, 0.999)): iterations/s.
W5-autocast: W5 with its forward passes and losses under bfloat16 autocast.
"""
import argparse
import importlib.util
import json
import math

import jax_peer
from harness import child as run_child
from harness import alternating_medians, framework, rate


def mlp(nn, sizes, last=None):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    if last is not None:
        layers.append(last)
    return nn.Sequential(*layers)


def vae(lib, framework):
    """The VAE as one module: x -> [reconstruction | mu | logvar] along dimension 1 (so that
    DataParallel can cut and concatenate along the batch)."""
    nn = lib.nn

    class VAE(nn.Module):
        def __init__(self):
            super().__init__()
            self.enc, self.mu_head, self.lv_head = mlp(nn, [784, 400]), nn.Linear(400, 20), nn.Linear(400, 20)
            self.dec = nn.Sequential(nn.Linear(20, 400), nn.ReLU(), nn.Linear(400, 784), nn.Sigmoid())

        def forward(self, x):
            h = self.enc(x).relu()
            mu, logvar = self.mu_head(h), self.lv_head(h)
            if framework == "torch":
                z = mu + (0.5 * logvar).exp() * lib.randn_like(mu)
            else:
                z = lib.generative.reparameterize(mu, logvar)
            return lib.cat([self.dec(z), mu, logvar], 1)

    return VAE()


def vae_step(lib, framework, wrap=lambda m: m, batch=128):
    F = lib.nn.functional
    model = wrap(vae(lib, framework))
    opt = lib.optim.Adam(model.parameters(), lr=1e-3)
    x = lib.rand(batch, 784)

    def step():
        opt.zero_grad()
        out = model(x)
        recon, mu, logvar = out[:, :784], out[:, 784:804], out[:, 804:]
        if framework == "torch":
            kl = -0.5 * (1 + logvar - mu ** 2 - logvar.exp()).sum()
        else:
            kl = lib.generative.vae_kl_divergence(mu, logvar)
        loss = F.binary_cross_entropy(recon, x, reduction="sum") + kl
        loss.backward()
        opt.step()

    return step


def wgan_step(lib, framework):
    nn = lib.nn
    critic, gen = mlp(nn, [2, 512, 512, 512, 1]), mlp(nn, [2, 512, 512, 512, 2])
    c_opt = lib.optim.Adam(critic.parameters(), lr=1e-4, betas=(0.5, 0.9))
    g_opt = lib.optim.Adam(gen.parameters(), lr=1e-4, betas=(0.5, 0.9))
    centers = lib.tensor([[math.cos(2 * math.pi * k / 8) * 2, math.sin(2 * math.pi * k / 8) * 2] for k in range(8)])

    def real_batch():
        idx = lib.randint(0, 8, (256,))
        return centers[idx] + 0.02 * lib.randn(256, 2)

    def penalty(real, fake):
        if framework == "torch":
            eps = lib.rand(256, 1)
            x = (eps * real + (1 - eps) * fake).detach().requires_grad_(True)
            (g,) = lib.autograd.grad(critic(x).sum(), x, create_graph=True)
            return 10 * ((g.norm(2, dim=1) - 1) ** 2).mean()
        return lib.generative.gradient_penalty(critic, real, fake, 10.0)

    def step():
        for _ in range(5):
            real = real_batch()
            with lib.no_grad():
                fake = gen(lib.randn(256, 2))
            c_opt.zero_grad()
            loss = critic(fake).mean() - critic(real).mean() + penalty(real, fake)
            loss.backward()
            c_opt.step()
        g_opt.zero_grad()
        (-critic(gen(lib.randn(256, 2))).mean()).backward()
        g_opt.step()

    return step


def dcgan_step(lib, framework, wrap=lambda m: m, batch=64, mixed=False):
    """`mixed`: forward passes and losses under bfloat16 autocast (W5 under autocast)."""
    import contextlib
    nn, F = lib.nn, lib.nn.functional
    region = (lambda: lib.autocast("cpu", dtype=lib.bfloat16)) if mixed else contextlib.nullcontext
    critic = wrap(nn.Sequential(nn.Conv2d(1, 64, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(64, 128, 4, 2, 1),
                                nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(128 * 7 * 7, 1)))
    gen = wrap(nn.Sequential(nn.Linear(100, 128 * 7 * 7), nn.Unflatten(1, (128, 7, 7)), nn.ReLU(),
                             nn.ConvTranspose2d(128, 64, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(64, 1, 4, 2, 1), nn.Tanh()))
    c_opt = lib.optim.Adam(critic.parameters(), lr=2e-4, betas=(0.5, 0.999))
    g_opt = lib.optim.Adam(gen.parameters(), lr=2e-4, betas=(0.5, 0.999))
    real, ones, zeros = lib.rand(batch, 1, 28, 28) * 2 - 1, lib.ones(batch, 1), lib.zeros(batch, 1)

    def generate():
        return gen(lib.randn(batch, 100))

    def step():
        c_opt.zero_grad()
        with lib.no_grad(), region():
            fake = generate()
        with region():
            loss = F.binary_cross_entropy_with_logits(critic(real), ones) + \
                F.binary_cross_entropy_with_logits(critic(fake), zeros)
        loss.backward()
        c_opt.step()
        g_opt.zero_grad()
        with region():
            loss = F.binary_cross_entropy_with_logits(critic(generate()), ones)
        loss.backward()
        g_opt.step()

    return step


WORKLOADS = {"w3": vae_step, "w4": wgan_step, "w5": dcgan_step,
             "w5-autocast": lambda lib, name: dcgan_step(lib, name, mixed=True)}


def measure(name, workload, threads, seconds):
    if name == "jax":
        print(json.dumps({"value": jax_peer.measure(workload, threads, seconds)}))
        return
    lib = framework(name, threads)
    make = WORKLOADS[workload]
    print(json.dumps({"value": rate(make(lib, name), seconds, warmup=3)}))


def child(*args):
    return run_child(__file__, *args)["value"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=3)
    ap.add_argument("--repeats", type=int, default=1, help="alternating rounds; each side's median is shown")
    ap.add_argument("--workloads", default="w3,w4,w5,w5-autocast", help="comma-separated subset of w3, w4, w5, w5-autocast")
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        name, workload, threads, seconds = a.child
        return measure(name, workload, int(threads), float(seconds))
    names = ["gentrain"] + (["torch"] if importlib.util.find_spec("torch") is not None else [])
    peers = names + (["jax"] if jax_peer.installed() else [])
    print(f"{'workload':<10}{'threads':>8}{'gentrain':>12}{'PyTorch':>12}{'ratio':>10}{'JAX':>10}{'ratio':>10}")
    for workload, unit in (("w3", "steps/s"), ("w4", "iterations/s"), ("w5", "iterations/s"), ("w5-autocast", "iterations/s")):
        if workload not in a.workloads.split(","):
            continue
        for threads in (1, 2):
            # JAX has no autocast region: W5-autocast is compared with PyTorch only.
            m = alternating_medians(lambda name: child(name, workload, threads, a.seconds),
                                    names if workload == "w5-autocast" else peers, a.repeats)
            g, t, j = m["gentrain"], m.get("torch", float("nan")), m.get("jax", float("nan"))
            print(f"{workload:<10}{threads:>8}{g:>12.2f}{t:>12.2f}{g / t:>9.2f}x{j:>10.2f}{g / j:>9.2f}x  {unit}")
    print("gentrain from Python; ratios > 1 mean gentrain is faster")


if __name__ == "__main__":
    main()
