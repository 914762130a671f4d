#!/usr/bin/env python3
"""Fits the polynomial of FastMath.expInRange (Sources/TesseraKernels/FastMath.swift):

    exp(r) ≈ 1 + r + r²·P(r)  on |r| ≤ ln2/2, after x = n·ln2 + r,

with P of degree 3 (or the degree given), by least squares reweighted (Lawson) towards the minimax
relative error. Prints the float32 coefficients of P and the worst relative error of the kernel's
float32 evaluation of exp(x) (Estrin's scheme, fused multiply-adds emulated in float64) over a
dense sweep of [-87.3, 88]. Degree 3 gives 2.1e-7 there; degree 4 gives 1.2e-7, as much as a
higher degree, because float32 rounding then dominates.
usage: python3 recipes/fit-exp.py [degree]   (needs numpy)
"""
import argparse

import numpy as np

parser = argparse.ArgumentParser(description="Fits the polynomial of FastMath.expInRange.")
parser.add_argument("degree", nargs="?", type=int, default=3, choices=range(1, 9), metavar="degree",
                    help="degree of P, 1–8 (default 3)")
DEGREE = parser.parse_args().degree
HALF_LN2 = np.log(2) / 2
r = np.linspace(-HALF_LN2, HALF_LN2, 20001)
r = r[r != 0]
target = (np.exp(r) - 1 - r) / r**2
columns = np.stack([r**k for k in range(DEGREE + 1)], 1)
weight = np.ones_like(r)
for _ in range(100):
    # The relative error of exp is r²·(P − target)/exp(r).
    scale = weight * r**2 / np.exp(r)
    c, *_ = np.linalg.lstsq(columns * scale[:, None], target * scale, rcond=None)
    error = np.abs(r**2 * (columns @ c - target) / np.exp(r))
    weight = weight * np.sqrt(error / error.max()) + 1e-12
    weight /= weight.max()
c32 = c.astype(np.float32)
f32 = np.float32


def fma(a, b, c):
    """One rounding to float32 of a·b + c (exact in float64 for float32 inputs)."""
    return (np.float64(a) * np.float64(b) + np.float64(c)).astype(f32)


def exp32(x):
    """The Swift kernel's evaluation order, in float32."""
    magic = f32(12582912.0 + 127)
    t = fma(x, f32(1.44269504088896341), magic)
    n = (t - magic).astype(f32)
    r = fma(n, f32(2.12194440e-4), fma(n, f32(-0.693359375), x))
    r2 = (r * r).astype(f32)
    # Pairs c_k + c_{k+1}·r, then Horner in r² over the pairs.
    pairs = [fma(r, c32[k + 1], c32[k]) if k + 1 < len(c32) else np.full_like(x, c32[k]) for k in range(0, len(c32), 2)]
    acc = pairs[-1]
    for pair in pairs[-2::-1]:
        acc = fma(r2, acc, pair)
    p = fma(r2, acc, (r + f32(1)).astype(f32))
    return (p * (t.view(np.int32) << 23).view(f32)).astype(f32)


x = np.linspace(-87.3, 88, 2_000_001).astype(f32)
worst = np.max(np.abs(exp32(x) / np.exp(x.astype(np.float64)) - 1))
print(f"degree {DEGREE}: fit error {error.max():.3g} (float64), kernel in float32 {worst:.3g}")
print("c2…: " + ", ".join(f"{v:.10e}" for v in c32))
