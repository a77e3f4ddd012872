"""Data parallel training, measured (numbers for the README and the notes, with the CPU named).

    python3 bench/python/data_parallel.py [--seconds S] [--bench-binary build/bench_c]

1. DataParallel (threads of one process) against one worker: W8 (MLP 16-64-64-4, Adam) at batch
   64 from C, W3 (the VAE, batch 128) from Python; also the plain model on two intra-op threads.
   DataParallel runs with as many threads as workers (the engine's default on a 2-core machine):
   its shards run on the workers, and what the caller's thread runs between them (the loss, the
   shards' gradient sums, the optimizer step) on the intra-op threads.
2. DistributedDataParallel over MPI, 2 ranks of one thread each, every rank on half of each batch,
   against one process of one thread on the whole batch: W1 (MLP 784-1024-1024-10, batch 256) from
   C and Python, W5 (DCGAN, batch 64) from Python; PyTorch's DDP with gloo on the same workloads
   when PyTorch is installed. Rates are whole-batch steps per second.
3. All-reduce of 25 MB: gentrain's MPI process group against MPI_Allreduce (build/bench_allreduce).
"""
import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time

from harness import ROOT, framework

MPIRUN = [shutil.which("mpirun") or "mpirun", "--allow-run-as-root", "--oversubscribe", "--bind-to", "none"]


def steps_for(workload, lib, name, world, wrap):
    """The training step of `workload` at each rank's share of the batch."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from bench import mlp_step
    from generative import dcgan_step, vae_step
    if workload == "w1":
        return mlp_step(lib, [784, 1024, 1024, 10], 256 // world, wrap=wrap)
    if workload == "w3":
        return vae_step(lib, name, wrap=wrap, batch=128 // world)
    return dcgan_step(lib, name, wrap=wrap, batch=64 // world)


def timed(step, seconds, agree=lambda per_step: per_step):
    """Steps per second over about `seconds`: the step count comes from rank 0's warm-up pace
    (`agree`), so that all ranks run the same number of steps."""
    start = time.perf_counter()
    for _ in range(3):
        step()
    n = int(seconds / agree((time.perf_counter() - start) / 3)) + 1
    start = time.perf_counter()
    for _ in range(n):
        step()
    return n / (time.perf_counter() - start)


def ddp_child(name, workload, seconds):
    """One rank (under mpirun) or the whole-batch baseline (alone): prints rank 0's rate."""
    rank, world = int(os.environ.get("OMPI_COMM_WORLD_RANK", 0)), int(os.environ.get("OMPI_COMM_WORLD_SIZE", 1))
    lib = framework(name, 1)
    wrap = (lambda m: m)
    if world > 1 and name == "gentrain":
        import gentrain.distributed as dist
        from gentrain.nn.parallel import DistributedDataParallel
        dist.init_process_group("mpi")
        wrap = DistributedDataParallel
    elif world > 1:
        import torch.distributed as dist
        dist.init_process_group("gloo", init_method="tcp://127.0.0.1:29517", rank=rank, world_size=world)
        wrap = lib.nn.parallel.DistributedDataParallel

    def agree(per_step):
        if world == 1:
            return per_step
        t = lib.tensor([per_step], dtype=lib.float64)
        dist.broadcast(t, 0)
        return t.item()
    value = timed(steps_for(workload, lib, name, world, wrap), seconds, agree)
    if rank == 0:
        print(json.dumps({"value": value}))


def dp_child(workload, workers, seconds):
    lib = framework("gentrain", 2 if workers in ("2", "intra") else 1)
    wrap = (lambda m: m) if workers in ("1", "intra") else (lambda m: lib.nn.DataParallel(m, workers=int(workers)))
    print(json.dumps({"value": timed(steps_for(workload, lib, "gentrain", 1, wrap), seconds)}))


def mpi(ranks, *args):
    out = subprocess.run(MPIRUN + ["-np", str(ranks), sys.executable, __file__, *args], capture_output=True, text=True,
                         check=True, timeout=600)
    return json.loads(out.stdout.strip().splitlines()[-1])["value"]


def child(*args):
    """Runs this script with `args` in a fresh process and returns the value it prints."""
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=True, timeout=600)
    return json.loads(out.stdout.strip().splitlines()[-1])["value"]


def c_rate(binary, *args):
    out = subprocess.run([binary, *args], capture_output=True, text=True, check=True, timeout=600)
    return float(out.stdout.split()[2])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=4)
    ap.add_argument("--bench-binary", default=os.path.join(ROOT, "build", "bench_c"))
    ap.add_argument("--ddp-child", nargs=3, help=argparse.SUPPRESS)
    ap.add_argument("--dp-child", nargs=3, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.ddp_child:
        return ddp_child(a.ddp_child[0], a.ddp_child[1], float(a.ddp_child[2]))
    if a.dp_child:
        return dp_child(a.dp_child[0], a.dp_child[1], float(a.dp_child[2]))
    s = str(a.seconds)
    with open("/proc/cpuinfo") as f:
        cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "?")
    print(f"CPU: {cpu}, {os.cpu_count()} cores")

    print("\nDataParallel, steps/s             1 worker   2 workers   speed-up   (plain model, 2 intra-op threads)")
    one = c_rate(a.bench_binary, "w8", "1", s, "--batch", "64")
    two = c_rate(a.bench_binary, "w8", "2", s, "--batch", "64", "--dp", "2")
    intra = c_rate(a.bench_binary, "w8", "2", s, "--batch", "64")
    print(f"W8 batch 64 (C)               {one:>12.0f}{two:>12.0f}{two / one:>10.2f}x   ({intra:.0f}, {intra / one:.2f}x)")
    one, two, intra = (child("--dp-child", "w3", w, s) for w in ("1", "2", "intra"))
    print(f"W3 VAE batch 128 (Python)     {one:>12.1f}{two:>12.1f}{two / one:>10.2f}x   ({intra:.1f}, {intra / one:.2f}x)")

    have_torch = importlib.util.find_spec("torch") is not None
    print("\nDDP over MPI, whole-batch steps/s  1 rank    2 ranks   speed-up   PyTorch gloo 1 / 2 ranks   2-rank ratio")
    for workload, label in (("w1", "W1 MLP (C)"), ("w1", "W1 MLP (Python)"), ("w5", "W5 DCGAN (Python)")):
        if "(C)" in label:
            one = c_rate(a.bench_binary, workload, "1", s)
            two = c_rate(*MPIRUN, "-np", "2", a.bench_binary, workload, "1", s, "--mpi")
            torch = (None, None)
        else:
            one = child("--ddp-child", "gentrain", workload, s)
            two = mpi(2, "--ddp-child", "gentrain", workload, s)
            torch = (child("--ddp-child", "torch", workload, s), mpi(2, "--ddp-child", "torch", workload, s)) \
                if have_torch else (None, None)
        pt = f"{torch[0]:>10.2f}{torch[1]:>10.2f}{two / torch[1]:>14.2f}x" if torch[1] else ""
        print(f"{label:<30}{one:>10.2f}{two:>10.2f}{two / one:>10.2f}x   {pt}")

    allreduce = os.path.join(os.path.dirname(a.bench_binary), "bench_allreduce")
    if os.path.exists(allreduce):
        out = subprocess.run(MPIRUN + ["-np", "2", allreduce, "25", "20"], capture_output=True, text=True, check=True)
        print("\n" + out.stdout.strip())


if __name__ == "__main__":
    main()
