"""Synthetic photos rendered in four styles: warm, cool, pencil sketch, night vision.

All four share one input domain (`make_photo`) and map it to far-apart outputs, like
photo->Monet and photo->Ukiyo-e in the paper: fine-tuning on one overwrites another.
Each target is a smooth per-pixel colour map of relative brightness plus a fixed
texture or a 3x3 outline test: local and continuous, so a small CNN learns it fast.
"""

from __future__ import annotations

import numpy as np

from datasets.builtin import textures
from datasets.builtin.domains import make_photo
from datasets.builtin.drawing import luminance_gradient, ramp, stretched_luminance, to_float, to_uint8
from datasets.builtin.toy_task import ToyTask

# Warm palette from dark to light: the stops of the brightness ramp.
_WARM_PALETTE = np.array(
    [
        [0.32, 0.09, 0.06],  # maroon
        [0.62, 0.18, 0.08],  # brick red
        [0.85, 0.40, 0.11],  # orange
        [0.95, 0.67, 0.22],  # amber
        [0.99, 0.90, 0.62],  # cream
    ],
    dtype=np.float32,
)


def render_warm(photo: np.ndarray) -> np.ndarray:
    """Warm painting of a uint8 photo: a per-pixel colour map plus diagonal brush strokes.

    Luminance, stretched per image, picks a colour on a continuous warm ramp
    (maroon..cream); a smooth map rather than posterised levels, so a small CNN
    learns it in a few hundred steps.
    """
    image = to_float(photo)
    painted = ramp(_WARM_PALETTE, stretched_luminance(image))
    # Keep a little of the photo's own colour, pushed warm, so objects stay distinct.
    warmed = image * np.array([1.0, 0.75, 0.35], dtype=np.float32)
    painted = 0.8 * painted + 0.2 * warmed
    painted = painted * (1.0 + 0.08 * (textures.diagonal_strokes()[..., None] - 0.5))
    return to_uint8(painted)


# Cool ramps from dark to light: blue, and teal-green where the photo pixel is redder
# than blue, so regions of equal brightness keep some of the photo's structure.
_COOL_PALETTE = np.array(
    [
        [[0.06, 0.10, 0.32], [0.04, 0.20, 0.26]],
        [[0.16, 0.33, 0.62], [0.10, 0.45, 0.50]],
        [[0.38, 0.60, 0.85], [0.30, 0.70, 0.66]],
        [[0.82, 0.91, 0.98], [0.76, 0.95, 0.90]],
    ],
    dtype=np.float32,
)
_COOL_OUTLINE = np.array([0.02, 0.03, 0.10], dtype=np.float32)


def render_cool(photo: np.ndarray) -> np.ndarray:
    """Cool rendering (a blue or teal ramp of luminance, blended by red - blue) with soft
    dark outlines from a 3x3 luminance gradient, far from the warm rendering."""
    image = to_float(photo)
    luminance = stretched_luminance(image)
    teal = np.clip(0.5 + 4.0 * (image[..., 0] - image[..., 2]), 0.0, 1.0)[..., None]
    flat = (1.0 - teal) * ramp(_COOL_PALETTE[:, 0], luminance) + teal * ramp(_COOL_PALETTE[:, 1], luminance)
    line = np.clip(8.0 * luminance_gradient(image) - 0.2, 0.0, 0.8)[..., None]
    return to_uint8(flat * (1.0 - line) + _COOL_OUTLINE * line)


_PAPER_WHITE = np.array([0.96, 0.95, 0.92], dtype=np.float32)
_GRAPHITE = np.array([0.20, 0.20, 0.22], dtype=np.float32)


def render_sketch(photo: np.ndarray) -> np.ndarray:
    """Grey pencil sketch: darker hatched shading where the photo is darker (relative
    brightness, as the other photo tasks), graphite lines where brightness changes."""
    image = to_float(photo)
    darkness = 0.6 * (1.0 - stretched_luminance(image))[..., None]
    shaded = _PAPER_WHITE * (1.0 - darkness * (0.6 + 0.4 * textures.hatching()[..., None]))
    line = np.clip(8.0 * luminance_gradient(image) - 0.2, 0.0, 0.9)[..., None]
    return to_uint8(shaded * (1.0 - line) + _GRAPHITE * line)


_NIGHTVISION_PALETTE = np.array(
    [[0.00, 0.06, 0.02], [0.08, 0.36, 0.10], [0.35, 0.80, 0.30], [0.80, 1.00, 0.70]],
    dtype=np.float32,
)


def render_nightvision(photo: np.ndarray) -> np.ndarray:
    """Green night-vision image: a green ramp of relative brightness, scan lines."""
    image = to_float(photo)
    green = ramp(_NIGHTVISION_PALETTE, stretched_luminance(image))
    return to_uint8(green * (1.0 - 0.15 * textures.row_pairs()[..., None]))


# The same photo goes through any of these.
PHOTO_RENDERERS = {
    "toy_photo2warm": render_warm,
    "toy_photo2cool": render_cool,
    "toy_photo2sketch": render_sketch,
    "toy_photo2nightvision": render_nightvision,
}


def _photo_pair(render):
    def pair(rng: np.random.Generator) -> dict[str, np.ndarray]:
        photo = make_photo(rng)
        return {"input": photo, "target": render(photo)}

    return pair


TASKS = tuple(
    ToyTask(name, seed, description, "photo", pair=_photo_pair(PHOTO_RENDERERS[name]))
    for name, seed, description in (
        ("toy_photo2warm", 1103, "synthetic photo -> warm painting with brush strokes"),
        ("toy_photo2cool", 1104, "synthetic photo -> cool rendering with dark outlines"),
        ("toy_photo2sketch", 1107, "synthetic photo (as toy_photo2warm) -> grey pencil sketch with hatching"),
        ("toy_photo2nightvision", 1110, "synthetic photo (as toy_photo2warm) -> green night-vision image"),
    )
)
