#!/usr/bin/python3
"""IR-Net (Qin et al., CVPR 2020) ResNet-20 (1w1a) on Fashion-MNIST, with ONNX export.

Faithful re-implementation of the reference code (github.com/htqin/IR-Net,
CIFAR-10/ResNet20/1w1a/{modules/ir_1w1a.py,resnet.py,trainer.py}), adapted to
1x28x28 inputs:

  * IRConv2d: Libra-PB weight balancing/standardisation (per output channel:
    subtract mean, divide by unbiased std), power-of-two scale
    sw = 2**round(log2(mean|bw|)) (detached), sign() on weights and activations.
  * BinaryQuantize: forward sign(x), backward EDE
    grad_in = grad_out * k * t * (1 - tanh(t*x)^2),
    t = T_min * 10**(epoch/E * log10(T_max/T_min)), k = max(1/t, 1),
    updated at the start of every epoch.  T_min = 0.1, T_max = 10 (as in the
    paper, Sec. 3.2, and in the reference VGG-Small / ImageNet trainers; the
    reference CIFAR ResNet-20 trainer.py uses T_min = 1e-3 instead).
  * ResNet-20 with IR-Net's BasicBlock (real-valued shortcut around every
    binary conv, Hardtanh activations), option-A (zero-pad) downsampling
    shortcut, full-precision stem conv and BN1d + Linear head.

Input: uint8 pixels / 255.0, float32, NCHW [N,1,28,28]; no normalisation.

Usage (from the repository root):
  /usr/bin/python3 examples/irnet-fashion-mnist/train.py            # full run
  /usr/bin/python3 examples/irnet-fashion-mnist/train.py --smoke 512 --epochs 1 \
      --out-dir /tmp/irnet-smoke                                     # smoke test
"""
import argparse
import collections
import copy
import gzip
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.nn.init as init

HERE = os.path.dirname(os.path.abspath(__file__))
DATA_DIR = "/usr/share/datasets/fashion-mnist"
T_MIN, T_MAX = 1e-1, 1e1


# --------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------
def load_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic = int.from_bytes(raw[0:4], "big")
    ndim = magic & 0xFF
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_split(split):
    x = load_idx(os.path.join(DATA_DIR, f"{split}-images-idx3-ubyte.gz"))
    y = load_idx(os.path.join(DATA_DIR, f"{split}-labels-idx1-ubyte.gz"))
    # preprocessing: pixels / 255 as float32, NCHW
    x = torch.from_numpy(x.astype(np.float32) / np.float32(255.0)).unsqueeze(1)
    y = torch.from_numpy(y.astype(np.int64))
    return x, y


def augment(x, gen, pad=2):
    """Random crop (zero padding `pad`) + random horizontal flip, per sample."""
    n, _, h, w = x.shape
    xp = F.pad(x, (pad, pad, pad, pad))
    offs = torch.randint(0, 2 * pad + 1, (n, 2), generator=gen)
    out = torch.empty_like(x)
    for i in range(n):
        dy, dx = int(offs[i, 0]), int(offs[i, 1])
        out[i] = xp[i, :, dy:dy + h, dx:dx + w]
    flip = torch.rand(n, generator=gen) < 0.5
    out[flip] = out[flip].flip(3)
    return out


# --------------------------------------------------------------------------
# IR-Net modules
# --------------------------------------------------------------------------
class BinaryQuantize(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input, k, t):
        ctx.save_for_backward(input, k, t)
        return torch.sign(input)

    @staticmethod
    def backward(ctx, grad_output):
        input, k, t = ctx.saved_tensors
        grad_input = k * t * (1 - torch.pow(torch.tanh(input * t), 2)) * grad_output
        return grad_input, None, None


class IRConv2d(nn.Conv2d):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # plain attributes (not buffers) as in the reference: not in state_dict
        self.k = torch.tensor([10.0])
        self.t = torch.tensor([0.1])
        self.export = False  # True: plain torch.sign instead of BinaryQuantize

    def binary_weight_parts(self):
        """Returns (sign-input bw, sw) exactly as used by forward()."""
        w = self.weight
        dims = (1, 2, 3)
        bw = w - w.mean(dim=dims, keepdim=True)
        bw = bw / bw.std(dim=dims, keepdim=True)  # unbiased (n-1), torch default
        sw = torch.pow(2.0, torch.round(torch.log(bw.abs().mean(dim=dims, keepdim=True))
                                        / math.log(2))).detach()
        return bw, sw

    def forward(self, input):
        bw, sw = self.binary_weight_parts()
        if self.export:
            bw = torch.sign(bw)
            ba = torch.sign(input)
        else:
            bw = BinaryQuantize.apply(bw, self.k, self.t)
            ba = BinaryQuantize.apply(input, self.k, self.t)
        bw = bw * sw
        return F.conv2d(ba, bw, self.bias, self.stride, self.padding,
                        self.dilation, self.groups)


class FoldedBinaryConv2d(nn.Module):
    """Export-only replacement: Sign on the input, Conv with weight sign(bw)*sw."""

    def __init__(self, irconv):
        super().__init__()
        with torch.no_grad():
            bw, sw = irconv.binary_weight_parts()
            wq = (torch.sign(bw) * sw).float()
        self.conv = nn.Conv2d(irconv.in_channels, irconv.out_channels,
                              irconv.kernel_size, irconv.stride, irconv.padding,
                              irconv.dilation, irconv.groups, bias=False)
        self.conv.weight.data.copy_(wq)

    def forward(self, input):
        return self.conv(torch.sign(input))


class LambdaLayer(nn.Module):
    def __init__(self, lambd):
        super().__init__()
        self.lambd = lambd

    def forward(self, x):
        return self.lambd(x)


class BasicBlock_1w1a(nn.Module):
    expansion = 1

    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = IRConv2d(in_planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = IRConv2d(planes, planes, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != planes:
            # option A
            self.shortcut = LambdaLayer(lambda x: F.pad(
                x[:, :, ::2, ::2], (0, 0, 0, 0, planes // 4, planes // 4), "constant", 0))

    def forward(self, x):
        out = self.bn1(self.conv1(x))
        out = out + self.shortcut(x)
        out = F.hardtanh(out)
        x1 = out
        out = self.bn2(self.conv2(out))
        out = out + x1
        out = F.hardtanh(out)
        return out


class ResNet(nn.Module):
    def __init__(self, block, num_blocks, num_classes=10, in_ch=1):
        super().__init__()
        self.in_planes = 16
        self.conv1 = nn.Conv2d(in_ch, 16, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.layer1 = self._make_layer(block, 16, num_blocks[0], stride=1)
        self.layer2 = self._make_layer(block, 32, num_blocks[1], stride=2)
        self.layer3 = self._make_layer(block, 64, num_blocks[2], stride=2)
        self.bn2 = nn.BatchNorm1d(64)
        self.linear = nn.Linear(64, num_classes)
        for m in self.modules():  # reference _weights_init
            if isinstance(m, (nn.Linear, nn.Conv2d)):
                init.kaiming_normal_(m.weight)

    def _make_layer(self, block, planes, num_blocks, stride):
        layers = []
        for s in [stride] + [1] * (num_blocks - 1):
            layers.append(block(self.in_planes, planes, s))
            self.in_planes = planes * block.expansion
        return nn.Sequential(*layers)

    def forward(self, x):
        out = F.hardtanh(self.bn1(self.conv1(x)))
        out = self.layer1(out)
        out = self.layer2(out)
        out = self.layer3(out)
        # int(): under ONNX tracing out.size()[3] is a traced tensor, which
        # avg_pool2d rejects; the kernel size is static (7) anyway.
        out = F.avg_pool2d(out, int(out.size()[3]))
        out = out.view(out.size(0), -1)
        out = self.bn2(out)
        out = self.linear(out)
        return out


def resnet20_1w1a():
    return ResNet(BasicBlock_1w1a, [3, 3, 3])


def ir_convs(model):
    return [m for m in model.modules() if isinstance(m, IRConv2d)]


def set_export(model, flag):
    for m in ir_convs(model):
        m.export = flag


def fold_model(model):
    folded = copy.deepcopy(model)
    for name, m in list(folded.named_modules()):
        for cname, child in list(m.named_children()):
            if isinstance(child, IRConv2d):
                setattr(m, cname, FoldedBinaryConv2d(child))
    return folded.eval()


def log_up(epoch, epochs):
    kmin, kmax = math.log10(T_MIN), math.log10(T_MAX)
    return math.pow(10, kmin + (kmax - kmin) / epochs * epoch)


# --------------------------------------------------------------------------
# train / eval
# --------------------------------------------------------------------------
@torch.no_grad()
def predict(model, x, bs=500):
    model.eval()
    outs = [model(x[i:i + bs]) for i in range(0, len(x), bs)]
    return torch.cat(outs)


def onnx_op_histogram(path):
    import onnx
    m = onnx.load(path)
    onnx.checker.check_model(m)
    hist = collections.Counter(n.op_type for n in m.graph.node)
    return m, dict(sorted(hist.items()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--smoke", type=int, default=0,
                    help="train on only the first N training images (smoke test)")
    ap.add_argument("--out-dir", default=HERE)
    args = ap.parse_args()

    os.makedirs(args.out_dir, exist_ok=True)
    logf = open(os.path.join(args.out_dir, "train.log"), "a")

    def log(*a):
        s = " ".join(str(v) for v in a)
        print(s, flush=True)
        logf.write(s + "\n")
        logf.flush()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)

    xtr, ytr = load_split("train")
    xte, yte = load_split("t10k")
    if args.smoke:
        xtr, ytr = xtr[:args.smoke], ytr[:args.smoke]
    log(f"=== {time.strftime('%Y-%m-%d %H:%M:%S')} args: {vars(args)}")
    log(f"torch {torch.__version__}, train {tuple(xtr.shape)}, test {tuple(xte.shape)}, "
        f"T_min={T_MIN} T_max={T_MAX}")

    model = resnet20_1w1a()
    nparams = sum(p.numel() for p in model.parameters())
    log(f"params: {nparams}")
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=0.0)
    steps_per_epoch = math.ceil(len(xtr) / args.batch_size)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs * steps_per_epoch)
    crit = nn.CrossEntropyLoss()

    t_start = time.time()
    for epoch in range(args.epochs):
        t = log_up(epoch, args.epochs)
        k = max(1.0 / t, 1.0)
        for m in ir_convs(model):
            m.t = torch.tensor([t]).float()
            m.k = torch.tensor([k]).float()
        model.train()
        perm = torch.randperm(len(xtr), generator=gen)
        tot_loss, tot_correct, seen = 0.0, 0, 0
        te0 = time.time()
        for bi in range(steps_per_epoch):
            idx = perm[bi * args.batch_size:(bi + 1) * args.batch_size]
            xb = augment(xtr[idx], gen)
            yb = ytr[idx]
            out = model(xb)
            loss = crit(out, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            tot_loss += loss.item() * len(idx)
            tot_correct += (out.argmax(1) == yb).sum().item()
            seen += len(idx)
            if bi % 100 == 0:
                log(f"  ep {epoch + 1} batch {bi}/{steps_per_epoch} loss {loss.item():.4f} "
                    f"({time.time() - te0:.0f}s)")
        train_time = time.time() - te0
        acc = (predict(model, xte).argmax(1) == yte).float().mean().item()
        log(f"epoch {epoch + 1}/{args.epochs} t={t:.4f} k={k:.4f} lr_end={sched.get_last_lr()[0]:.2e} "
            f"train_loss {tot_loss / seen:.4f} train_acc {100 * tot_correct / seen:.2f}% "
            f"test_acc {100 * acc:.2f}% epoch_time {train_time:.0f}s total {time.time() - t_start:.0f}s")
    total_time = time.time() - t_start
    log(f"training wall time: {total_time:.0f}s ({total_time / 60:.1f} min)")

    # ---------------- evaluation in export form ----------------
    model.eval()
    set_export(model, True)
    logits = predict(model, xte)
    preds = logits.argmax(1)
    acc_full = (preds == yte).float().mean().item()
    acc_1k = (preds[:1000] == yte[:1000]).float().mean().item()
    log(f"export-form PyTorch test accuracy: full 10k {100 * acc_full:.2f}%  "
        f"first 1k {100 * acc_1k:.2f}%")
    np.save(os.path.join(args.out_dir, "pytorch-predictions.npy"), preds.numpy().astype(np.int64))
    np.save(os.path.join(args.out_dir, "pytorch-logits-first100.npy"),
            logits[:100].numpy().astype(np.float32))

    folded = fold_model(model)
    flogits = predict(folded, xte)
    fpreds = flogits.argmax(1)
    log(f"folded PyTorch model: agreement with raw {(fpreds == preds).float().mean().item() * 100:.2f}%, "
        f"max |logit diff| {(flogits - logits).abs().max().item():.3e}")

    # number of exact zeros hitting sign() (sign(0)=0) on the first 1000 images
    zeros = [0]

    def hook(mod, inp):
        zeros[0] += int((inp[0] == 0).sum())
    hs = [m.register_forward_pre_hook(hook) for m in ir_convs(model)]
    predict(model, xte[:1000])
    for h in hs:
        h.remove()
    wz = sum(int((m.binary_weight_parts()[0] == 0).sum()) for m in ir_convs(model))
    log(f"exact zeros at binary-conv inputs (first 1k images): {zeros[0]}; in bw: {wz}")

    sd = model.state_dict()
    ck = os.path.join(args.out_dir, "checkpoint.pt")
    torch.save(sd, ck)
    if os.path.getsize(ck) > 2 * 1024 * 1024:
        os.remove(ck)
        log("checkpoint > 2 MB, not kept")
    else:
        log(f"checkpoint.pt: {os.path.getsize(ck)} bytes")

    # ---------------- ONNX exports ----------------
    dummy = xte[:1].clone()
    raw_path = os.path.join(args.out_dir, "model.onnx")
    fold_path = os.path.join(args.out_dir, "model-folded.onnx")
    # TrainingMode.PRESERVE on an eval() model exports inference-mode BN but skips
    # torch's eval-mode peephole pass, which would otherwise fuse Conv+BatchNorm
    # whenever the Conv weight is an initializer (stem conv; folded binary convs).
    with torch.no_grad():
        torch.onnx.export(model, dummy, raw_path, opset_version=13,
                          do_constant_folding=False, input_names=["input"],
                          output_names=["logits"],
                          training=torch.onnx.TrainingMode.PRESERVE)
        torch.onnx.export(folded, dummy, fold_path, opset_version=13,
                          do_constant_folding=True, input_names=["input"],
                          output_names=["logits"],
                          training=torch.onnx.TrainingMode.PRESERVE)
    import onnx
    for p in (raw_path, fold_path):
        # out.view(out.size(0), -1) exports as Shape->Gather->Unsqueeze->Concat->Reshape,
        # so the exporter declares the output as [Gemmlogits_dim_0, 10]; the graph
        # is static (batch 1), so declare the output shape as [1, 10].
        m = onnx.load(p)
        d0 = m.graph.output[0].type.tensor_type.shape.dim[0]
        log(f"{os.path.basename(p)}: exporter's output dim 0 = "
            f"{d0.dim_param if d0.HasField('dim_param') else d0.dim_value}; set to 1")
        d0.Clear()
        d0.dim_value = 1
        onnx.save(m, p)
    for p in (raw_path, fold_path):
        _, hist = onnx_op_histogram(p)
        log(f"{os.path.basename(p)}: {os.path.getsize(p)} bytes, {sum(hist.values())} nodes, "
            f"check_model OK")
        log("  op histogram: " + ", ".join(f"{k}:{v}" for k, v in hist.items()))
    log(f"=== done {time.strftime('%Y-%m-%d %H:%M:%S')}")


if __name__ == "__main__":
    main()
