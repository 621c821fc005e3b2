"""This machine's memory bandwidth, for the benchmarks that report a fraction of it.

Measured in a child process, so that the caller stays small: a child's ru_maxrss includes
the memory of the parent it was forked from. 1 GiB buffers, best of five:
  numpy_copy  one CPU thread copying (read + write bytes per second)
  torch_copy  N threads, or the GPU, copying (read + write)
  torch_read  N threads, or the GPU, summing float32 (read only: what streaming weights costs)
"""
import json
import subprocess
import sys

SCRIPT = r"""
import json, sys, time
import numpy as np
import torch
threads, device = int(sys.argv[1]), sys.argv[2]
n = 1 << 30
src = np.ones(n, dtype=np.uint8)
dst = np.empty_like(src)

def sync():
    if device != "cpu":
        torch.cuda.synchronize()

def best(run, nbytes):
    run()
    times = []
    for _ in range(5):
        sync()
        t0 = time.perf_counter()
        run()
        sync()
        times.append(time.perf_counter() - t0)
    return nbytes / min(times) / 1e9

numpy_copy = best(lambda: np.copyto(dst, src), 2 * n)
torch.set_num_threads(threads)
a, b = torch.from_numpy(src).to(device), torch.from_numpy(dst).to(device)
torch_copy = best(lambda: b.copy_(a), 2 * n)
floats = a.view(torch.float32).fill_(1.0)
torch_read = best(lambda: floats.sum(), n)
print(json.dumps({"numpy_copy": numpy_copy, "torch_copy": torch_copy, "torch_read": torch_read}))
"""


def measure(threads, device="cpu"):
    """GB/s as a dict: numpy_copy, torch_copy, torch_read (see the module comment)."""
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(threads), device], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])
