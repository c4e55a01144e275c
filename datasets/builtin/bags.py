"""Edge maps of a handbag (black lines on white) filled as leather or striped canvas."""

from __future__ import annotations

import numpy as np

from datasets.builtin import textures
from datasets.builtin.domains import make_bag_shape
from datasets.builtin.drawing import erode, to_uint8
from datasets.builtin.toy_task import ToyTask

_LEATHER, _STITCH = (0.56, 0.33, 0.17), (0.24, 0.13, 0.06)
_NAVY, _CANVAS_CREAM, _RED_STITCH = (0.12, 0.16, 0.36), (0.92, 0.88, 0.76), (0.78, 0.10, 0.10)


def _edge_map(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(bag mask, edge mask, the edge map as a float image: black lines on white)."""
    bag, seams = make_bag_shape(rng)
    outline = bag & ~erode(bag)
    edges = outline | seams
    return bag, edges, np.where(edges[..., None], 0.0, 1.0) * np.ones(3, np.float32)


def _leather_pair(rng: np.random.Generator) -> dict[str, np.ndarray]:
    bag, edges, edge_map = _edge_map(rng)
    # Fill, darker near the rim (two pixels in: still local), grain, dark stitching.
    rim = bag & ~erode(erode(bag))
    leather = np.asarray(_LEATHER, np.float32) * (1.0 - 0.08 * textures.checker(4))[..., None]
    leather = np.where(rim[..., None], leather * 0.78, leather)
    target = np.where(bag[..., None], leather, np.float32(0.97))
    target = np.where(edges[..., None], np.asarray(_STITCH, np.float32), target)
    return {"input": to_uint8(edge_map), "target": to_uint8(target)}


def _canvas_pair(rng: np.random.Generator) -> dict[str, np.ndarray]:
    bag, edges, edge_map = _edge_map(rng)
    stripes = np.where(textures.row_quads()[..., None] > 0, _NAVY, _CANVAS_CREAM).astype(np.float32)
    target = np.where(bag[..., None], stripes, np.float32(0.80))
    target = np.where(edges[..., None], np.asarray(_RED_STITCH, np.float32), target)
    return {"input": to_uint8(edge_map), "target": to_uint8(target)}


TASKS = (
    ToyTask(
        "toy_edges2bags", 1102, "edge map (black lines on white) -> filled leather handbag", "edge_map",
        pair=_leather_pair,
    ),
    ToyTask(
        "toy_edges2canvas", 1109, "edge map (as toy_edges2bags) -> striped canvas bag with red stitching",
        "edge_map", pair=_canvas_pair,
    ),
)
