"""The arithmetic model of scripts/bench/main.go, vectorised by hand in numpy.

Usage: arith_numpy.py N ITERATIONS SEED
Does what `simgraph simulate model.xlsx --input S!A1..A4 --output S!BN` does:
draws the four inputs (uniform, +-10% around 1, 2, 3, 4), evaluates the N
formulas over all iterations (in blocks of 65,536 so that the arrays stay in
cache), then summarises the output: mean, standard deviation, percentiles,
a Freedman-Diaconis histogram and the Spearman rank correlation with each
input. Prints the output at the base inputs (1, 2, 3, 4) too, to check the
formulas against simgraph's.
"""
import sys
import time

import numpy as np


def model(n, a1, a2, a3, a4):
    """S!Bn as a function of the inputs (arrays or scalars)."""
    b = {}
    b[1] = a1 * 1.01 + a2
    b[2] = a2 * 1.01 + a3
    b[3] = a3 * 1.01 + a4
    b[4] = a4 * 1.01 + a1
    for i in range(5, n + 1):
        if i % 4 == 0:
            b[i] = b[i - 1] * 0.5 + b[i - 2] * 0.3
        elif i % 4 == 1:
            b[i] = b[i - 1] - b[i - 3] * 0.2 + a1
        elif i % 4 == 2:
            b[i] = b[i - 1] / 2 + a2 * 0.1
        else:
            b[i] = b[i - 1] * b[i - 1] / (1 + b[i - 1] * b[i - 1]) + a3 - b[i - 2] * 0.1
        del b[i - 4]  # only the last three rows are read again
    return b[n]


def ranks(x):
    r = np.empty(len(x))
    r[np.argsort(x, kind="stable")] = np.arange(1, len(x) + 1)
    return r


def main():
    n, iterations, seed = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    inputs = [rng.uniform(0.9 * k, 1.1 * k, iterations) for k in (1, 2, 3, 4)]
    y = np.empty(iterations)
    block = 65536
    for lo in range(0, iterations, block):
        hi = min(lo + block, iterations)
        y[lo:hi] = model(n, *(x[lo:hi] for x in inputs))
    mean, sd = y.mean(), y.std(ddof=1)
    pct = np.percentile(y, [1, 5, 10, 25, 50, 75, 90, 95, 99])
    hist, _ = np.histogram(y, bins="fd")
    ry = ranks(y)
    rho = [np.corrcoef(ranks(x), ry)[0, 1] for x in inputs]
    elapsed = time.perf_counter() - start
    print(f"base_B{n}={model(n, 1.0, 2.0, 3.0, 4.0):.12g} mean={mean:.6g} sd={sd:.4g} p50={pct[4]:.6g} "
          f"bins={len(hist)} rho={','.join(f'{r:.3f}' for r in rho)} seconds={elapsed:.3f}")


if __name__ == "__main__":
    main()
