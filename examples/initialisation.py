"""Why initialisation matters: zeros, too large, Xavier/He; and vanishing gradients in deep sigmoid nets.

1. Zeros: every hidden unit computes the same thing and receives the same gradient, so after
   training the units are still identical (the symmetry is never broken).
2. Too large (N(0, 4²) weights into tanh units): the units saturate at ±1, where tanh′ ≈ 0.
3. Xavier (tanh) and He (ReLU): the variance of activations stays put and the network trains.
4. A 10-layer sigmoid network: the gradient norm shrinks layer by layer towards the input,
   since σ′ ≤ 1/4 multiplies in at every layer; ReLU with He initialisation does not shrink.

The experiment is `tinygrad_edu.experiments.initialisation_study`, which chapter 6 runs too.

    python examples/initialisation.py [--quick]
"""

from __future__ import annotations

import argparse
import os

from tinygrad_edu.experiments import initialisation_study


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", default=os.environ.get("CI") == "true")
    args = parser.parse_args(argv)
    return initialisation_study(quick=args.quick)


if __name__ == "__main__":
    main()
