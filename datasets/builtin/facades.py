"""Facade label maps (after the CMP facade labels) rendered as facade photos."""

from __future__ import annotations

import numpy as np

from datasets.builtin import textures
from datasets.builtin.domains import CORNICE, DOOR, FACADE_LABEL_COLOURS, WALL, make_facade_layout
from datasets.builtin.drawing import boundary, to_uint8
from datasets.builtin.toy_task import ToyTask

_FACADE_FLAT_COLOURS = np.array(
    [
        [0.86, 0.76, 0.58],  # wall: sand plaster
        [0.14, 0.22, 0.30],  # window: dark glass
        [0.42, 0.24, 0.12],  # door: wood
        [0.66, 0.66, 0.68],  # cornice: grey stone
    ],
    dtype=np.float32,
)
_WINDOW_FRAME = np.array([0.96, 0.96, 0.93], dtype=np.float32)


def render_facade(classes: np.ndarray) -> np.ndarray:
    """Facade "photo": plaster courses, wooden door grain, stone dots, and white
    frames (a 3x3 boundary test) around the windows and the door."""
    image = _FACADE_FLAT_COLOURS[classes]
    texture_of = {
        WALL: -0.08 * textures.courses(),
        DOOR: -0.1 * textures.column_pairs(),
        CORNICE: 0.1 * textures.foliage_dots(),
    }
    for label, texture in texture_of.items():
        image = np.where((classes == label)[..., None], image + texture[..., None], image)
    image = np.where(boundary(classes)[..., None], _WINDOW_FRAME, image)
    return to_uint8(image)


def _facade_pair(rng: np.random.Generator) -> dict[str, np.ndarray]:
    classes = make_facade_layout(rng)
    return {"input": FACADE_LABEL_COLOURS[classes], "target": render_facade(classes)}


TASKS = (
    ToyTask(
        "toy_labels2facade", 1108, "facade label map -> facade photo (plaster, framed windows, wooden door)",
        "facade_label_map", pair=_facade_pair,
    ),
)
