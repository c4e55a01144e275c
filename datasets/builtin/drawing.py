"""Drawing primitives of the built-in toy tasks: float images in [0, 1], [64, 64, 3].

Every task draws on one fixed pixel grid (`NATIVE_SIZE` square). The grids are made
on first use and cached, so importing this module computes nothing.
"""

from __future__ import annotations

import functools

import numpy as np

NATIVE_SIZE = 64

FULL_IMAGE = (slice(None), slice(None))


@functools.cache
def pixel_grid() -> tuple[np.ndarray, np.ndarray]:
    """(rows, cols): float32 [64, 64] coordinates of every pixel."""
    rows, cols = np.mgrid[0:NATIVE_SIZE, 0:NATIVE_SIZE].astype(np.float32)
    return _read_only(rows), _read_only(cols)


@functools.cache
def index_grid() -> tuple[np.ndarray, np.ndarray]:
    """(rows, cols): integer [64, 64] indices of every pixel, for periodic textures."""
    rows, cols = np.mgrid[0:NATIVE_SIZE, 0:NATIVE_SIZE]
    return _read_only(rows), _read_only(cols)


def _read_only(array: np.ndarray) -> np.ndarray:
    # Cached arrays are shared by every caller: a write would change later examples.
    array.flags.writeable = False
    return array


def to_uint8(image: np.ndarray) -> np.ndarray:
    return np.round(np.clip(image, 0.0, 1.0) * 255.0).astype(np.uint8)


def to_float(image: np.ndarray) -> np.ndarray:
    return image.astype(np.float32) / 255.0


def luminance(image: np.ndarray) -> np.ndarray:
    return image @ np.array([0.299, 0.587, 0.114], dtype=np.float32)


def hsv_to_rgb(hue: float, saturation: float, value: float) -> np.ndarray:
    """One HSV colour (all in [0, 1]) to RGB."""
    channel_offsets = np.array([5.0, 3.0, 1.0])
    k = (channel_offsets + hue * 6.0) % 6.0
    return (value - value * saturation * np.clip(np.minimum(k, 4.0 - k), 0.0, 1.0)).astype(np.float32)


def random_colour(rng: np.random.Generator) -> np.ndarray:
    return hsv_to_rgb(rng.uniform(), rng.uniform(0.25, 0.9), rng.uniform(0.25, 0.95))


def window_around(centre_row, centre_col, extent):
    """Slices of the pixels within `extent` (+1 for anti-aliasing) of a centre."""
    top, bottom = int(centre_row - extent) - 1, int(centre_row + extent) + 3
    left, right = int(centre_col - extent) - 1, int(centre_col + extent) + 3
    return slice(max(top, 0), max(bottom, 0)), slice(max(left, 0), max(right, 0))


def ellipse_distance(centre_row, centre_col, radius_row, radius_col, angle, window=FULL_IMAGE):
    """Approximate signed distance (pixels) to a rotated ellipse; < 0 inside.

    Evaluated on the pixels of `window` only: drawing many small shapes stays cheap.
    """
    cos, sin = np.cos(angle), np.sin(angle)
    grid_rows, grid_cols = pixel_grid()
    rows, cols = grid_rows[window], grid_cols[window]
    along = (cols - centre_col) * cos + (rows - centre_row) * sin
    across = -(cols - centre_col) * sin + (rows - centre_row) * cos
    normalised = np.sqrt((along / radius_col) ** 2 + (across / radius_row) ** 2)
    return (normalised - 1.0) * min(radius_row, radius_col)


def box_distance(centre_row, centre_col, half_height, half_width, angle=0.0, corner=0.0, window=FULL_IMAGE):
    """Signed distance (pixels) to a rotated box with rounded corners; < 0 inside."""
    cos, sin = np.cos(angle), np.sin(angle)
    grid_rows, grid_cols = pixel_grid()
    rows, cols = grid_rows[window], grid_cols[window]
    along = np.abs((cols - centre_col) * cos + (rows - centre_row) * sin)
    across = np.abs(-(cols - centre_col) * sin + (rows - centre_row) * cos)
    excess_col = along - (half_width - corner)
    excess_row = across - (half_height - corner)
    outside = np.hypot(np.maximum(excess_col, 0.0), np.maximum(excess_row, 0.0))
    inside = np.minimum(np.maximum(excess_col, excess_row), 0.0)
    return outside + inside - corner


def soft_mask(signed_distance: np.ndarray) -> np.ndarray:
    """Anti-aliased coverage from a signed distance, as a photo would have."""
    return np.clip(0.5 - signed_distance, 0.0, 1.0)[..., None]


def shift(array: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Shift with edge replication, so borders never look like boundaries."""
    padded = np.pad(array, [(1, 1), (1, 1)] + [(0, 0)] * (array.ndim - 2), mode="edge")
    return padded[1 + rows : 1 + rows + NATIVE_SIZE, 1 + cols : 1 + cols + NATIVE_SIZE]


def boundary(labels: np.ndarray) -> np.ndarray:
    """True where a 4-neighbour has a different label (a 2-pixel-wide line)."""
    result = np.zeros(labels.shape[:2], dtype=bool)
    for rows, cols in ((1, 0), (-1, 0), (0, 1), (0, -1)):
        result |= shift(labels, rows, cols) != labels
    return result


def erode(mask: np.ndarray) -> np.ndarray:
    result = mask.copy()
    for rows, cols in ((1, 0), (-1, 0), (0, 1), (0, -1)):
        result &= shift(mask, rows, cols)
    return result


def stretched_luminance(image: np.ndarray) -> np.ndarray:
    """Luminance stretched per image: its mean to 0.5, +-2 standard deviations to 0..1.

    The generator's instance normalisation discards each image's absolute brightness,
    so a map of absolute brightness is slow to learn, one of relative brightness fast.
    """
    values = luminance(image)
    return np.clip(0.5 + (values - values.mean()) / (4.0 * values.std() + 1e-3), 0.0, 1.0)


def ramp(palette: np.ndarray, position: np.ndarray) -> np.ndarray:
    """Piecewise-linear colour ramp through the rows of `palette`, position in [0, 1]."""
    scaled = np.clip(position, 0.0, 1.0) * (len(palette) - 1)
    lower = np.minimum(scaled.astype(np.int32), len(palette) - 2)
    weight = (scaled - lower)[..., None]
    return palette[lower] * (1.0 - weight) + palette[lower + 1] * weight


def luminance_gradient(image: np.ndarray) -> np.ndarray:
    """Magnitude of the luminance gradient (central differences, a 3x3 neighbourhood)."""
    values = luminance(image)
    rows = shift(values, 1, 0) - shift(values, -1, 0)
    cols = shift(values, 0, 1) - shift(values, 0, -1)
    return 0.5 * np.hypot(rows, cols)
