"""What the benchmark scripts share: timing loops, peak memory, and running one measurement
per child process (so thread settings and peak memory do not leak between measurements)."""
import json
import os
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def rate(step, seconds, warmup=5):
    """Calls per second of `step` over about `seconds`, after `warmup` calls. A step that
    dispatches asynchronously (JAX) carries `finish`, which waits for the work it queued."""
    finish = getattr(step, "finish", lambda: None)
    for _ in range(warmup):
        step()
    finish()
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        step()
        n += 1
    finish()
    return n / (time.perf_counter() - start)


def peak_rss_mb():
    """Peak resident memory (VmHWM; ru_maxrss would include the parent's across exec)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def framework(name, threads):
    """`torch`, `torch-native` (PyTorch with its oneDNN path off) or this checkout's `gentrain`,
    set to `threads` threads (None: the library's default) and seeded."""
    if name.startswith("torch"):
        import torch as lib
        lib.backends.mkldnn.enabled = name == "torch"
    else:
        sys.path.insert(0, os.path.join(ROOT, "bindings", "python"))
        import gentrain as lib
    if threads is not None:
        lib.set_num_threads(threads)
    lib.manual_seed(0)
    return lib


def child(script, *args):
    """Runs `script --child args…` and returns the JSON it prints."""
    out = subprocess.run([sys.executable, script, "--child", *map(str, args)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def alternating_medians(measure, names, repeats):
    """Runs measure(name) for each name in turn, `repeats` rounds, and returns each name's median:
    alternating keeps a slow spell of a shared machine from landing on one side only."""
    import statistics
    values = {name: [] for name in names}
    for _ in range(repeats):
        for name in names:
            values[name].append(measure(name))
    return {name: statistics.median(v) for name, v in values.items()}

