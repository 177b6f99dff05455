"""PyTorch peer of bench/headTraining.bench.ts: the same training steps, idiomatic PyTorch (eager, autograd, Adam).

Usage: /usr/bin/python3 head_torch.py THREADS SECONDS   (the bench sets LD_LIBRARY_PATH to OpenBLAS for this process)

Cases (same shapes, loss and optimizer as the TS side):
  head-D512-C100-ce, head-D2048-C1000-ce, head-D2048-C1000-la: a linear classifier [D -> C] on frozen embeddings,
      batch 256, softmax cross-entropy (la: CE(f + tau log pi), tau = 1), Adam lr 1e-3; each step gathers its batch
      from a shuffled order, runs forward + backward + step and reads the loss (loss.item()), as the engine does;
  full-smallcnn-b128: every layer of the small CNN (bench/peers/forward_torch.py SmallCnn), batch 128, CE, Adam.
Prints one JSON line {threads, cases: {name: {steps, seconds, stepsPerS, firstLoss}}}.
"""
import json
import math
import os
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from forward_torch import SmallCnn  # noqa: E402

HEAD_BATCH, CNN_BATCH, BATCHES = 256, 128, 8


def long_tail_labels(n, c, g):
    """Labels with priors proportional to exp(-4 y / C) (a long tail), and their counts."""
    p = torch.exp(-4.0 * torch.arange(c, dtype=torch.float64) / c)
    y = torch.multinomial(p / p.sum(), n, replacement=True, generator=g)
    return y, torch.bincount(y, minlength=c)


def timed(step, seconds):
    for _ in range(2):
        step(0)  # warm-up: Adam state allocation, allocator growth
    n, t0 = 0, time.perf_counter()
    first = None
    while True:
        loss = step(n)
        first = loss if first is None else first
        n += 1
        el = time.perf_counter() - t0
        if n >= 3 and el >= seconds:
            return {"steps": n, "seconds": el, "stepsPerS": n / el, "firstLoss": first}


def head_case(d, c, loss_name, seconds, g):
    n = HEAD_BATCH * BATCHES
    x = torch.relu(torch.randn(n, d, generator=g))
    y, counts = long_tail_labels(n, c, g)
    log_pi = torch.log(torch.clamp(counts.double(), min=1) / counts.sum()).float()
    head = nn.Linear(d, c)
    opt = torch.optim.Adam(head.parameters(), lr=1e-3)
    order = torch.randperm(n, generator=g)

    def step(i):
        b = i % BATCHES
        idx = order[b * HEAD_BATCH:(b + 1) * HEAD_BATCH]
        logits = head(x[idx])
        if loss_name == "la":
            logits = logits + log_pi
        loss = F.cross_entropy(logits, y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.item()

    return timed(step, seconds)


def cnn_case(seconds, g):
    n = CNN_BATCH * BATCHES
    x = torch.rand(n, 1, 28, 28, generator=g)
    y, _ = long_tail_labels(n, 10, g)
    model = SmallCnn()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    order = torch.randperm(n, generator=g)

    def step(i):
        b = i % BATCHES
        idx = order[b * CNN_BATCH:(b + 1) * CNN_BATCH]
        _, logits = model(x[idx])
        loss = F.cross_entropy(logits, y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss.item()

    return timed(step, seconds)


def main():
    threads, seconds = int(sys.argv[1]), float(sys.argv[2])
    torch.set_num_threads(threads)
    g = torch.Generator().manual_seed(0)
    cases = {
        "head-D512-C100-ce": head_case(512, 100, "ce", seconds, g),
        "head-D2048-C1000-ce": head_case(2048, 1000, "ce", seconds, g),
        "head-D2048-C1000-la": head_case(2048, 1000, "la", seconds, g),
        "full-smallcnn-b128": cnn_case(seconds, g),
    }
    for v in cases.values():
        assert math.isfinite(v["firstLoss"])
    print(json.dumps({
        "threads": torch.get_num_threads(), "torch": torch.__version__, "cases": cases,
        "peakRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == "__main__":
    main()
