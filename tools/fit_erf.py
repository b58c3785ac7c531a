#!/usr/bin/env python3
"""Fits erf(z) ~ z * P(z^2) / Q(z^2) on [0, 4] (kernels/fast_activation.h's GELU).

Linearised least squares (z P - erf Q), reweighted by 1/Q^2 to approximate the true error and
Lawson-style by the error itself to approach the minimax fit; prints the best coefficients seen
and their largest error. Needs NumPy (Debian python3-numpy).
"""
from math import erf

import numpy as np

P_TERMS, Q_TERMS = 6, 6  # Q[0] = 1


def main():
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


if __name__ == "__main__":
    main()
