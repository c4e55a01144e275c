"""Flat street maps (land, water, parks, roads) rendered as aerial photos."""

from __future__ import annotations

import numpy as np

from datasets.builtin import textures
from datasets.builtin.domains import LAND, MAP_LABEL_COLOURS, PARK, WATER, make_map_layout
from datasets.builtin.drawing import boundary, to_uint8
from datasets.builtin.toy_task import ToyTask

_AERIAL_FLAT_COLOURS = np.array(
    [
        [0.70, 0.42, 0.30],  # land: terracotta roofs
        [0.10, 0.22, 0.36],  # water: deep blue
        [0.16, 0.36, 0.12],  # park: tree canopy
        [0.46, 0.46, 0.44],  # road: concrete
    ],
    dtype=np.float32,
)


def render_aerial(classes: np.ndarray) -> np.ndarray:
    """Aerial "photo" of a street map: roofs in alternating tiles, rippled water,
    dotted canopy, roads with dark kerbs (a 3x3 boundary test, so it is local)."""
    image = _AERIAL_FLAT_COLOURS[classes]
    texture_of = {
        LAND: 0.12 * textures.checker(8),
        WATER: 0.06 * textures.row_pairs(),
        PARK: 0.15 * textures.foliage_dots(),
    }
    for label, texture in texture_of.items():
        image = np.where((classes == label)[..., None], image + texture[..., None], image)
    image = np.where(boundary(classes)[..., None], image * 0.6, image)
    return to_uint8(image)


def _aerial_pair(rng: np.random.Generator) -> dict[str, np.ndarray]:
    classes = make_map_layout(rng)
    return {"input": MAP_LABEL_COLOURS[classes], "target": render_aerial(classes)}


TASKS = (
    ToyTask(
        "toy_maps2aerial", 1105, "flat street map -> aerial photo (roofs, water ripples, trees, roads)",
        "street_map", pair=_aerial_pair,
    ),
)
