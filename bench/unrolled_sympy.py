"""The unrolled baseline of bench/unrolled.ts in SymPy (issue 6).

Batch norm over x1..xn written out element by element,
    mu = (x1 + ... + xn)/n,  var = ((x1 - mu)^2 + ... + (xn - mu)^2)/n,
    y_i = gamma*(x_i - mu)/sqrt(var + eps) + beta,  L = g1*y1 + ... + gn*yn,
then dL/dx1 by sympy.diff and sympy.simplify of that: the usual way to ask SymPy
for one simplified unrolled derivative.

Usage: python3 bench/unrolled_sympy.py N
Prints "READY" once SymPy is imported (the caller starts its time limit then),
then one JSON line: {"sympy", "buildMs", "diffMs", "simplifyMs", "text"}, where
text is str() of the simplified derivative (Python syntax: ** for powers).
"""

import json
import sys
import time


def main() -> None:
    n = int(sys.argv[1])
    import sympy

    print("READY", flush=True)
    t0 = time.perf_counter()
    xs = sympy.symbols(f"x1:{n + 1}")
    gs = sympy.symbols(f"g1:{n + 1}")
    gamma, beta, eps = sympy.symbols("gamma beta eps")
    mu = sum(xs) / n
    var = sum((x - mu) ** 2 for x in xs) / n
    loss = sum(g * (gamma * (x - mu) / sympy.sqrt(var + eps) + beta) for x, g in zip(xs, gs))
    t1 = time.perf_counter()
    derivative = sympy.diff(loss, xs[0])
    t2 = time.perf_counter()
    simplified = sympy.simplify(derivative)
    t3 = time.perf_counter()
    print(
        json.dumps(
            {
                "sympy": sympy.__version__,
                "buildMs": (t1 - t0) * 1e3,
                "diffMs": (t2 - t1) * 1e3,
                "simplifyMs": (t3 - t2) * 1e3,
                "text": str(simplified),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
