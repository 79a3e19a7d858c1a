#!/usr/bin/python3
"""The benchmark model: IR-Net ResNet-20 for CIFAR (1x3x32x32), random weights, exported to ONNX.

The network is the reference IR-Net ResNet-20 (github.com/htqin/IR-Net, CIFAR-10/ResNet20/1w1a), built by the
same module definitions as the trained example (examples/irnet-fashion-mnist/train.py) with three input
channels: full-precision stem conv 3x3x16 + BN + hardtanh, 3 stages of 3 basic blocks (16/32/64 channels,
IRConv2d binary 3x3 convs with Libra-PB weights and Sign activations, a real-valued shortcut around every
binary conv, option-A downsampling shortcuts), avg-pool, BatchNorm1d, Linear(64, 10).

Weights are random (kaiming normal, as the reference initialises them). BatchNorm affine parameters are drawn
around gamma = 1, beta = 0 (a few gammas negative), and the running statistics are then measured on random
inputs in [0, 1) (cumulative average over a few batches, train-mode BN), so every BN normalises what it really
receives and roughly half the activations that reach each Sign are negative.

Usage (from the repository root; needs /usr/bin/python3 with torch 1.13 and onnx):
    /usr/bin/python3 benchmarks/resnet20-cifar/make_model.py [--out benchmarks/resnet20-cifar/model.onnx]
"""
import argparse
import os
import sys

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "examples", "irnet-fashion-mnist"))
import train  # noqa: E402  (the reference module definitions; nothing runs on import)

SEED = 20
CALIBRATION_BATCHES = 8
BATCH = 64


def randomise_batchnorm(model, gen):
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            n = m.num_features
            gamma = 0.5 + torch.rand(n, generator=gen)
            flip = torch.rand(n, generator=gen) < 0.05
            m.weight.data.copy_(torch.where(flip, -gamma, gamma))
            m.bias.data.copy_(0.2 * (torch.rand(n, generator=gen) - 0.5))


@torch.no_grad()
def calibrate_batchnorm(model, gen):
    """Running mean/var = the average batch statistics on random inputs (momentum None: cumulative average)."""
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            m.reset_running_stats()
            m.momentum = None
    model.train()
    for _ in range(CALIBRATION_BATCHES):
        model(torch.rand(BATCH, 3, 32, 32, generator=gen))
    model.eval()


@torch.no_grad()
def negative_fractions(model, x):
    """Fraction of negative values reaching each binary conv's Sign."""
    fractions = []
    hooks = [m.register_forward_pre_hook(lambda mod, inp: fractions.append(float((inp[0] < 0).float().mean())))
             for m in train.ir_convs(model)]
    model(x)
    for h in hooks:
        h.remove()
    return fractions


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(HERE, "model.onnx"))
    args = ap.parse_args()
    torch.manual_seed(SEED)
    torch.set_num_threads(2)
    gen = torch.Generator().manual_seed(SEED)

    model = train.ResNet(train.BasicBlock_1w1a, [3, 3, 3], num_classes=10, in_ch=3)
    randomise_batchnorm(model, gen)
    calibrate_batchnorm(model, gen)
    train.set_export(model, True)  # plain torch.sign, as exported

    x = torch.rand(1, 3, 32, 32, generator=gen)
    fr = negative_fractions(model, torch.rand(16, 3, 32, 32, generator=gen))
    print("negative fraction at the 18 binary-conv inputs: " + " ".join(f"{f:.2f}" for f in fr))
    with torch.no_grad():
        torch.onnx.export(model, x, args.out, opset_version=13, do_constant_folding=False,
                          input_names=["input"], output_names=["logits"],
                          training=torch.onnx.TrainingMode.PRESERVE)
    import onnx
    m = onnx.load(args.out)
    # view(N, -1) makes the exporter declare the batch dimension symbolic; the graph is batch 1.
    d0 = m.graph.output[0].type.tensor_type.shape.dim[0]
    d0.Clear()
    d0.dim_value = 1
    onnx.checker.check_model(m)
    onnx.save(m, args.out)
    print(f"{args.out}: {os.path.getsize(args.out)} bytes, {len(m.graph.node)} nodes")


if __name__ == "__main__":
    main()
