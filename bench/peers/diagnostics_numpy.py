"""numpy peer of bench/diagnostics.bench.ts: the same report figures on the same files, idiomatic numpy.

Usage: python3 bench/peers/diagnostics_numpy.py DIR   (DIR written by the TS bench: meta.json, logits.f32,
labels.i32, counts.f64 and, when meta d > 0, embeddings.f32, weight.f32, bias.f32). Prints one JSON line
{totalMs, stages, peakRssMb, balancedError}. Large N x C work is done in row chunks (float64), as a careful
numpy user would, so temporaries stay bounded.
"""
import json
import os
import resource
import sys
import time

import numpy as np


def main():
    d_ = sys.argv[1]
    meta = json.load(open(os.path.join(d_, "meta.json")))
    n, c, d = meta["n"], meta["c"], meta["d"]
    logits = np.fromfile(os.path.join(d_, "logits.f32"), dtype="<f4").reshape(n, c)
    labels = np.fromfile(os.path.join(d_, "labels.i32"), dtype="<i4").astype(np.int64)
    counts = np.fromfile(os.path.join(d_, "counts.f64"), dtype="<f8")
    emb = W = b = None
    if d > 0:
        emb = np.fromfile(os.path.join(d_, "embeddings.f32"), dtype="<f4").reshape(n, d)
        W = np.fromfile(os.path.join(d_, "weight.f32"), dtype="<f4").reshape(c, d)
        b = np.fromfile(os.path.join(d_, "bias.f32"), dtype="<f4")
    stages = {}
    t_start = last = time.perf_counter()

    def stage(name):
        nonlocal last
        now = time.perf_counter()
        stages[name] = (now - last) * 1000
        last = now

    assert np.isfinite(logits).all() and labels.min() >= 0 and labels.max() < c
    if emb is not None:
        assert np.isfinite(emb).all() and np.isfinite(W).all()
    stage("validate")

    chunk = max(1, 4_000_000 // c)
    pred = np.empty(n, dtype=np.int64)
    conf = np.empty(n)
    for s in range(0, n, chunk):
        f = logits[s:s + chunk].astype(np.float64)
        m = f.max(1, keepdims=True)
        pred[s:s + chunk] = f.argmax(1)
        conf[s:s + chunk] = 1.0 / np.exp(f - m).sum(1)
    stage("argmax+softmax")

    eval_count = np.bincount(labels, minlength=c)
    pred_count = np.bincount(pred, minlength=c)
    ok = pred == labels
    correct = np.bincount(labels[ok], minlength=c)
    present = eval_count > 0
    acc = correct[present] / eval_count[present]
    ber = 1 - acc.mean()
    bucket = np.where(counts > 100, 0, np.where(counts < 20, 2, 1))
    _ = [acc[bucket[present] == k].mean() if (bucket[present] == k).any() else None for k in range(3)]
    order = np.lexsort((np.arange(c), -counts))
    _ = np.array_split(order, min(10, c))
    bm = np.zeros((3, 3), dtype=np.int64)
    np.add.at(bm, (bucket[labels], bucket[pred]), 1)
    if c <= 100:
        cm = np.zeros((c, c), dtype=np.int64)
        np.add.at(cm, (labels, pred), 1)
    keys, cnt = np.unique(labels[~ok] * c + pred[~ok], return_counts=True)
    _ = keys[np.lexsort((keys, -cnt))][:20]
    idx = np.digitize(conf, np.linspace(0, 1, 16), right=True)
    binc = np.bincount(idx, minlength=16)[1:]
    bacc = np.bincount(idx, weights=ok, minlength=16)[1:]
    bconf = np.bincount(idx, weights=conf, minlength=16)[1:]
    nz = binc > 0
    _ = (np.abs(bacc[nz] / binc[nz] - bconf[nz] / binc[nz]) * binc[nz]).sum() / n
    stage("metrics+confusion+calibration")

    taus = np.arange(21) / 10
    logpi = np.log(np.where(counts > 0, counts / counts.sum(), 1e-12))
    la_correct = np.zeros((21, c), dtype=np.int64)
    for s in range(0, n, chunk):
        f = logits[s:s + chunk].astype(np.float64)
        y = labels[s:s + chunk]
        for k, t in enumerate(taus):
            p = (f - t * logpi).argmax(1)
            la_correct[k] += np.bincount(y[p == y], minlength=c)
    _ = 1 - (la_correct[:, present] / eval_count[present]).mean(1)
    stage("logitAdjustment")

    if W is not None:
        W64 = W.astype(np.float64)
        norms = np.sqrt(np.einsum("ij,ij->i", W64, W64))
        x = np.log(counts[counts > 0])
        _ = np.corrcoef(norms[counts > 0], x)[0, 1]
        _ = np.corrcoef(np.argsort(np.argsort(norms[counts > 0])), np.argsort(np.argsort(x)))[0, 1]
        _ = np.polyfit(x, norms[counts > 0], 1)
        _ = np.corrcoef(b[counts > 0], x)[0, 1]
        stage("weightNorms")

        rows = np.linspace(0, n - 1, min(n, 16)).astype(np.int64)
        check = emb[rows].astype(np.float64) @ W.T.astype(np.float64) + b
        from_logits = np.allclose(check, logits[rows], rtol=1e-3, atol=1e-3)
        safe = np.where(norms > 0, norms, 1.0)
        scale = safe[None, :] ** (-taus[:, None])
        tn_correct = np.zeros((21, c), dtype=np.int64)
        for s in range(0, n, chunk):
            if from_logits:
                raw = logits[s:s + chunk].astype(np.float64) - b
            else:
                raw = emb[s:s + chunk].astype(np.float64) @ W.T.astype(np.float64)
            y = labels[s:s + chunk]
            for k in range(21):
                p = (raw * scale[k]).argmax(1)
                tn_correct[k] += np.bincount(y[p == y], minlength=c)
        _ = 1 - (tn_correct[:, present] / eval_count[present]).mean(1)
        stage("tauNormalisation")

        # The report's second sweep: the bias added back after normalising, (w_y/||w_y||^tau).phi + b_y.
        tb_correct = np.zeros((21, c), dtype=np.int64)
        b64 = b.astype(np.float64)
        for s in range(0, n, chunk):
            if from_logits:
                raw = logits[s:s + chunk].astype(np.float64) - b
            else:
                raw = emb[s:s + chunk].astype(np.float64) @ W.T.astype(np.float64)
            y = labels[s:s + chunk]
            for k in range(21):
                p = (raw * scale[k] + b64).argmax(1)
                tb_correct[k] += np.bincount(y[p == y], minlength=c)
        _ = 1 - (tb_correct[:, present] / eval_count[present]).mean(1)
        stage("tauNormalisation with bias")

    if emb is not None:
        # Row chunks keep temporaries small (fresh multi-GB arrays page-fault slowly).
        rchunk = max(1, 8_000_000 // d)
        cls = np.flatnonzero(present)
        sums = np.zeros((c, d))
        fn_sum = np.zeros(c)
        for s in range(0, n, rchunk):
            e = emb[s:s + rchunk].astype(np.float64)
            y = labels[s:s + rchunk]
            fn = np.sqrt(np.einsum("ij,ij->i", e, e))
            fn_sum += np.bincount(y, weights=fn, minlength=c)
            zt = (e / np.where(fn > 0, fn, 1)[:, None]).T
            for j in range(d):
                sums[:, j] += np.bincount(y, weights=zt[j], minlength=c)
        cents = sums[cls] / eval_count[cls][:, None]
        pos = np.full(c, -1)
        pos[cls] = np.arange(len(cls))
        dist_sum = np.zeros(c)
        for s in range(0, n, rchunk):
            e = emb[s:s + rchunk].astype(np.float64)
            y = labels[s:s + rchunk]
            fn = np.sqrt(np.einsum("ij,ij->i", e, e))
            diff = e / np.where(fn > 0, fn, 1)[:, None] - cents[pos[y]]
            dist_sum += np.bincount(y, weights=np.sqrt(np.einsum("ij,ij->i", diff, diff)), minlength=c)
        sq = np.einsum("ij,ij->i", cents, cents)
        g = cents @ cents.T
        d2 = sq[:, None] + sq[None, :] - 2 * g
        np.fill_diagonal(d2, np.inf)
        _ = np.sqrt(np.maximum(d2.min(1), 0))
        del g, d2
        stage("tightness")

        rng = np.random.default_rng(0)
        sample = np.sort(rng.choice(n, size=min(n, 5000), replace=False))
        Xs = emb[sample].astype(np.float64)
        X = Xs - Xs.mean(0)
        vals, vecs = np.linalg.eigh(X.T @ X)
        P = X @ vecs[:, ::-1][:, :2]
        _ = (P ** 2).sum(0) / (X ** 2).sum()
        stage("projection")

    total = (time.perf_counter() - t_start) * 1000
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"totalMs": total, "stages": stages, "peakRssMb": rss, "balancedError": float(ber)}))


if __name__ == "__main__":
    main()
