"""PyTorch's float32 matmul at ple-paper's layer shapes, GFLOP/s on 1 and 2 threads.

The peer figure for `mtlkit bench matmul` (docs/speed.md): the same shapes and transposes,
median of 20 timed calls after 3 warm-ups. Run: python3 bench/torch/matmul.py
"""
import time

import torch

SHAPES = [
    # (m, k, n, transpose A): forward, dW = x^T g, dx = g W^T
    (2048, 320, 256, False),
    (320, 2048, 256, True),
    (2048, 256, 320, False),
]


def gflops(m, k, n, trans_a):
    a = torch.randn(k, m) if trans_a else torch.randn(m, k)
    b = torch.randn(k, n)
    call = (lambda: a.t() @ b) if trans_a else (lambda: a @ b)
    for _ in range(3):
        call()
    times = []
    for _ in range(20):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    times.sort()
    return 2 * m * k * n / times[len(times) // 2] / 1e9


print(f"PyTorch {torch.__version__}, CPU capability {torch.backends.cpu.get_cpu_capability()}")
for threads in (1, 2):
    torch.set_num_threads(threads)
    for m, k, n, ta in SHAPES:
        print(f"threads {threads}  m {m} k {k} n {n}{' (A transposed)' if ta else ''}: {gflops(m, k, n, ta):.1f} GFLOP/s")
