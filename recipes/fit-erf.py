#!/usr/bin/env python3
"""Fits the rational approximation of erf used by FastMath.gelu (Sources/TesseraKernels/FastMath.swift):

    erf(t) ≈ t · P(t²) / Q(t²)  on |t| ≤ 4 (erf(4) rounds to 1 in float32, so t is clamped there),

with P of degree 6 and Q of degree 5 (Q(0) = 1). The fit is a linearized least-squares problem,
reweighted (Lawson) towards the minimax error of GELU, x·Φ(x) = x·(1 + erf(x/√2))/2, whose error
grows with |x|. Prints the float32 coefficients and the error of a float32 evaluation.
usage: python3 recipes/fit-erf.py   (needs numpy)
"""
import math

import numpy as np

P_DEGREE, Q_DEGREE, LIMIT = 6, 5, 4.0
erf = np.vectorize(math.erf)

t = np.linspace(1e-4, LIMIT, 20000)
u, f = t * t, erf(t)
weight, q_previous = 1 + t, np.ones_like(t)
for _ in range(200):
    # Unknowns: p0…pP, then q1…qQ; residual t·P(u) − f·Q(u), divided by the previous Q.
    columns = [t * u**k for k in range(P_DEGREE + 1)] + [-f * u**k for k in range(1, Q_DEGREE + 1)]
    scale = weight / q_previous
    solution, *_ = np.linalg.lstsq(np.stack(columns, 1) * scale[:, None], f * scale, rcond=None)
    p, q = solution[: P_DEGREE + 1], np.concatenate([[1.0], solution[P_DEGREE + 1 :]])
    q_previous = np.polyval(q[::-1], u)
    error = np.abs(t * np.polyval(p[::-1], u) / q_previous - f)
    weight = weight * np.sqrt(error / error.max()) + 1e-12
    weight /= weight.max()

p32, q32 = p.astype(np.float32), q.astype(np.float32)


def erf32(x):
    """The Swift kernel's evaluation order, in float32."""
    x = np.clip(x.astype(np.float32), -LIMIT, LIMIT)
    u = x * x
    num, den = p32[-1], q32[-1]
    for c in p32[-2::-1]:
        num = num * u + c
    for c in q32[-2::-1]:
        den = den * u + c
    return x * num / den


x = np.linspace(-10, 10, 400001).astype(np.float32)
cdf = np.float32(0.5) * (np.float32(1) + erf32(x * np.float32(0.70710678118654752)))
exact = 0.5 * (1 + erf(x.astype(np.float64) / math.sqrt(2)))
print("P:", ", ".join(repr(float(c)) for c in p32))
print("Q:", ", ".join(repr(float(c)) for c in q32))
print(f"max |Φ error| {np.abs(cdf - exact).max():.3g}, max |GELU error| on [-10, 10] {np.abs(x * cdf - x * exact).max():.3g}")
