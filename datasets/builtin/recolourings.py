"""The output mappings of the `toyN` family: ways to recolour one input image.

Each mapping takes a float input image in [0, 1] ([64, 64, 3]) and returns its
target in [0, 1]. Every mapping reads the input through `stretched_channels`, each
channel stretched per image as the generator's instance normalisation sees it, so
what a task asks is a function of the image itself, not of its absolute brightness,
and a small CNN learns it in a short schedule. All are per-pixel maps that keep
most of the input's contrast (channel permutations, inversions, brightness palettes),
so a task's target varies well beyond its mean colour. Spatial ones were tried and
dropped: at 150 steps a photo task (in a sequence of photo tasks or alone) reached
0.66x its mean-colour L1 with a 5x5 blur, 0.87x with white outlines from a 3x3
gradient, 0.81x with fixed stripes and 0.70x folded at mid-grey (solarised), against
0.48-0.58x for the per-pixel maps.
"""

from __future__ import annotations

import numpy as np

from datasets.builtin.drawing import ramp, stretched_luminance


def stretched_channels(image: np.ndarray) -> np.ndarray:
    """Each channel stretched per image: its mean to 0.5, +-2 standard deviations to 0..1."""
    mean = image.mean(axis=(0, 1))
    return np.clip(0.5 + (image - mean) / (4.0 * image.std(axis=(0, 1)) + 1e-3), 0.0, 1.0)


def _permute(order: str):
    channels = ["rgb".index(letter) for letter in order]
    return lambda image: stretched_channels(image)[..., channels]


def _invert(channels: str):
    flip = np.array([letter in channels for letter in "rgb"])
    return lambda image: np.where(flip, 1.0 - stretched_channels(image), stretched_channels(image))


def _invert_permuted(order: str):
    permute = _permute(order)
    return lambda image: 1.0 - permute(image)


def _palette(*colours):
    stops = np.array(colours, dtype=np.float32)
    return lambda image: ramp(stops, stretched_luminance(image))


# name -> mapping, in the order the family walks them.
MAPPINGS = {
    "gbr": _permute("gbr"),
    "brg": _permute("brg"),
    "rbg": _permute("rbg"),
    "bgr": _permute("bgr"),
    "grb": _permute("grb"),
    "invert": _invert("rgb"),
    "invert_r": _invert("r"),
    "invert_g": _invert("g"),
    "invert_b": _invert("b"),
    "invert_rg": _invert("rg"),
    "invert_rb": _invert("rb"),
    "invert_gb": _invert("gb"),
    "invert_gbr": _invert_permuted("gbr"),
    "invert_brg": _invert_permuted("brg"),
    "invert_rbg": _invert_permuted("rbg"),
    "invert_bgr": _invert_permuted("bgr"),
    "invert_grb": _invert_permuted("grb"),
    "fire": _palette((0.05, 0.0, 0.0), (0.7, 0.1, 0.0), (1.0, 0.6, 0.0), (1.0, 1.0, 0.7)),
    "ice": _palette((0.0, 0.05, 0.2), (0.1, 0.4, 0.8), (0.6, 0.9, 1.0), (0.95, 1.0, 1.0)),
    "forest": _palette((0.02, 0.1, 0.02), (0.15, 0.45, 0.1), (0.6, 0.8, 0.3), (0.95, 0.95, 0.7)),
    "sepia": _palette((0.15, 0.08, 0.03), (0.5, 0.35, 0.2), (0.85, 0.72, 0.5), (1.0, 0.96, 0.86)),
    "grey": _palette((0.0, 0.0, 0.0), (1.0, 1.0, 1.0)),
    "magenta": _palette((0.1, 0.0, 0.15), (0.6, 0.05, 0.5), (1.0, 0.5, 0.9), (1.0, 0.9, 1.0)),
    "sunset": _palette((0.1, 0.05, 0.3), (0.8, 0.2, 0.4), (1.0, 0.6, 0.3), (1.0, 0.95, 0.6)),
    "ocean": _palette((0.0, 0.1, 0.15), (0.0, 0.45, 0.5), (0.3, 0.8, 0.7), (0.85, 1.0, 0.95)),
}
