#!/usr/bin/env python3
"""Fits the erf-based approximations of kernels/fast_activation.h's GELUs.

  exact:  erf(z) ~ z * P(z^2) / Q(z^2) on [0, 4] (fast_gelu_erf, the float epilogues).
  coarse: Phi(a) - 1/2 ~ a * P(a^2) for a = |x| clipped to 4 (coarse_gelu_erf, the INT8
          epilogues), exactly 1/2 from the clip on, with the GELU's error |x| |P - Phi| /
          max(1, |x|) as the measure.

Linearised least squares, reweighted Lawson-style by the error itself to approach the minimax fit
(and, for the rational, by 1/Q^2 to approximate the true error); prints the best coefficients seen
and their largest error. Needs NumPy (Debian python3-numpy).

  tools/fit_erf.py [exact|coarse]
"""
import sys
from math import erf, erfc, sqrt

import numpy as np

P_TERMS, Q_TERMS = 6, 6  # the rational's; Q[0] = 1
COARSE_TERMS, COARSE_CLIP = 8, 4.0
# Held a little above 1/2 at the clip, so that the kernel's min(…, 1/2) makes it 1/2 exactly there
# and beyond despite the coefficients' float rounding (~1e-6 at the clip).
AT_CLIP_EXCESS = 4e-6


def fit_exact():
    z = np.linspace(0.0, 4.0, 20001)
    t = z * z
    f = np.array([erf(v) for v in z])
    design = np.hstack([np.stack([z * t**i for i in range(P_TERMS)], 1),
                        np.stack([-f * t**j for j in range(1, Q_TERMS)], 1)])
    weight = np.ones_like(z)
    lawson = np.ones_like(z)
    best = None
    for _ in range(60):
        root = np.sqrt(weight * lawson)
        c, *_ = np.linalg.lstsq(design * root[:, None], f * root, rcond=None)
        p, q = c[:P_TERMS], np.concatenate([[1.0], c[P_TERMS:]])
        big_q = sum(q[j] * t**j for j in range(Q_TERMS))
        residual = z * sum(p[i] * t**i for i in range(P_TERMS)) / big_q - f
        err = np.abs(residual).max()
        if best is None or err < best[0]:
            best = (err, p, q)
        weight = 1.0 / big_q**2
        lawson *= np.abs(residual) / np.abs(residual).mean()
        lawson /= lawson.mean()
    err, p, q = best
    print(f"max |error| on [0, 4]: {err:.3e}")
    print("P (t^0 first):", ", ".join(f"{v:.10e}" for v in p))
    print("Q (t^0 first):", ", ".join(f"{v:.10e}" for v in q))


def fit_coarse():
    # Phi(a) - 1/2 = sum_i b_i u^(2i+1), u = a / clip, with sum_i b_i (its value at the clip) held
    # at 1/2 + AT_CLIP_EXCESS: the last b_i is eliminated, the rest fitted freely.
    x = np.linspace(0.0, COARSE_CLIP, 40001)
    u = x / COARSE_CLIP
    n = COARSE_TERMS - 1
    phi = np.array([0.5 * (1.0 + erf(v / sqrt(2.0))) for v in x]) - 0.5
    at_clip = 0.5 + AT_CLIP_EXCESS
    design = np.stack([u**(2 * i + 1) - u**(2 * n + 1) for i in range(n)], 1)
    target = phi - at_clip * u**(2 * n + 1)
    # The GELU's error per unit of Phi's: |x| / max(1, |x|).
    weight = np.maximum(np.minimum(x, 1.0), 1e-3)
    lawson = np.ones_like(x)
    best = None
    for _ in range(300):
        root = weight * np.sqrt(lawson)
        b, *_ = np.linalg.lstsq(design * root[:, None], target * root, rcond=None)
        residual = (design @ b - target) * weight
        err = np.abs(residual).max()
        if best is None or err < best[0]:
            best = (err, b)
        lawson *= np.abs(residual) / np.abs(residual).mean()
        lawson /= lawson.mean()
    _, b = best
    b = np.append(b, at_clip - b.sum())
    c = b / COARSE_CLIP**(2 * np.arange(COARSE_TERMS) + 1)
    # As the kernel evaluates it: held at 1/2 by its min, where the fit passes 1/2 near the clip
    # and past it, while Phi runs on to 1.
    fitted = np.minimum(x * sum(c[i] * x**(2 * i) for i in range(COARSE_TERMS)), 0.5)
    err = max(np.abs((fitted - phi) * weight).max(), 0.5 * erfc(COARSE_CLIP / sqrt(2.0)))
    print(f"max GELU error / max(1, |x|), clip at {COARSE_CLIP}: {err:.3e}")
    print("P (x^1 first):", ", ".join(f"{v:.10e}" for v in c))


if __name__ == "__main__":
    form = sys.argv[1] if len(sys.argv) > 1 else "exact"
    {"exact": fit_exact, "coarse": fit_coarse}[form]()
