"""Fixed textures of the toy targets: float32 [64, 64] masks fixed to the pixel grid.

Each is made on first use and cached. Their periods (4 or 8 px at 64 px, two-pixel
runs) survive resizing to 32 px and line up with the generator's stride-2 grid, so a
small ResNet generator can reproduce them.
"""

from __future__ import annotations

import functools

import numpy as np

from datasets.builtin.drawing import index_grid


def _texture(mask: np.ndarray) -> np.ndarray:
    texture = mask.astype(np.float32)
    texture.flags.writeable = False
    return texture


@functools.cache
def checker(period: int) -> np.ndarray:
    """0/1 checkerboard of (period / 2)-pixel squares."""
    rows, cols = index_grid()
    half = period // 2
    return _texture((rows // half + cols // half) % 2)


@functools.cache
def brick_mortar() -> np.ndarray:
    """1 on mortar: a joint every 4 rows, vertical joints every 8 columns, staggered."""
    rows, cols = index_grid()
    course = rows // 4
    mortar_row = rows % 4 == 3
    mortar_col = (cols + 4 * (course % 2)) % 8 == 0
    return _texture(mortar_row | mortar_col)


@functools.cache
def foliage_dots() -> np.ndarray:
    rows, cols = index_grid()
    return _texture((rows % 4 < 2) & (cols % 4 < 2))


@functools.cache
def row_pairs() -> np.ndarray:
    """Alternating two-pixel rows: water ripples, scan lines."""
    rows, _ = index_grid()
    return _texture((rows // 2) % 2)


@functools.cache
def column_pairs() -> np.ndarray:
    """Alternating two-pixel columns: wood grain."""
    _, cols = index_grid()
    return _texture((cols // 2) % 2)


@functools.cache
def row_quads() -> np.ndarray:
    """Alternating four-pixel rows: canvas stripes."""
    rows, _ = index_grid()
    return _texture((rows // 4) % 2)


@functools.cache
def diagonal_strokes() -> np.ndarray:
    """Diagonal strokes two pixels wide, period 4 along the diagonal (brush strokes)."""
    rows, cols = index_grid()
    return _texture(((rows + cols) // 2) % 2)


@functools.cache
def hatching() -> np.ndarray:
    """Strokes along the other diagonal (pencil hatching)."""
    rows, cols = index_grid()
    return _texture(((rows - cols) // 2) % 2)


@functools.cache
def courses() -> np.ndarray:
    """One dark row in four: plaster courses."""
    rows, _ = index_grid()
    return _texture(rows % 4 == 3)


@functools.cache
def lit_windows() -> np.ndarray:
    rows, cols = index_grid()
    return _texture((rows % 8 >= 2) & (rows % 8 < 5) & (cols % 8 >= 2) & (cols % 8 < 5))


@functools.cache
def stars() -> np.ndarray:
    rows, cols = index_grid()
    return _texture((rows % 16 < 2) & (cols % 16 >= 8) & (cols % 16 < 10))
