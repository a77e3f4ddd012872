"""Training on a machine another process also uses: each workload from Python with the default
thread settings and with one thread, while a competing busy process (started and stopped here)
keeps one core busy. A library that owns the machine's cores spins or oversubscribes and falls far
behind its own one-thread speed; the target is at most 1.3x slower.

    python3 bench/python/competition.py [--seconds S] [--workloads w1,w2,...] [--framework gentrain|torch]

Each measurement runs in its own process; the competitor is a busy loop pinned to the last CPU
this process may use.
"""
import argparse
import json
import os
import subprocess
import sys

import bench
import generative
import recurrent
from harness import child as run_child
from harness import framework, rate

WORKLOADS = {
    "w1": lambda lib, name: bench.mlp_step(lib, [784, 1024, 1024, 10], 256),
    "w2": recurrent.lm_step,
    "w3": generative.vae_step,
    "w4": generative.wgan_step,
    "w5": generative.dcgan_step,
    "w8": lambda lib, name: bench.mlp_step(lib, [16, 64, 64, 4], 8),
}


def measure(name, workload, threads, seconds):
    lib = framework(name, None if threads == "default" else int(threads))
    print(json.dumps({"value": rate(WORKLOADS[workload](lib, name), float(seconds), warmup=3)}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=3)
    ap.add_argument("--workloads", default="w1,w2,w3,w4,w5,w8")
    ap.add_argument("--framework", default="gentrain")
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        return measure(*a.child)
    cpus = sorted(os.sched_getaffinity(0))
    competitor = subprocess.Popen(["taskset", "-c", str(cpus[-1]), sys.executable, "-c", "while True: pass"])
    try:
        print(f"{a.framework} with a busy process on CPU {cpus[-1]} ({len(cpus)} CPUs usable)")
        print(f"{'workload':<10}{'default':>12}{'1 thread':>12}{'slowdown':>10}")
        for w in a.workloads.split(","):
            d = run_child(__file__, a.framework, w, "default", a.seconds)["value"]
            one = run_child(__file__, a.framework, w, 1, a.seconds)["value"]
            print(f"{w:<10}{d:>12.2f}{one:>12.2f}{one / d:>9.2f}x  steps/s (slowdown: 1-thread rate / default rate)")
    finally:
        competitor.kill()


if __name__ == "__main__":
    main()
