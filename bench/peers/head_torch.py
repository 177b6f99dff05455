"""PyTorch peer of bench/headTraining.bench.ts: the same training steps, idiomatic PyTorch (eager, autograd, Adam).

Usage: /usr/bin/python3 head_torch.py THREADS SECONDS   (the bench sets LD_LIBRARY_PATH to OpenBLAS for this process)
       /usr/bin/python3 head_torch.py make DIR N D C N_EVAL      synthetic features train.npz / eval.npz and head.npz
       /usr/bin/python3 head_torch.py whole THREADS DIR EPOCHS BATCH   the whole-process peer of
           `longtail finetune --scope head --loss la --optimizer adam` on DIR's files (see whole_run)

Cases (same shapes, loss and optimizer as the TS side):
  head-D{512,2048}-C{100,1000}-{ce,la}: a linear classifier [D -> C] on frozen embeddings,
      batch 256, softmax cross-entropy (la: CE(f + tau log pi), tau = 1), Adam lr 1e-3 (eps 1e-7, see ADAM_EPS); each step gathers its batch
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
# Adam's epsilon as the engine uses it: TF.js's float32 backend epsilon 1e-7 (src/engine/training/headOptimizer.ts),
# not PyTorch's default 1e-8. It is not a detail on the whole-process data: classes with no training example get
# log pi = log 1e-12 in the LA loss, so their weight gradients are far below epsilon, where Adam's step is
# ~ lr * m / eps; with 1e-8 their logits fall ~2 lower than with 1e-7 and they win argmax far less often (balanced error 48 % vs 98 %
# after 1 epoch of 32,768 x 2048 -> 1,000; docs/performance.md, head training).
ADAM_EPS = 1e-7


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
    opt = torch.optim.Adam(head.parameters(), lr=1e-3, eps=ADAM_EPS)
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
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=ADAM_EPS)
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


def make_data(out, n, d, c, n_eval):
    """Synthetic frozen embeddings: x = relu(z + 0.4 mu_y), z ~ N(0, I), class means mu_y ~ N(0, I); long-tailed
    training labels (priors proportional to exp(-4 y / C)), n_eval // C eval examples per class; a head
    fc.weight [C, D] ~ N(0, 0.01^2), fc.bias = 0. float32 features, int64 labels (np.savez, uncompressed)."""
    import numpy as np
    rng = np.random.default_rng(0)
    mu = rng.standard_normal((c, d), dtype=np.float32)
    p = np.exp(-4.0 * np.arange(c) / c)
    y = rng.choice(c, size=n, p=p / p.sum()).astype(np.int64)
    y_eval = np.repeat(np.arange(c, dtype=np.int64), n_eval // c)

    def feats(labels):
        x = rng.standard_normal((labels.size, d), dtype=np.float32)
        x += np.float32(0.4) * mu[labels]
        return np.maximum(x, 0, out=x)

    os.makedirs(out, exist_ok=True)
    np.savez(os.path.join(out, "train.npz"), features=feats(y), labels=y)
    np.savez(os.path.join(out, "eval.npz"), features=feats(y_eval), labels=y_eval)
    np.savez(os.path.join(out, "head.npz"), **{"fc.weight": (0.01 * rng.standard_normal((c, d))).astype(np.float32),
                                               "fc.bias": np.zeros(c, np.float32)})


def whole_run(threads, data, epochs, batch):
    """The same work as `longtail finetune --scope head --loss la --optimizer adam --epochs E --batch-size B`:
    load the features and the head, train nn.Linear with CE(f + log pi) (tau = 1) and Adam lr 1e-3, eps 1e-7, over a
    shuffled order each epoch, evaluate the balanced error on the eval set after every epoch, save the head
    (np.savez). Not done here (the engine does it): report.json's diagnostics. Prints one JSON line."""
    import numpy as np
    t0 = time.perf_counter()
    torch.set_num_threads(threads)
    tr = np.load(os.path.join(data, "train.npz"))
    ev = np.load(os.path.join(data, "eval.npz"))
    hd = np.load(os.path.join(data, "head.npz"))
    x, y = torch.from_numpy(tr["features"]), torch.from_numpy(tr["labels"])
    xe, ye = torch.from_numpy(ev["features"]), torch.from_numpy(ev["labels"])
    c = hd["fc.weight"].shape[0]
    head = nn.Linear(x.shape[1], c)
    with torch.no_grad():
        head.weight.copy_(torch.from_numpy(hd["fc.weight"]))
        head.bias.copy_(torch.from_numpy(hd["fc.bias"]))
    counts = torch.bincount(y, minlength=c).double()
    log_pi = torch.log(torch.clamp(counts / counts.sum(), min=1e-12)).float()
    opt = torch.optim.Adam(head.parameters(), lr=1e-3, eps=ADAM_EPS)
    g = torch.Generator().manual_seed(0)
    t_train = time.perf_counter()
    errors = []
    for _ in range(epochs):
        order = torch.randperm(x.shape[0], generator=g)
        for lo in range(0, x.shape[0], batch):
            idx = order[lo:lo + batch]
            loss = F.cross_entropy(head(x[idx]) + log_pi, y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            loss.item()
        with torch.no_grad():
            pred = torch.cat([head(xe[i:i + 512]).argmax(1) for i in range(0, xe.shape[0], 512)])
        correct = torch.bincount(ye[pred == ye], minlength=c).double()
        total = torch.bincount(ye, minlength=c).double()
        present = total > 0
        errors.append(float(1 - (correct[present] / total[present]).mean()))
    train_s = time.perf_counter() - t_train
    np.savez(os.path.join(data, f"torch-head-{threads}t.npz"), **{"fc.weight": head.weight.detach().numpy(),
                                                                 "fc.bias": head.bias.detach().numpy()})
    print(json.dumps({"threads": torch.get_num_threads(), "trainSeconds": train_s,
                      "inProcessSeconds": time.perf_counter() - t0, "balancedErrors": errors}))


def main():
    if sys.argv[1] == "make":
        make_data(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]))
        return
    if sys.argv[1] == "whole":
        whole_run(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
        return
    threads, seconds = int(sys.argv[1]), float(sys.argv[2])
    torch.set_num_threads(threads)
    g = torch.Generator().manual_seed(0)
    cases = {
        "head-D512-C100-ce": head_case(512, 100, "ce", seconds, g),
        "head-D512-C100-la": head_case(512, 100, "la", seconds, g),
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
