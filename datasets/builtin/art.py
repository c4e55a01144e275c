"""Unpaired tasks (CycleGAN layout): synthetic photos <-> art, A and B from different seeds.

Both share the photo domain B and differ in the art domain A, rendered from photos of
their own seeds, so nothing is paired.
"""

from __future__ import annotations

import numpy as np

from datasets.builtin.drawing import NATIVE_SIZE, boundary, to_float, to_uint8
from datasets.builtin.toy_task import ToyTask

_PAPER = np.array([0.95, 0.90, 0.80], dtype=np.float32)


def render_monet(photo: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Soft pastel impressionist painting: washed-out colour and random brush dabs."""
    image = to_float(photo)
    pastel = 0.6 * image + 0.4 * _PAPER
    # Lift greens and violets, the palette of Monet's gardens and water.
    pastel = pastel * np.array([0.95, 1.05, 1.08], dtype=np.float32)
    # Dabs: coarse random noise (mostly brightness, a little colour) smeared along a
    # diagonal into short strokes, so it reads as brushwork rather than grain.
    brightness = rng.normal(0.0, 0.05, size=(16, 16, 1))
    tint = rng.normal(0.0, 0.02, size=(16, 16, 3))
    noise = np.kron(brightness + tint, np.ones((4, 4, 1)))
    strokes = sum(np.roll(noise, (k, 2 * k), axis=(0, 1)) for k in range(4)) / 4.0
    return to_uint8(pastel + strokes.astype(np.float32))


_UKIYOE_PALETTE = np.array(
    [
        [0.13, 0.19, 0.38],  # indigo
        [0.22, 0.42, 0.58],  # prussian blue
        [0.80, 0.28, 0.18],  # vermilion
        [0.82, 0.63, 0.32],  # ochre
        [0.47, 0.56, 0.40],  # sage
        [0.94, 0.88, 0.74],  # paper
        [0.10, 0.08, 0.08],  # ink
    ],
    dtype=np.float32,
)


def render_ukiyoe(photo: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Woodblock print: nearest colour of a small palette, ink outlines, paper fibres."""
    image = to_float(photo)
    # Squared distance to each palette colour up to a per-pixel constant, as a matmul.
    index = ((_UKIYOE_PALETTE**2).sum(-1) - 2.0 * image @ _UKIYOE_PALETTE.T).argmin(-1)
    print_image = _UKIYOE_PALETTE[index]
    print_image = np.where(boundary(index)[..., None], _UKIYOE_PALETTE[-1], print_image)
    fibres = rng.normal(0.0, 0.015, size=(NATIVE_SIZE, 1, 1)).astype(np.float32)
    return to_uint8(print_image + fibres)


TASKS = (
    ToyTask(
        "toy_photo2monet", 1201, "unpaired: synthetic photo <-> soft pastel impressionist painting", "photo",
        art=render_monet,
    ),
    ToyTask(
        "toy_photo2ukiyoe", 1202, "unpaired: synthetic photo <-> flat woodblock print with ink outlines", "photo",
        art=render_ukiyoe,
    ),
)
