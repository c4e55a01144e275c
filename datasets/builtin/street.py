"""Street label maps (Cityscapes colours) rendered as a street by day and by night."""

from __future__ import annotations

import numpy as np

from datasets.builtin import textures
from datasets.builtin.domains import BUILDING, CAR, ROAD, SKY, STREET_LABEL_COLOURS, VEGETATION, make_street_layout
from datasets.builtin.drawing import boundary, to_uint8
from datasets.builtin.toy_task import ToyTask

_BRICK, _MORTAR = (0.62, 0.30, 0.22), (0.82, 0.78, 0.70)
_STREET_FLAT_COLOURS = np.array(
    [
        [0.74, 0.86, 0.97],  # sky: pale haze
        _BRICK,  # building
        [0.34, 0.34, 0.37],  # road: asphalt
        [0.18, 0.42, 0.14],  # vegetation
        [0.82, 0.12, 0.10],  # car: red paint
    ],
    dtype=np.float32,
)


def render_street(classes: np.ndarray) -> np.ndarray:
    """Street "photo" from a class-index map: one palette + texture per class."""
    image = _STREET_FLAT_COLOURS[classes]
    building = (classes == BUILDING)[..., None]
    brick = np.where(textures.brick_mortar()[..., None] > 0, _MORTAR, _BRICK).astype(np.float32)
    image = np.where(building, brick, image)
    vegetation = (classes == VEGETATION)[..., None]
    image = np.where(vegetation, image + 0.18 * textures.foliage_dots()[..., None], image)
    road = (classes == ROAD)[..., None]
    image = np.where(road, image + 0.06 * textures.checker(4)[..., None], image)
    # Object boundaries darkened like contact shadows; a 3x3 test, so it is local.
    image = np.where(boundary(classes)[..., None], image * 0.55, image)
    return to_uint8(image)


# The street at night: same label maps as toy_labels2street, another rendering.
_NIGHT_FLAT_COLOURS = np.array(
    [
        [0.04, 0.05, 0.16],  # sky: night blue
        [0.14, 0.13, 0.18],  # building: dark walls
        [0.09, 0.09, 0.11],  # road
        [0.04, 0.11, 0.06],  # vegetation
        [0.96, 0.93, 0.70],  # car: headlights
    ],
    dtype=np.float32,
)
_WINDOW_LIGHT = np.array([0.98, 0.80, 0.32], dtype=np.float32)


def render_night(classes: np.ndarray) -> np.ndarray:
    """Street at night from a class-index map: lit windows on dark walls, stars,
    bright cars; a light halo (3x3 boundary) where a car or window meets the dark."""
    image = _NIGHT_FLAT_COLOURS[classes]
    building = (classes == BUILDING)[..., None]
    image = np.where(building & (textures.lit_windows()[..., None] > 0), _WINDOW_LIGHT, image)
    sky = (classes == SKY)[..., None]
    image = np.where(sky, image + 0.7 * textures.stars()[..., None], image)
    car_edge = boundary(classes) & (classes == CAR)
    image = np.where(car_edge[..., None], image * 0.5 + 0.4, image)
    return to_uint8(image)


def _street_pair(rng: np.random.Generator) -> dict[str, np.ndarray]:
    classes = make_street_layout(rng)
    return {"input": STREET_LABEL_COLOURS[classes], "target": render_street(classes)}


def _night_pair(rng: np.random.Generator) -> dict[str, np.ndarray]:
    classes = make_street_layout(rng)
    return {"input": STREET_LABEL_COLOURS[classes], "target": render_night(classes)}


TASKS = (
    ToyTask("toy_labels2street", 1101, "label map -> textured street photo", "label_map", pair=_street_pair),
    ToyTask(
        "toy_labels2night", 1106, "label map (as toy_labels2street) -> street at night with lit windows",
        "label_map", pair=_night_pair,
    ),
)
