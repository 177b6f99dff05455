"""PyTorch peer of bench/forward.bench.ts: the same two models, with the same weights, in idiomatic PyTorch.

Usage (always Debian's /usr/bin/python3, which has torch 1.13; the bench sets
LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread for this process only):

  forward_torch.py prepare DIR            build both models from DIR/<model>/model.json + weights.bin (saved by the
                                          TS bench through the product's saveLayersModel), check their logits on
                                          DIR/<model>.check.f32 against the TF.js ones, export DIR/<model>.onnx
  forward_torch.py time DIR THREADS SECONDS BATCH_RESNET BATCH_SMALL
                                          images/s of embeddings + logits in one pass (inference mode)

Weight transfer: conv kernels [kh, kw, ci, co] (TF.js, NHWC) -> [co, ci, kh, kw]; dense kernels [in, out] ->
[out, in], with the small CNN's flatten reordered from NHWC (h, w, c) to NCHW (c, h, w); batch norm gamma,
beta, moving mean and variance as they are (eps 1e-3, the Keras default). TF.js `same` padding on a stride-2
3x3 conv pads (0, 1) rows/columns, so those two convs pad explicitly; every other conv matches padding=1.
Prints one JSON line.
"""
import json
import os
import resource
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_tfjs(model_dir):
    spec = json.load(open(os.path.join(model_dir, "model.json")))
    raw = open(os.path.join(model_dir, "weights.bin"), "rb").read()
    out, offset = {}, 0
    for group in spec["weightsManifest"]:
        for w in group["weights"]:
            assert w["dtype"] == "float32", w
            n = int(np.prod(w["shape"])) if w["shape"] else 1
            out[w["name"]] = np.frombuffer(raw, dtype="<f4", count=n, offset=offset).reshape(w["shape"]).copy()
            offset += 4 * n
    return out


def conv_w(k):
    return torch.from_numpy(np.ascontiguousarray(k.transpose(3, 2, 0, 1)))


def set_bn(bn, w, name):
    bn.weight.data = torch.from_numpy(w[name + "/gamma"])
    bn.bias.data = torch.from_numpy(w[name + "/beta"])
    bn.running_mean.data = torch.from_numpy(w[name + "/moving_mean"])
    bn.running_var.data = torch.from_numpy(w[name + "/moving_variance"])


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.stride = stride
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, padding=1 if stride == 1 else 0, bias=False)
        self.bn1 = nn.BatchNorm2d(cout, eps=1e-3)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout, eps=1e-3)
        self.proj = None
        if stride != 1 or cin != cout:
            self.proj = nn.Conv2d(cin, cout, 1, stride, bias=False)
            self.proj_bn = nn.BatchNorm2d(cout, eps=1e-3)

    def forward(self, x):
        h = F.pad(x, (0, 1, 0, 1)) if self.stride == 2 else x
        h = F.relu(self.bn1(self.conv1(h)))
        h = self.bn2(self.conv2(h))
        s = x if self.proj is None else self.proj_bn(self.proj(x))
        return F.relu(h + s)


class ResNet32(nn.Module):
    """CIFAR ResNet-32: stem conv3x3/16, 3 stages x 5 basic blocks (16/32/64), GAP, dense 10."""

    def __init__(self, classes=10):
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.stem_bn = nn.BatchNorm2d(16, eps=1e-3)
        blocks, cin = [], 16
        for s, cout in enumerate([16, 32, 64]):
            for b in range(5):
                blocks.append(Block(cin, cout, 2 if s > 0 and b == 0 else 1))
                cin = cout
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        x = F.relu(self.stem_bn(self.stem(x)))
        emb = self.blocks(x).mean((2, 3))
        return emb, self.fc(emb)

    def load_tfjs(self, w):
        self.stem.weight.data = conv_w(w["stem_conv/kernel"])
        set_bn(self.stem_bn, w, "stem_bn")
        i = 0
        for s in range(3):
            for b in range(5):
                blk, p = self.blocks[i], f"s{s + 1}b{b + 1}"
                blk.conv1.weight.data = conv_w(w[p + "_conv1/kernel"])
                set_bn(blk.bn1, w, p + "_bn1")
                blk.conv2.weight.data = conv_w(w[p + "_conv2/kernel"])
                set_bn(blk.bn2, w, p + "_bn2")
                if blk.proj is not None:
                    blk.proj.weight.data = conv_w(w[p + "_proj/kernel"])
                    set_bn(blk.proj_bn, w, p + "_proj_bn")
                i += 1
        self.fc.weight.data = torch.from_numpy(np.ascontiguousarray(w["logits/kernel"].T))
        self.fc.bias.data = torch.from_numpy(w["logits/bias"])


class SmallCnn(nn.Module):
    """src/engine/training/smallCnn.ts: conv3x3(16)+ReLU, maxpool2, conv3x3(32)+ReLU, maxpool2, dense(64)+ReLU, dense(C)."""

    def __init__(self, hw=28, cin=1, d=64, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, 16, 3, 1, 1)
        self.conv2 = nn.Conv2d(16, 32, 3, 1, 1)
        self.side = hw // 4
        self.embedding = nn.Linear(32 * self.side * self.side, d)
        self.classifier = nn.Linear(d, classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        emb = F.relu(self.embedding(torch.flatten(x, 1)))
        return emb, self.classifier(emb)

    def load_tfjs(self, w):
        self.conv1.weight.data = conv_w(w["conv1/kernel"])
        self.conv1.bias.data = torch.from_numpy(w["conv1/bias"])
        self.conv2.weight.data = conv_w(w["conv2/kernel"])
        self.conv2.bias.data = torch.from_numpy(w["conv2/bias"])
        k = w["embedding/kernel"]  # [(h, w, c), d] in TF.js' NHWC flatten order
        s, d = self.side, k.shape[1]
        k = k.reshape(s, s, 32, d).transpose(2, 0, 1, 3).reshape(32 * s * s, d)  # -> (c, h, w) order
        self.embedding.weight.data = torch.from_numpy(np.ascontiguousarray(k.T))
        self.embedding.bias.data = torch.from_numpy(w["embedding/bias"])
        self.classifier.weight.data = torch.from_numpy(np.ascontiguousarray(w["classifier/kernel"].T))
        self.classifier.bias.data = torch.from_numpy(w["classifier/bias"])


MODELS = {"resnet32": (ResNet32, (32, 32, 3)), "smallcnn": (SmallCnn, (28, 28, 1))}


def build(root, name):
    cls, _ = MODELS[name]
    m = cls()
    m.load_tfjs(read_tfjs(os.path.join(root, name)))
    return m.eval()


def check(root, name, m):
    """Max |logit difference| vs TF.js on the check batch, relative to max(1, max |logit|)."""
    _, (h, w_, c) = MODELS[name]
    x = np.fromfile(os.path.join(root, name + ".check.f32"), dtype="<f4").reshape(-1, h, w_, c)
    ref = np.fromfile(os.path.join(root, name + ".check.logits.f32"), dtype="<f4").reshape(x.shape[0], -1)
    with torch.inference_mode():
        _, logits = m(torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2))))
    diff = float(np.abs(logits.numpy() - ref).max())
    return {"maxAbsDiff": diff, "relDiff": diff / max(1.0, float(np.abs(ref).max())), "maxAbsLogit": float(np.abs(ref).max())}


def prepare(root):
    out = {}
    for name, (_, (h, w_, c)) in MODELS.items():
        m = build(root, name)
        out[name] = check(root, name, m)
        dummy = torch.zeros(2, c, h, w_)
        # Logits are the only graph output, as in a typical user export: the product's loadClassifierModel
        # finds the final Gemm and adds its input (the embedding) as an extra output itself.
        torch.onnx.export(
            LogitsOnly(m), dummy, os.path.join(root, name + ".onnx"), opset_version=13,
            input_names=["input"], output_names=["logits"],
            dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
        )
        out[name]["onnxBytes"] = os.path.getsize(os.path.join(root, name + ".onnx"))
    out["torch"] = torch.__version__
    print(json.dumps(out))


class LogitsOnly(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, x):
        return self.m(x)[1]


def time_models(root, threads, seconds, batches):
    torch.set_num_threads(threads)
    out = {"threads": torch.get_num_threads(), "torch": torch.__version__, "models": {}}
    for name, (_, (h, w_, c)) in MODELS.items():
        m = build(root, name)
        chk = check(root, name, m)
        b = batches[name]
        x = torch.rand(b, c, h, w_)
        with torch.inference_mode():
            m(x)  # warm-up (oneDNN primitive creation)
            n, t0 = 0, time.perf_counter()
            while True:
                emb, logits = m(x)
                n += 1
                el = time.perf_counter() - t0
                if n >= 2 and el >= seconds:
                    break
        out["models"][name] = {"batch": b, "batches": n, "seconds": el, "imgPerS": n * b / el, **chk}
    out["peakRssMb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


def main():
    mode, root = sys.argv[1], sys.argv[2]
    if mode == "prepare":
        torch.set_num_threads(1)
        prepare(root)
    elif mode == "time":
        threads, seconds = int(sys.argv[3]), float(sys.argv[4])
        time_models(root, threads, seconds, {"resnet32": int(sys.argv[5]), "smallcnn": int(sys.argv[6])})
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
