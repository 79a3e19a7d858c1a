#!/usr/bin/python3
"""Run model.onnx / model-folded.onnx with a tiny pure-numpy ONNX interpreter
(no onnxruntime on this machine) and compare with the PyTorch reference outputs
saved by train.py (pytorch-logits-first100.npy, pytorch-predictions.npy).

  /usr/bin/python3 examples/irnet-fashion-mnist/check_onnx.py [--n 1000]

Only the ops that these two exports contain are implemented.
"""
import argparse
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def conv2d(x, w, b, strides, pads, dilations, group):
    assert group == 1 and tuple(dilations) == (1, 1)
    n, c, h, wd = x.shape
    co, ci, kh, kw = w.shape
    pt, pl, pb, pr = pads
    xp = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    sh, sw = strides
    oh = (h + pt + pb - kh) // sh + 1
    ow = (wd + pl + pr - kw) // sw + 1
    cols = np.empty((n, ci, kh, kw, oh, ow), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, i, j] = xp[:, :, i:i + sh * oh:sh, j:j + sw * ow:sw]
    out = np.einsum("nckloq,dckl->ndoq", cols, w, optimize=True).astype(np.float32)
    if b is not None:
        out = out + b.reshape(1, -1, 1, 1)
    return out


def run(model, x):
    env = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    env[model.graph.input[0].name] = x
    for node in model.graph.node:
        a = attrs(node)
        ins = [env[i] if i else None for i in node.input]
        op = node.op_type
        if op == "Constant":
            out = numpy_helper.to_array(a["value"])
        elif op == "ReduceMean":
            out = np.mean(ins[0], axis=tuple(a["axes"]), keepdims=bool(a.get("keepdims", 1)))
        elif op == "ReduceProd":
            axes = tuple(a["axes"]) if "axes" in a else None
            out = np.prod(ins[0], axis=axes, keepdims=bool(a.get("keepdims", 1)))
        elif op in ("Add", "Sub", "Mul", "Div", "Pow"):
            f = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply,
                 "Div": np.divide, "Pow": np.power}[op]
            out = f(ins[0], ins[1])
            if ins[0].dtype == np.float32:
                out = out.astype(np.float32)
        elif op in ("Sqrt", "Abs", "Log", "Sign"):
            out = {"Sqrt": np.sqrt, "Abs": np.abs, "Log": np.log, "Sign": np.sign}[op](ins[0])
        elif op == "Round":
            out = np.round(ins[0])  # half to even, like ONNX and torch.round
        elif op == "Shape":
            out = np.array(ins[0].shape, dtype=np.int64)
        elif op == "Gather":
            out = np.take(ins[0], ins[1], axis=a.get("axis", 0))
        elif op == "Cast":
            out = ins[0].astype({1: np.float32, 7: np.int64}[a["to"]])
        elif op == "Unsqueeze":
            out = np.expand_dims(ins[0], tuple(int(v) for v in ins[1]))
        elif op == "Concat":
            out = np.concatenate(ins, axis=a["axis"])
        elif op == "Reshape":
            out = ins[0].reshape([int(v) for v in ins[1]])
        elif op == "Transpose":
            out = np.transpose(ins[0], a["perm"])
        elif op == "ConstantOfShape":
            val = numpy_helper.to_array(a["value"]) if "value" in a else np.zeros(1, np.float32)
            out = np.full([int(v) for v in ins[0]], val[0], dtype=val.dtype)
        elif op == "Slice":
            data, starts, ends = ins[0], ins[1], ins[2]
            axes = ins[3] if len(ins) > 3 and ins[3] is not None else range(len(starts))
            steps = ins[4] if len(ins) > 4 and ins[4] is not None else [1] * len(starts)
            sl = [slice(None)] * data.ndim
            for s, e, ax, st in zip(starts, ends, axes, steps):
                sl[int(ax)] = slice(int(s), int(e), int(st))
            out = data[tuple(sl)]
        elif op == "Pad":
            assert a.get("mode", b"constant") in (b"constant", "constant")
            p = [int(v) for v in ins[1]]
            r = len(p) // 2
            cval = float(ins[2]) if len(ins) > 2 and ins[2] is not None else 0.0
            out = np.pad(ins[0], [(p[i], p[i + r]) for i in range(r)], constant_values=cval)
        elif op == "Clip":
            out = np.clip(ins[0], ins[1], ins[2])
        elif op == "BatchNormalization":
            xx, sc, bi, mu, var = ins
            shp = (1, -1) + (1,) * (xx.ndim - 2)
            eps = a.get("epsilon", 1e-5)
            out = ((xx - mu.reshape(shp)) / np.sqrt(var.reshape(shp) + np.float32(eps))
                   * sc.reshape(shp) + bi.reshape(shp)).astype(np.float32)
        elif op == "Conv":
            w = ins[1]
            out = conv2d(ins[0], w, ins[2] if len(ins) > 2 else None, a.get("strides", [1, 1]),
                         a.get("pads", [0, 0, 0, 0]), a.get("dilations", [1, 1]), a.get("group", 1))
        elif op == "AveragePool":
            kh, kw = a["kernel_shape"]
            sh, sw = a.get("strides", [1, 1])
            assert list(a.get("pads", [0, 0, 0, 0])) == [0, 0, 0, 0]
            xx = ins[0]
            n, c, h, w = xx.shape
            oh, ow = (h - kh) // sh + 1, (w - kw) // sw + 1
            out = np.empty((n, c, oh, ow), np.float32)
            for i in range(oh):
                for j in range(ow):
                    out[:, :, i, j] = xx[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw].mean(axis=(2, 3))
        elif op == "Gemm":
            A, B, C = ins[0], ins[1], ins[2] if len(ins) > 2 else None
            if a.get("transA", 0):
                A = A.T
            if a.get("transB", 0):
                B = B.T
            out = a.get("alpha", 1.0) * (A @ B)
            if C is not None:
                out = out + a.get("beta", 1.0) * C
            out = out.astype(np.float32)
        else:
            raise NotImplementedError(op)
        assert len(node.output) == 1, op
        env[node.output[0]] = np.asarray(out)
    return env[model.graph.output[0].name]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000, help="number of test images to run")
    ap.add_argument("--dir", default=HERE)
    args = ap.parse_args()
    from train import load_split
    xte, yte = load_split("t10k")
    xte, yte = xte.numpy(), yte.numpy()
    ref_logits = np.load(os.path.join(args.dir, "pytorch-logits-first100.npy"))
    ref_pred = np.load(os.path.join(args.dir, "pytorch-predictions.npy"))
    for name in ("model.onnx", "model-folded.onnx"):
        m = onnx.load(os.path.join(args.dir, name))
        preds, maxdiff = [], 0.0
        for i in range(args.n):
            lg = run(m, xte[i:i + 1])
            assert lg.shape == (1, 10), lg.shape
            if i < len(ref_logits):
                maxdiff = max(maxdiff, float(np.abs(lg[0] - ref_logits[i]).max()))
            preds.append(int(lg.argmax()))
        preds = np.array(preds)
        print(f"{name}: first {args.n} images: accuracy {100 * (preds == yte[:args.n]).mean():.2f}%, "
              f"agreement with PyTorch {100 * (preds == ref_pred[:args.n]).mean():.2f}%, "
              f"max |logit diff| (first {min(args.n, len(ref_logits))}) {maxdiff:.3e}")


if __name__ == "__main__":
    main()
