"""The benchmark workloads in JAX (jit), the peer the issue tracker names best on several of them.

Each function returns a step closure that dispatches one training step asynchronously, as a JAX
training loop runs (parameters and optimizer state donated to the jitted step); `harness.rate`
waits for the last step before it stops the clock. The
models, batch sizes, optimizers and their hyperparameters are the ones the other scripts build
with gentrain/PyTorch; parameters start from PyTorch's default initialization. Optimizers are
written out here (Adam, RMSprop, clipping by global norm) as PyTorch defines them, so JAX needs no
extra package. The thread count is set by `configure(threads)` before JAX is imported: the
process is pinned to `threads` CPUs (XLA sizes its pool by them) and one thread also turns off
XLA's multi-threaded Eigen.
"""
import math
import os


def configure(threads):
    """Call before the first `import jax` of the process."""
    cpus = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, cpus[:max(1, threads)])
    if threads == 1:
        os.environ["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"


def _linear(key, fan_in, fan_out):
    import jax
    k1, k2 = jax.random.split(key)
    bound = 1 / math.sqrt(fan_in)
    return {"w": jax.random.uniform(k1, (fan_in, fan_out), minval=-bound, maxval=bound),
            "b": jax.random.uniform(k2, (fan_out,), minval=-bound, maxval=bound)}


def _mlp(key, sizes):
    import jax
    keys = jax.random.split(key, len(sizes) - 1)
    return [_linear(k, a, b) for k, a, b in zip(keys, sizes[:-1], sizes[1:])]


def _mlp_apply(params, x):
    import jax
    for i, layer in enumerate(params):
        x = x @ layer["w"] + layer["b"]
        if i < len(params) - 1:
            x = jax.nn.relu(x)
    return x


def _cross_entropy(logits, y):
    import jax
    import jax.numpy as jnp
    return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), y[:, None], axis=1))


def _adam(lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    """PyTorch's Adam (no weight decay): (init(params), update(params, grads, state))."""
    import jax
    import jax.numpy as jnp
    b1, b2 = betas

    def init(params):
        zeros = lambda: jax.tree_util.tree_map(jnp.zeros_like, params)
        return (jnp.zeros((), jnp.int32), zeros(), zeros())

    def update(params, grads, state):
        t, m, v = state
        t = t + 1
        m = jax.tree_util.tree_map(lambda m, g: b1 * m + (1 - b1) * g, m, grads)
        v = jax.tree_util.tree_map(lambda v, g: b2 * v + (1 - b2) * g * g, v, grads)
        c1, c2 = 1 - b1 ** t, 1 - b2 ** t
        params = jax.tree_util.tree_map(
            lambda p, m, v: p - lr / c1 * m / (jnp.sqrt(v / c2) + eps), params, m, v)
        return params, (t, m, v)

    return init, update


def _rmsprop_clipped(lr=1e-3, alpha=0.99, eps=1e-8, max_norm=1.0):
    """PyTorch's clip_grad_norm_(max_norm) followed by RMSprop's defaults."""
    import jax
    import jax.numpy as jnp

    def init(params):
        return jax.tree_util.tree_map(jnp.zeros_like, params)

    def update(params, grads, square_avg):
        leaves = jax.tree_util.tree_leaves(grads)
        norm = jnp.sqrt(sum(jnp.sum(g * g) for g in leaves))
        scale = jnp.minimum(1.0, max_norm / (norm + 1e-6))
        grads = jax.tree_util.tree_map(lambda g: g * scale, grads)
        square_avg = jax.tree_util.tree_map(lambda s, g: alpha * s + (1 - alpha) * g * g, square_avg, grads)
        params = jax.tree_util.tree_map(lambda p, g, s: p - lr * g / (jnp.sqrt(s) + eps), params, grads, square_avg)
        return params, square_avg

    return init, update


def _asynchronous(step, state):
    """Marks `step` as dispatching asynchronously (JAX's fastest way to run a loop):
    `harness.rate` calls `step.finish()` before it stops the clock."""
    import jax
    step.finish = lambda: jax.block_until_ready(state)
    return step


def _trainer(loss_fn, params, optimizer, *inputs):
    """A step closure over `loss_fn(params, *inputs, key)` trained by `optimizer`; parameters
    and optimizer state are donated to the step (updated in place)."""
    import functools
    import jax
    init, update = optimizer
    state = [params, init(params), jax.random.PRNGKey(1)]

    @functools.partial(jax.jit, donate_argnums=(0, 1))
    def train(params, opt_state, key, *inputs):
        key, sub = jax.random.split(key)
        grads = jax.grad(loss_fn)(params, *inputs, sub)
        params, opt_state = update(params, grads, opt_state)
        return params, opt_state, key

    def step():
        state[:] = train(*state, *inputs)

    return _asynchronous(step, state)


def mlp_step(sizes, batch):
    """W1 / W8: an MLP with ReLUs, cross-entropy, Adam."""
    import jax
    key = jax.random.PRNGKey(0)
    x = jax.random.normal(key, (batch, sizes[0]))
    y = jax.random.randint(key, (batch,), 0, sizes[-1])
    return _trainer(lambda p, x, y, _: _cross_entropy(_mlp_apply(p, x), y), _mlp(key, sizes), _adam(), x, y)


def add_chain_us(seconds):
    """W7 in JAX's eager mode: 100 adds of 8-element arrays and their gradient, µs per op."""
    import jax
    import jax.numpy as jnp
    from harness import rate
    a, b = jnp.ones(8), jnp.ones(8)

    def chain(a):
        x = a
        for _ in range(100):
            x = x + b
        return x.sum()

    grad = jax.grad(chain)
    return 1e6 / rate(lambda: jax.block_until_ready(grad(a)), seconds) / 100


def vae_step(batch=128):
    """W3: VAE 784-400-(20, 20), 20-400-784, BCE (sum) + KL, Adam."""
    import jax
    import jax.numpy as jnp
    keys = jax.random.split(jax.random.PRNGKey(0), 6)
    params = {"enc": _linear(keys[0], 784, 400), "mu": _linear(keys[1], 400, 20),
              "lv": _linear(keys[2], 400, 20), "dec": _mlp(keys[3], [20, 400, 784])}
    x = jax.random.uniform(keys[4], (batch, 784))

    def loss(p, x, key):
        h = jax.nn.relu(x @ p["enc"]["w"] + p["enc"]["b"])
        mu, logvar = h @ p["mu"]["w"] + p["mu"]["b"], h @ p["lv"]["w"] + p["lv"]["b"]
        z = mu + jnp.exp(0.5 * logvar) * jax.random.normal(key, mu.shape)
        logits = _mlp_apply(p["dec"], z)
        # BCE of sigmoid(logits) against x, summed, with PyTorch's clamp of the logs at -100.
        recon = jax.nn.sigmoid(logits)
        bce = -jnp.sum(x * jnp.maximum(jnp.log(recon), -100) + (1 - x) * jnp.maximum(jnp.log1p(-recon), -100))
        kl = -0.5 * jnp.sum(1 + logvar - mu ** 2 - jnp.exp(logvar))
        return bce + kl

    return _trainer(loss, params, _adam(), x)


def wgan_step(batch=256):
    """W4: WGAN-GP on 8 gaussians, 5 critic steps with the gradient penalty, 1 generator step."""
    import functools
    import jax
    import jax.numpy as jnp
    k = jax.random.split(jax.random.PRNGKey(0), 3)
    critic, gen = _mlp(k[0], [2, 512, 512, 512, 1]), _mlp(k[1], [2, 512, 512, 512, 2])
    c_init, c_update = _adam(1e-4, (0.5, 0.9))
    g_init, g_update = _adam(1e-4, (0.5, 0.9))
    centers = jnp.array([[math.cos(2 * math.pi * i / 8) * 2, math.sin(2 * math.pi * i / 8) * 2] for i in range(8)])

    def critic_loss(c, g, key):
        k1, k2, k3, k4 = jax.random.split(key, 4)
        real = centers[jax.random.randint(k1, (batch,), 0, 8)] + 0.02 * jax.random.normal(k2, (batch, 2))
        fake = jax.lax.stop_gradient(_mlp_apply(g, jax.random.normal(k3, (batch, 2))))
        eps = jax.random.uniform(k4, (batch, 1))
        mixed = eps * real + (1 - eps) * fake
        grads = jax.grad(lambda x: _mlp_apply(c, x).sum())(mixed)
        penalty = 10 * jnp.mean((jnp.sqrt(jnp.sum(grads * grads, axis=1)) - 1) ** 2)
        return _mlp_apply(c, fake).mean() - _mlp_apply(c, real).mean() + penalty

    def gen_loss(g, c, key):
        return -_mlp_apply(c, _mlp_apply(g, jax.random.normal(key, (batch, 2)))).mean()

    @functools.partial(jax.jit, donate_argnums=(0, 1))
    def critic_step(c, c_state, g, key):
        key, sub = jax.random.split(key)
        c, c_state = c_update(c, jax.grad(critic_loss)(c, g, sub), c_state)
        return c, c_state, key

    @functools.partial(jax.jit, donate_argnums=(0, 1))
    def gen_step(g, g_state, c, key):
        key, sub = jax.random.split(key)
        g, g_state = g_update(g, jax.grad(gen_loss)(g, c, sub), g_state)
        return g, g_state, key

    s = {"c": critic, "cs": c_init(critic), "g": gen, "gs": g_init(gen), "key": jax.random.PRNGKey(1)}

    def step():
        for _ in range(5):
            s["c"], s["cs"], s["key"] = critic_step(s["c"], s["cs"], s["g"], s["key"])
        s["g"], s["gs"], s["key"] = gen_step(s["g"], s["gs"], s["c"], s["key"])

    return _asynchronous(step, s)


def _conv_init(key, out_ch, in_ch, k):
    import jax
    k1, k2 = jax.random.split(key)
    bound = 1 / math.sqrt(in_ch * k * k)
    return {"w": jax.random.uniform(k1, (out_ch, in_ch, k, k), minval=-bound, maxval=bound),
            "b": jax.random.uniform(k2, (out_ch,), minval=-bound, maxval=bound)}


def dcgan_step(batch=64):
    """W5: DCGAN 28x28: critic conv 1->64->128 + linear, generator linear + two transposed
    convolutions (k4 s2 p1); one critic and one generator step with BCE-with-logits, Adam."""
    import functools
    import jax
    import jax.numpy as jnp
    from jax import lax
    k = jax.random.split(jax.random.PRNGKey(0), 8)
    dims = ("NCHW", "OIHW", "NCHW")
    critic = {"c1": _conv_init(k[0], 64, 1, 4), "c2": _conv_init(k[1], 128, 64, 4), "fc": _linear(k[2], 128 * 49, 1)}
    # Transposed convolutions' weights as PyTorch stores them: [in, out, k, k].
    gen = {"fc": _linear(k[3], 100, 128 * 49), "t1": _conv_init(k[4], 128, 64, 4), "t2": _conv_init(k[5], 64, 1, 4)}
    gen["t1"]["b"], gen["t2"]["b"] = gen["t1"]["b"][:64], gen["t2"]["b"][:1]
    real = jax.random.uniform(k[6], (batch, 1, 28, 28)) * 2 - 1

    def conv(x, p):
        y = lax.conv_general_dilated(x, p["w"], (2, 2), ((1, 1), (1, 1)), dimension_numbers=dims)
        return y + p["b"][None, :, None, None]

    def conv_t(x, p):
        # PyTorch's ConvTranspose2d(k4, s2, p1): dilate the input by 2, pad by k-1-p = 2, and
        # correlate with the flipped kernel, its [in, out] axes read as [I, O].
        w = jnp.flip(p["w"], (2, 3))
        y = lax.conv_general_dilated(x, w, (1, 1), ((2, 2), (2, 2)), lhs_dilation=(2, 2),
                                     dimension_numbers=("NCHW", "IOHW", "NCHW"))
        return y + p["b"][None, :, None, None]

    def run_critic(c, x):
        h = jax.nn.leaky_relu(conv(x, c["c1"]), 0.2)
        h = jax.nn.leaky_relu(conv(h, c["c2"]), 0.2)
        return h.reshape(x.shape[0], -1) @ c["fc"]["w"] + c["fc"]["b"]

    def run_gen(g, z):
        h = jax.nn.relu((z @ g["fc"]["w"] + g["fc"]["b"]).reshape(-1, 128, 7, 7))
        return jnp.tanh(conv_t(jax.nn.relu(conv_t(h, g["t1"])), g["t2"]))

    def bce_logits(logits, target):
        return jnp.mean(jnp.maximum(logits, 0) - logits * target + jnp.log1p(jnp.exp(-jnp.abs(logits))))

    def critic_loss(c, fake):
        return bce_logits(run_critic(c, real), 1.0) + bce_logits(run_critic(c, fake), 0.0)

    def gen_loss(g, c, z):
        return bce_logits(run_critic(c, run_gen(g, z)), 1.0)

    init, update = _adam(2e-4, (0.5, 0.999))

    @functools.partial(jax.jit, donate_argnums=(0, 1, 2, 3))
    def train(c, cs, g, gs, key):
        key, k1, k2 = jax.random.split(key, 3)
        fake = lax.stop_gradient(run_gen(g, jax.random.normal(k1, (batch, 100))))
        c, cs = update(c, jax.grad(critic_loss)(c, fake), cs)
        g, gs = update(g, jax.grad(gen_loss)(g, c, jax.random.normal(k2, (batch, 100))), gs)
        return c, cs, g, gs, key

    s = [critic, init(critic), gen, init(gen), jax.random.PRNGKey(1)]

    def step():
        s[:] = train(*s)

    return _asynchronous(step, s)


def lstm_lm_step(V=65, E=64, H=256, T=64, N=32):
    """W2: character LSTM language model (embedding, one LSTM layer, linear head), RMSprop with
    clip_grad_norm 1.0. The recurrence is a `lax.scan` over time."""
    import jax
    import jax.numpy as jnp
    k = jax.random.split(jax.random.PRNGKey(0), 8)
    bound = 1 / math.sqrt(H)
    u = lambda key, shape: jax.random.uniform(key, shape, minval=-bound, maxval=bound)
    params = {"emb": jax.random.normal(k[0], (V, E)), "w_ih": u(k[1], (E, 4 * H)), "w_hh": u(k[2], (H, 4 * H)),
              "b": u(k[3], (4 * H,)) + u(k[4], (4 * H,)), "head": _linear(k[5], H, V)}
    x = jax.random.randint(k[6], (N, T), 0, V)
    y = jax.random.randint(k[7], (N * T,), 0, V)

    def loss(p, x, y, _):
        inputs = p["emb"][x] @ p["w_ih"] + p["b"]            # [N, T, 4H]

        def cell(carry, gates_x):
            h, c = carry
            gates = gates_x + h @ p["w_hh"]
            i, f, g, o = jnp.split(gates, 4, axis=1)
            c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
            h = jax.nn.sigmoid(o) * jnp.tanh(c)
            return (h, c), h

        zeros = jnp.zeros((N, H))
        _, hs = jax.lax.scan(cell, (zeros, zeros), jnp.swapaxes(inputs, 0, 1))
        out = jnp.swapaxes(hs, 0, 1).reshape(N * T, H)
        return _cross_entropy(out @ p["head"]["w"] + p["head"]["b"], y)

    return _trainer(loss, params, _rmsprop_clipped(), x, y)


WORKLOADS = {
    "w1": lambda: mlp_step([784, 1024, 1024, 10], 256),
    "w8": lambda: mlp_step([16, 64, 64, 4], 8),
    "w2": lstm_lm_step,
    "w3": vae_step,
    "w4": wgan_step,
    "w5": dcgan_step,
}


def measure(workload, threads, seconds):
    """Configures JAX for `threads` threads and measures `workload` (W7: µs per op, the others:
    steps or iterations per second). Call in a fresh process, before JAX is imported."""
    from harness import rate
    configure(threads)
    if workload == "w7":
        return add_chain_us(seconds)
    return rate(WORKLOADS[workload](), seconds, warmup=3)


def installed():
    import importlib.util
    return importlib.util.find_spec("jax") is not None
