"""Built-in toy task sequences that need no download: TFDS `builtin_tasks`.

`python train.py` with no flags trains on these, so a newcomer sees lifelong
learning (and forgetting) on a 2-core CPU within minutes. Every image is drawn in
NumPy from a fixed seed per (task, split, index): the dataset is the same on every
machine, and preparing all six configs takes a few seconds.

Paired sequence (pix2pix-style, features `input` / `target`), in training order:

  toy_labels2street  Cityscapes-coloured label map -> textured street "photo"
                     (pale sky, brick buildings, asphalt, dotted foliage, red cars).
  toy_edges2bags     black edge map of a handbag on white -> filled leather bag.
  toy_photo2warm     synthetic photo -> warm painting (a maroon..cream ramp of
                     brightness) with diagonal brush strokes.
  toy_photo2cool     synthetic photo -> cool rendering (navy..ice ramps of
                     brightness) with dark outlines where brightness changes.

The long paired sequence `--tasks=toy10` (TOY10_TASKS) is the four above, then:

  toy_maps2aerial        flat street map (land, water, parks, roads) -> aerial
                         photo (tiled roofs, rippled water, canopy, kerbs).
  toy_labels2night       the label maps of toy_labels2street -> the street at
                         night (lit windows, stars, headlights).
  toy_photo2sketch       the photos of toy_photo2warm -> grey pencil sketch
                         (hatched shading, graphite outlines).
  toy_labels2facade      facade label map (wall, windows, door, cornice) ->
                         facade photo (plaster, framed windows, wooden door).
  toy_edges2canvas       the edge maps of toy_edges2bags -> striped canvas bag
                         with red stitching.
  toy_photo2nightvision  the photos of toy_photo2warm -> green night-vision image.

  Three input domains are shared (street label maps by 2 tasks, bag edge maps by
  2, photos by 4; same generator, own seeds, so the same distribution) and two are
  the tasks' own, so a method must keep several mappings of one input apart
  across a sequence long enough for distillation cost and forgetting to matter.

Unpaired sequence (CycleGAN-style, laid out exactly like TFDS
`cycle_gan/monet2photo`: features `image` / `label`, splits trainA / trainB /
testA / testB, A = art, B = photo):

  toy_photo2monet    photo <-> soft pastel "impressionist" paintings.
  toy_photo2ukiyoe   photo <-> flat woodblock prints (indigo, vermilion, ochre on
                     paper) with ink outlines.

Why they are designed this way:
- Learnable quickly by a small image-to-image CNN: every paired target is a
  deterministic, local function of its input (smooth per-pixel colour ramps, 3x3
  outline tests, fill of small closed shapes) plus fixed textures whose period
  (4 or 8 px at 64 px, two-pixel runs) survives resizing to 32 px and lines up
  with the generator's stride-2 grid, so a ResNet generator can reproduce them.
- Visible forgetting: toy_photo2warm and toy_photo2cool share one input domain
  (`make_photo`) but map it to opposite palettes, like photo->Monet and
  photo->Ukiyo-e in the paper. Fine-tuning on the second overwrites the first,
  and L1 against the first task's ground truth degrades.
- A domain classifier (the paper's Acc metric) can separate the tasks: each
  target domain has its own palette and texture, so even a nearest-centroid
  classifier on colour histograms separates them (see the tests).
- The unpaired tasks share the photo domain B and differ in the art domain A; A
  and B images come from different seeds, so nothing is paired.

Measured (dataset 1.1.0, `python train.py` defaults: 32 px, 16 filters, 2
residual blocks, 400 steps of batch 8 per task): test L1 on the [-1, 1] scale just
after learning each task is 0.09, 0.08, 0.09 and 0.13 for Hyper-LifelongGAN
(0.11, 0.08, 0.10, 0.14 for separate conventional models), against 0.37, 0.41,
0.24 and 0.28 for predicting the training targets' mean colour everywhere.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import tensorflow_datasets as tfds

NATIVE_SIZE = 64

PAIRED_TASKS = (
    "toy_labels2street",
    "toy_edges2bags",
    "toy_photo2warm",
    "toy_photo2cool",
)
UNPAIRED_TASKS = ("toy_photo2monet", "toy_photo2ukiyoe")
# Six more paired tasks: with the four above, the long sequence `--tasks=toy10`.
EXTRA_PAIRED_TASKS = (
    "toy_maps2aerial",
    "toy_labels2night",
    "toy_photo2sketch",
    "toy_labels2facade",
    "toy_edges2canvas",
    "toy_photo2nightvision",
)
TOY10_TASKS = PAIRED_TASKS + EXTRA_PAIRED_TASKS
# Names of whole built-in sequences that `--tasks` accepts as one entry.
SEQUENCES = {"toy10": TOY10_TASKS}

DESCRIPTIONS = {
    "toy_labels2street": "label map -> textured street photo",
    "toy_edges2bags": "edge map (black lines on white) -> filled leather handbag",
    "toy_photo2warm": "synthetic photo -> warm painting with brush strokes",
    "toy_photo2cool": "synthetic photo -> cool rendering with dark outlines",
    "toy_photo2monet": "unpaired: synthetic photo <-> soft pastel impressionist painting",
    "toy_photo2ukiyoe": "unpaired: synthetic photo <-> flat woodblock print with ink outlines",
    "toy_maps2aerial": "flat street map -> aerial photo (roofs, water ripples, trees, roads)",
    "toy_labels2night": "label map (as toy_labels2street) -> street at night with lit windows",
    "toy_photo2sketch": "synthetic photo (as toy_photo2warm) -> grey pencil sketch with hatching",
    "toy_labels2facade": "facade label map -> facade photo (plaster, framed windows, wooden door)",
    "toy_edges2canvas": "edge map (as toy_edges2bags) -> striped canvas bag with red stitching",
    "toy_photo2nightvision": "synthetic photo (as toy_photo2warm) -> green night-vision image",
}

# Which generator draws each task's input (paired) or photo side B (unpaired).
# Tasks with the same input domain see images from the same distribution.
INPUT_DOMAINS = {
    "toy_labels2street": "label_map",
    "toy_edges2bags": "edge_map",
    "toy_photo2warm": "photo",
    "toy_photo2cool": "photo",
    "toy_photo2monet": "photo",
    "toy_photo2ukiyoe": "photo",
    "toy_maps2aerial": "street_map",
    "toy_labels2night": "label_map",
    "toy_photo2sketch": "photo",
    "toy_labels2facade": "facade_label_map",
    "toy_edges2canvas": "edge_map",
    "toy_photo2nightvision": "photo",
}

PAIRED_SPLIT_SIZES = {"train": 400, "test": 100}
UNPAIRED_SPLIT_SIZES = {"trainA": 300, "trainB": 300, "testA": 60, "testB": 60}

# Fixed per-task seeds: changing one changes that task's data, so they are part of
# the dataset version.
_TASK_SEEDS = {
    "toy_labels2street": 1101,
    "toy_edges2bags": 1102,
    "toy_photo2warm": 1103,
    "toy_photo2cool": 1104,
    "toy_photo2monet": 1201,
    "toy_photo2ukiyoe": 1202,
    "toy_maps2aerial": 1105,
    "toy_labels2night": 1106,
    "toy_photo2sketch": 1107,
    "toy_labels2facade": 1108,
    "toy_edges2canvas": 1109,
    "toy_photo2nightvision": 1110,
}
# Distinct ids keep the splits disjoint; the A and B sides of an unpaired task use
# different ids, so an art image is never a rendering of a photo in B.
_SPLIT_IDS = {"train": 0, "test": 1, "trainA": 2, "trainB": 3, "testA": 4, "testB": 5}

_ROWS, _COLS = np.mgrid[0:NATIVE_SIZE, 0:NATIVE_SIZE].astype(np.float32)
_ROW_INDEX, _COL_INDEX = np.mgrid[0:NATIVE_SIZE, 0:NATIVE_SIZE]


# ---------------------------------------------------------------------------
# Small drawing helpers (float images in [0, 1], shape [64, 64, 3])
# ---------------------------------------------------------------------------


def _to_uint8(image: np.ndarray) -> np.ndarray:
    return np.round(np.clip(image, 0.0, 1.0) * 255.0).astype(np.uint8)


def _to_float(image: np.ndarray) -> np.ndarray:
    return image.astype(np.float32) / 255.0


def _luminance(image: np.ndarray) -> np.ndarray:
    return image @ np.array([0.299, 0.587, 0.114], dtype=np.float32)


def _hsv_to_rgb(hue: float, saturation: float, value: float) -> np.ndarray:
    """One HSV colour (all in [0, 1]) to RGB."""
    channel_offsets = np.array([5.0, 3.0, 1.0])
    k = (channel_offsets + hue * 6.0) % 6.0
    return (value - value * saturation * np.clip(np.minimum(k, 4.0 - k), 0.0, 1.0)).astype(
        np.float32
    )


def _random_colour(rng: np.random.Generator) -> np.ndarray:
    return _hsv_to_rgb(rng.uniform(), rng.uniform(0.25, 0.9), rng.uniform(0.25, 0.95))


_FULL_IMAGE = (slice(None), slice(None))


def _window_around(centre_row, centre_col, extent):
    """Slices of the pixels within `extent` (+1 for anti-aliasing) of a centre."""
    top, bottom = int(centre_row - extent) - 1, int(centre_row + extent) + 3
    left, right = int(centre_col - extent) - 1, int(centre_col + extent) + 3
    return slice(max(top, 0), max(bottom, 0)), slice(max(left, 0), max(right, 0))


def _ellipse_distance(centre_row, centre_col, radius_row, radius_col, angle, window=_FULL_IMAGE):
    """Approximate signed distance (pixels) to a rotated ellipse; < 0 inside.

    Evaluated on the pixels of `window` only: drawing many small shapes stays cheap.
    """
    cos, sin = np.cos(angle), np.sin(angle)
    rows, cols = _ROWS[window], _COLS[window]
    along = (cols - centre_col) * cos + (rows - centre_row) * sin
    across = -(cols - centre_col) * sin + (rows - centre_row) * cos
    normalised = np.sqrt((along / radius_col) ** 2 + (across / radius_row) ** 2)
    return (normalised - 1.0) * min(radius_row, radius_col)


def _box_distance(
    centre_row, centre_col, half_height, half_width, angle=0.0, corner=0.0, window=_FULL_IMAGE
):
    """Signed distance (pixels) to a rotated box with rounded corners; < 0 inside."""
    cos, sin = np.cos(angle), np.sin(angle)
    rows, cols = _ROWS[window], _COLS[window]
    along = np.abs((cols - centre_col) * cos + (rows - centre_row) * sin)
    across = np.abs(-(cols - centre_col) * sin + (rows - centre_row) * cos)
    excess_col = along - (half_width - corner)
    excess_row = across - (half_height - corner)
    outside = np.hypot(np.maximum(excess_col, 0.0), np.maximum(excess_row, 0.0))
    inside = np.minimum(np.maximum(excess_col, excess_row), 0.0)
    return outside + inside - corner


def _soft_mask(signed_distance: np.ndarray) -> np.ndarray:
    """Anti-aliased coverage from a signed distance, as a photo would have."""
    return np.clip(0.5 - signed_distance, 0.0, 1.0)[..., None]


def _shift(array: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Shift with edge replication, so borders never look like boundaries."""
    padded = np.pad(array, [(1, 1), (1, 1)] + [(0, 0)] * (array.ndim - 2), mode="edge")
    return padded[1 + rows : 1 + rows + NATIVE_SIZE, 1 + cols : 1 + cols + NATIVE_SIZE]


def _boundary(labels: np.ndarray) -> np.ndarray:
    """True where a 4-neighbour has a different label (a 2-pixel-wide line)."""
    result = np.zeros(labels.shape[:2], dtype=bool)
    for rows, cols in ((1, 0), (-1, 0), (0, 1), (0, -1)):
        result |= _shift(labels, rows, cols) != labels
    return result


def _erode(mask: np.ndarray) -> np.ndarray:
    result = mask.copy()
    for rows, cols in ((1, 0), (-1, 0), (0, 1), (0, -1)):
        result &= _shift(mask, rows, cols)
    return result


def _checker(period: int) -> np.ndarray:
    """0/1 checkerboard of (period / 2)-pixel squares, fixed to the pixel grid."""
    half = period // 2
    return ((_ROW_INDEX // half + _COL_INDEX // half) % 2).astype(np.float32)


# ---------------------------------------------------------------------------
# Input domains
# ---------------------------------------------------------------------------


def make_photo(rng: np.random.Generator) -> np.ndarray:
    """A synthetic "photo": sky/ground gradient, soft light blobs, shaded shapes.

    The shared input domain of toy_photo2warm and toy_photo2cool and the photo
    side (B) of both unpaired tasks. Returns uint8 [64, 64, 3].
    """
    # Background and light blobs vary along one axis or are separable, so they are
    # computed on a row and a column and broadcast: generation stays fast.
    rows = _ROWS[:, :1]
    cols = _COLS[:1, :]
    horizon = rng.uniform(18, 46)
    sky_top, sky_bottom = _random_colour(rng), _random_colour(rng)
    ground_top, ground_bottom = _random_colour(rng), _random_colour(rng)
    height = np.float32(NATIVE_SIZE - 1)
    sky = sky_top + (sky_bottom - sky_top) * (rows / height)[..., None]
    ground = ground_top + (ground_bottom - ground_top) * (rows / height)[..., None]
    ground_weight = 1.0 / (1.0 + np.exp(-(rows - horizon) / 1.5))
    image = sky + (ground - sky) * ground_weight[..., None]
    image = np.broadcast_to(image, (NATIVE_SIZE, NATIVE_SIZE, 3))

    for _ in range(rng.integers(1, 4)):
        centre_row, centre_col = rng.uniform(0, NATIVE_SIZE), rng.uniform(0, NATIVE_SIZE)
        spread = rng.uniform(8, 20)
        glow = np.exp(-((rows - centre_row) ** 2) / (2 * spread**2)) * np.exp(
            -((cols - centre_col) ** 2) / (2 * spread**2)
        )
        image = image + rng.uniform(-0.25, 0.25) * glow[..., None]

    image = image.copy()  # writable: shapes are painted in place
    for _ in range(rng.integers(3, 7)):
        centre_row, centre_col = rng.uniform(6, NATIVE_SIZE - 6), rng.uniform(6, NATIVE_SIZE - 6)
        angle = rng.uniform(0, np.pi)
        if rng.uniform() < 0.5:
            radius_row, radius_col = rng.uniform(4, 14), rng.uniform(4, 14)
            window = _window_around(centre_row, centre_col, max(radius_row, radius_col))
            distance = _ellipse_distance(
                centre_row, centre_col, radius_row, radius_col, angle, window
            )
        else:
            half_height, half_width = rng.uniform(3, 12), rng.uniform(3, 12)
            window = _window_around(centre_row, centre_col, np.hypot(half_height, half_width))
            distance = _box_distance(
                centre_row, centre_col, half_height, half_width, angle, window=window
            )
        # A linear shading across the shape makes it read as a lit object.
        shade_angle = rng.uniform(0, 2 * np.pi)
        shading = 1.0 + 0.015 * (
            (_COLS[window] - centre_col) * np.cos(shade_angle)
            + (_ROWS[window] - centre_row) * np.sin(shade_angle)
        )
        colour = _random_colour(rng) * shading[..., None]
        coverage = _soft_mask(distance)
        image[window] += (colour - image[window]) * coverage
    return _to_uint8(image)


# Cityscapes colours for the label maps, so they look like the real task's inputs.
STREET_CLASSES = ("sky", "building", "road", "vegetation", "car")
STREET_LABEL_COLOURS = np.array(
    [[70, 130, 180], [70, 70, 70], [128, 64, 128], [107, 142, 35], [0, 0, 142]],
    dtype=np.uint8,
)
_SKY, _BUILDING, _ROAD, _VEGETATION, _CAR = range(5)


def _make_street_layout(rng: np.random.Generator) -> np.ndarray:
    """A class-index map [64, 64]: skyline over a road, trees and cars."""
    horizon = int(rng.integers(24, 38))
    classes = np.full((NATIVE_SIZE, NATIVE_SIZE), _SKY, dtype=np.int32)
    classes[horizon:] = _ROAD
    col = int(rng.integers(-6, 2))
    while col < NATIVE_SIZE:
        width = int(rng.integers(7, 20))
        if rng.uniform() < 0.8:  # the rest are gaps in the skyline
            top = int(rng.integers(2, horizon - 6))
            classes[top:horizon, max(col, 0) : col + width] = _BUILDING
        col += width + int(rng.integers(0, 4))
    for _ in range(rng.integers(0, 4)):
        tree = _ellipse_distance(
            horizon - rng.uniform(2, 8),
            rng.uniform(0, NATIVE_SIZE),
            rng.uniform(4, 9),
            rng.uniform(4, 9),
            0.0,
        )
        classes[tree < 0] = _VEGETATION
    for _ in range(rng.integers(1, 4)):
        half_height = rng.uniform(2.5, 5)
        car = _box_distance(
            rng.uniform(horizon + half_height + 1, NATIVE_SIZE - half_height),
            rng.uniform(0, NATIVE_SIZE),
            half_height,
            half_height * rng.uniform(1.8, 2.6),
            corner=1.5,
        )
        classes[car < 0] = _CAR
    return classes


def _make_bag_shape(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Masks of a handbag (body plus strap) and of its inner seam lines."""
    half_width = rng.uniform(11, 22)
    half_height = rng.uniform(8, 14)
    centre_col = NATIVE_SIZE / 2 + rng.uniform(-4, 4)
    bottom = rng.uniform(50, 60)
    centre_row = bottom - half_height
    top = centre_row - half_height
    body = _box_distance(centre_row, centre_col, half_height, half_width, corner=rng.uniform(1, 6))
    # Half an annulus on top of the body: a strap with a hole, like a handle.
    outer_radius = rng.uniform(8, min(16, top - 2))
    thickness = rng.uniform(3, 4.5)
    radius = np.hypot(_ROWS - top, _COLS - centre_col)
    strap = (np.abs(radius - (outer_radius - thickness / 2)) < thickness / 2) & (_ROWS <= top)
    bag = (body < 0) | strap
    # A flap seam across the body; it lies inside the bag, so it is an interior edge.
    seams = np.zeros_like(bag)
    if rng.uniform() < 0.7:
        seam_row = int(top + rng.uniform(4, 1.2 * half_height))
        seams[seam_row] = body[seam_row] < -1.5
    return bag, seams


# ---------------------------------------------------------------------------
# Paired tasks: inputs and their (deterministic, local) targets
# ---------------------------------------------------------------------------

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


def _brick_pattern() -> np.ndarray:
    """1 on mortar: a joint every 4 rows, vertical joints every 8 columns, staggered."""
    course = _ROW_INDEX // 4
    mortar_row = _ROW_INDEX % 4 == 3
    mortar_col = (_COL_INDEX + 4 * (course % 2)) % 8 == 0
    return (mortar_row | mortar_col).astype(np.float32)


_BRICK_MORTAR = _brick_pattern()
_FOLIAGE_DOTS = ((_ROW_INDEX % 4 < 2) & (_COL_INDEX % 4 < 2)).astype(np.float32)
_ASPHALT_SPECKLE = _checker(4)


def render_street(classes: np.ndarray) -> np.ndarray:
    """Street "photo" from a class-index map: one palette + texture per class."""
    image = _STREET_FLAT_COLOURS[classes]
    building = (classes == _BUILDING)[..., None]
    brick = np.where(_BRICK_MORTAR[..., None] > 0, _MORTAR, _BRICK).astype(np.float32)
    image = np.where(building, brick, image)
    vegetation = (classes == _VEGETATION)[..., None]
    image = np.where(vegetation, image + 0.18 * _FOLIAGE_DOTS[..., None], image)
    road = (classes == _ROAD)[..., None]
    image = np.where(road, image + 0.06 * _ASPHALT_SPECKLE[..., None], image)
    # Object boundaries darkened like contact shadows; a 3x3 test, so it is local.
    image = np.where(_boundary(classes)[..., None], image * 0.55, image)
    return _to_uint8(image)


def _street_example(rng: np.random.Generator) -> dict[str, np.ndarray]:
    classes = _make_street_layout(rng)
    return {"input": STREET_LABEL_COLOURS[classes], "target": render_street(classes)}


_LEATHER, _STITCH = (0.56, 0.33, 0.17), (0.24, 0.13, 0.06)
_LEATHER_GRAIN = _checker(4)


def _bag_example(rng: np.random.Generator) -> dict[str, np.ndarray]:
    bag, seams = _make_bag_shape(rng)
    outline = bag & ~_erode(bag)
    edges = outline | seams
    edge_map = np.where(edges[..., None], 0.0, 1.0) * np.ones(3, np.float32)
    # Fill, darker near the rim (two pixels in: still local), grain, dark stitching.
    rim = bag & ~_erode(_erode(bag))
    leather = np.asarray(_LEATHER, np.float32) * (1.0 - 0.08 * _LEATHER_GRAIN)[..., None]
    leather = np.where(rim[..., None], leather * 0.78, leather)
    target = np.where(bag[..., None], leather, np.float32(0.97))
    target = np.where(edges[..., None], np.asarray(_STITCH, np.float32), target)
    return {"input": _to_uint8(edge_map), "target": _to_uint8(target)}


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
# Diagonal strokes two pixels wide, period 4 along the diagonal.
_BRUSH_STROKES = (((_ROW_INDEX + _COL_INDEX) // 2) % 2).astype(np.float32)


def _stretched_luminance(image: np.ndarray) -> np.ndarray:
    """Luminance stretched per image: its mean to 0.5, +-2 standard deviations to 0..1."""
    luminance = _luminance(image)
    return np.clip(0.5 + (luminance - luminance.mean()) / (4.0 * luminance.std() + 1e-3), 0.0, 1.0)


def _ramp(palette: np.ndarray, position: np.ndarray) -> np.ndarray:
    """Piecewise-linear colour ramp through the rows of `palette`, position in [0, 1]."""
    scaled = np.clip(position, 0.0, 1.0) * (len(palette) - 1)
    lower = np.minimum(scaled.astype(np.int32), len(palette) - 2)
    weight = (scaled - lower)[..., None]
    return palette[lower] * (1.0 - weight) + palette[lower + 1] * weight


def _luminance_gradient(image: np.ndarray) -> np.ndarray:
    """Magnitude of the luminance gradient (central differences, a 3x3 neighbourhood)."""
    luminance = _luminance(image)
    rows = _shift(luminance, 1, 0) - _shift(luminance, -1, 0)
    cols = _shift(luminance, 0, 1) - _shift(luminance, 0, -1)
    return 0.5 * np.hypot(rows, cols)


def render_warm(photo: np.ndarray) -> np.ndarray:
    """Warm painting of a uint8 photo: a per-pixel colour map plus a fixed texture.

    Luminance picks a colour on a continuous warm ramp (maroon..cream); a smooth map
    rather than posterised levels, so a small CNN learns it in a few hundred steps.
    The luminance is stretched per image (`_stretched_luminance`): the generator's
    instance normalisation discards each image's absolute brightness, so a map of
    absolute brightness is slow to learn, one of relative brightness fast.
    """
    image = _to_float(photo)
    painted = _ramp(_WARM_PALETTE, _stretched_luminance(image))
    # Keep a little of the photo's own colour, pushed warm, so objects stay distinct.
    warmed = image * np.array([1.0, 0.75, 0.35], dtype=np.float32)
    painted = 0.8 * painted + 0.2 * warmed
    painted = painted * (1.0 + 0.08 * (_BRUSH_STROKES[..., None] - 0.5))
    return _to_uint8(painted)


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
    """Cool rendering with dark outlines where the photo's brightness changes.

    Smooth per-pixel maps (a blue or teal ramp of luminance, blended by red - blue)
    and soft outlines from a 3x3 luminance gradient: local and continuous, so it is
    learnable quickly, yet far from the warm rendering of the same photo.
    """
    image = _to_float(photo)
    luminance = _stretched_luminance(image)
    teal = np.clip(0.5 + 4.0 * (image[..., 0] - image[..., 2]), 0.0, 1.0)[..., None]
    flat = (1.0 - teal) * _ramp(_COOL_PALETTE[:, 0], luminance) + teal * _ramp(
        _COOL_PALETTE[:, 1], luminance
    )
    line = np.clip(8.0 * _luminance_gradient(image) - 0.2, 0.0, 0.8)[..., None]
    return _to_uint8(flat * (1.0 - line) + _COOL_OUTLINE * line)


# ---------------------------------------------------------------------------
# The six further paired tasks of `--tasks=toy10`
# ---------------------------------------------------------------------------
# Two new input domains (street maps, facade label maps); the other four tasks
# reuse an input domain of the default sequence and render it differently, so
# learning them overwrites what the earlier task on that domain needs.


# Flat colours of a street map (OpenStreetMap-like), the inputs of toy_maps2aerial.
MAP_CLASSES = ("land", "water", "park", "road")
MAP_LABEL_COLOURS = np.array(
    [[236, 226, 204], [150, 195, 240], [170, 220, 150], [255, 255, 255]], dtype=np.uint8
)
_LAND, _WATER, _PARK, _MAP_ROAD = range(4)


def _make_map_layout(rng: np.random.Generator) -> np.ndarray:
    """A class-index map [64, 64]: a lake or a river, parks, a few straight roads."""
    classes = np.full((NATIVE_SIZE, NATIVE_SIZE), _LAND, dtype=np.int32)
    if rng.uniform() < 0.5:
        lake = _ellipse_distance(
            rng.uniform(10, 54), rng.uniform(10, 54), rng.uniform(6, 14), rng.uniform(6, 14),
            rng.uniform(0, np.pi),
        )
    else:  # a river: a long thin box across the map
        lake = _box_distance(
            rng.uniform(16, 48), rng.uniform(16, 48), rng.uniform(3, 6), 60.0, rng.uniform(0, np.pi)
        )
    classes[lake < 0] = _WATER
    for _ in range(rng.integers(1, 4)):
        park = _box_distance(
            rng.uniform(0, NATIVE_SIZE), rng.uniform(0, NATIVE_SIZE), rng.uniform(4, 10),
            rng.uniform(4, 10),
        )
        classes[(park < 0) & (classes == _LAND)] = _PARK
    for _ in range(rng.integers(2, 5)):  # roads cross everything, bridges included
        position, width = int(rng.integers(2, NATIVE_SIZE - 4)), int(rng.integers(2, 4))
        if rng.uniform() < 0.5:
            classes[position : position + width] = _MAP_ROAD
        else:
            classes[:, position : position + width] = _MAP_ROAD
    return classes


_AERIAL_FLAT_COLOURS = np.array(
    [
        [0.70, 0.42, 0.30],  # land: terracotta roofs
        [0.10, 0.22, 0.36],  # water: deep blue
        [0.16, 0.36, 0.12],  # park: tree canopy
        [0.46, 0.46, 0.44],  # road: concrete
    ],
    dtype=np.float32,
)
_ROOF_TILES = _checker(8)
_WATER_RIPPLES = ((_ROW_INDEX // 2) % 2).astype(np.float32)


def render_aerial(classes: np.ndarray) -> np.ndarray:
    """Aerial "photo" of a street map: roofs in alternating tiles, rippled water,
    dotted canopy, roads with dark kerbs (a 3x3 boundary test, so it is local)."""
    image = _AERIAL_FLAT_COLOURS[classes]
    textures = {_LAND: 0.12 * _ROOF_TILES, _WATER: 0.06 * _WATER_RIPPLES, _PARK: 0.15 * _FOLIAGE_DOTS}
    for label, texture in textures.items():
        image = np.where((classes == label)[..., None], image + texture[..., None], image)
    image = np.where(_boundary(classes)[..., None], image * 0.6, image)
    return _to_uint8(image)


def _aerial_example(rng: np.random.Generator) -> dict[str, np.ndarray]:
    classes = _make_map_layout(rng)
    return {"input": MAP_LABEL_COLOURS[classes], "target": render_aerial(classes)}


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
_LIT_WINDOWS = ((_ROW_INDEX % 8 >= 2) & (_ROW_INDEX % 8 < 5) & (_COL_INDEX % 8 >= 2) & (
    _COL_INDEX % 8 < 5
)).astype(np.float32)
_STARS = ((_ROW_INDEX % 16 < 2) & (_COL_INDEX % 16 >= 8) & (_COL_INDEX % 16 < 10)).astype(
    np.float32
)
_WINDOW_LIGHT = np.array([0.98, 0.80, 0.32], dtype=np.float32)


def render_night(classes: np.ndarray) -> np.ndarray:
    """Street at night from a class-index map: lit windows on dark walls, stars,
    bright cars; a light halo (3x3 boundary) where a car or window meets the dark."""
    image = _NIGHT_FLAT_COLOURS[classes]
    building = (classes == _BUILDING)[..., None]
    image = np.where(building & (_LIT_WINDOWS[..., None] > 0), _WINDOW_LIGHT, image)
    sky = (classes == _SKY)[..., None]
    image = np.where(sky, image + 0.7 * _STARS[..., None], image)
    car_edge = _boundary(classes) & (classes == _CAR)
    image = np.where(car_edge[..., None], image * 0.5 + 0.4, image)
    return _to_uint8(image)


def _night_example(rng: np.random.Generator) -> dict[str, np.ndarray]:
    classes = _make_street_layout(rng)
    return {"input": STREET_LABEL_COLOURS[classes], "target": render_night(classes)}


# Facade label maps (colours after the CMP facade labels of pix2pix's facades).
FACADE_CLASSES = ("wall", "window", "door", "cornice")
FACADE_LABEL_COLOURS = np.array(
    [[13, 61, 251], [0, 170, 255], [165, 0, 0], [255, 255, 0]], dtype=np.uint8
)
_WALL, _WINDOW, _DOOR, _CORNICE = range(4)


def _make_facade_layout(rng: np.random.Generator) -> np.ndarray:
    """A class-index map [64, 64]: a wall with a cornice, a grid of windows, a door."""
    classes = np.full((NATIVE_SIZE, NATIVE_SIZE), _WALL, dtype=np.int32)
    cornice_top = int(rng.integers(2, 8))
    classes[cornice_top : cornice_top + int(rng.integers(3, 6))] = _CORNICE
    floors, bays = int(rng.integers(2, 5)), int(rng.integers(2, 6))
    floor_height = (NATIVE_SIZE - cornice_top - 8) / floors
    bay_width = NATIVE_SIZE / bays
    window_height = rng.uniform(0.45, 0.7) * floor_height
    window_width = rng.uniform(0.4, 0.65) * bay_width
    door_bay = int(rng.integers(0, bays))
    for floor in range(floors):
        top = cornice_top + 8 + floor * floor_height + (floor_height - window_height) / 2
        for bay in range(bays):
            left = bay * bay_width + (bay_width - window_width) / 2
            rows = slice(int(top), int(top + window_height))
            cols = slice(int(left), int(left + window_width))
            ground_floor = floor == floors - 1
            if ground_floor and bay == door_bay:
                classes[int(top) :, cols] = _DOOR
            else:
                classes[rows, cols] = _WINDOW
    return classes


_FACADE_FLAT_COLOURS = np.array(
    [
        [0.86, 0.76, 0.58],  # wall: sand plaster
        [0.14, 0.22, 0.30],  # window: dark glass
        [0.42, 0.24, 0.12],  # door: wood
        [0.66, 0.66, 0.68],  # cornice: grey stone
    ],
    dtype=np.float32,
)
_PLASTER_COURSES = (_ROW_INDEX % 4 == 3).astype(np.float32)
_WOOD_GRAIN = ((_COL_INDEX // 2) % 2).astype(np.float32)
_WINDOW_FRAME = np.array([0.96, 0.96, 0.93], dtype=np.float32)


def render_facade(classes: np.ndarray) -> np.ndarray:
    """Facade "photo": plaster courses, wooden door grain, stone dots, and white
    frames (a 3x3 boundary test) around the windows and the door."""
    image = _FACADE_FLAT_COLOURS[classes]
    textures = {_WALL: -0.08 * _PLASTER_COURSES, _DOOR: -0.1 * _WOOD_GRAIN, _CORNICE: 0.1 * _FOLIAGE_DOTS}
    for label, texture in textures.items():
        image = np.where((classes == label)[..., None], image + texture[..., None], image)
    image = np.where(_boundary(classes)[..., None], _WINDOW_FRAME, image)
    return _to_uint8(image)


def _facade_example(rng: np.random.Generator) -> dict[str, np.ndarray]:
    classes = _make_facade_layout(rng)
    return {"input": FACADE_LABEL_COLOURS[classes], "target": render_facade(classes)}


# A striped canvas bag: same edge maps as toy_edges2bags, another filling.
_CANVAS_STRIPES = ((_ROW_INDEX // 4) % 2).astype(np.float32)
_NAVY, _CANVAS_CREAM, _RED_STITCH = (0.12, 0.16, 0.36), (0.92, 0.88, 0.76), (0.78, 0.10, 0.10)


def _canvas_example(rng: np.random.Generator) -> dict[str, np.ndarray]:
    bag, seams = _make_bag_shape(rng)
    outline = bag & ~_erode(bag)
    edges = outline | seams
    edge_map = np.where(edges[..., None], 0.0, 1.0) * np.ones(3, np.float32)
    stripes = np.where(_CANVAS_STRIPES[..., None] > 0, _NAVY, _CANVAS_CREAM).astype(np.float32)
    target = np.where(bag[..., None], stripes, np.float32(0.80))
    target = np.where(edges[..., None], np.asarray(_RED_STITCH, np.float32), target)
    return {"input": _to_uint8(edge_map), "target": _to_uint8(target)}


_PAPER_WHITE = np.array([0.96, 0.95, 0.92], dtype=np.float32)
_GRAPHITE = np.array([0.20, 0.20, 0.22], dtype=np.float32)
# Hatching against the warm painting's strokes: the other diagonal.
_HATCHING = (((_ROW_INDEX - _COL_INDEX) // 2) % 2).astype(np.float32)


def render_sketch(photo: np.ndarray) -> np.ndarray:
    """Grey pencil sketch: darker hatched shading where the photo is darker (relative
    brightness, as the other photo tasks), graphite lines where brightness changes."""
    image = _to_float(photo)
    darkness = 0.6 * (1.0 - _stretched_luminance(image))[..., None]
    shaded = _PAPER_WHITE * (1.0 - darkness * (0.6 + 0.4 * _HATCHING[..., None]))
    line = np.clip(8.0 * _luminance_gradient(image) - 0.2, 0.0, 0.9)[..., None]
    return _to_uint8(shaded * (1.0 - line) + _GRAPHITE * line)


_NIGHTVISION_PALETTE = np.array(
    [[0.00, 0.06, 0.02], [0.08, 0.36, 0.10], [0.35, 0.80, 0.30], [0.80, 1.00, 0.70]],
    dtype=np.float32,
)
_SCANLINES = ((_ROW_INDEX // 2) % 2).astype(np.float32)


def render_nightvision(photo: np.ndarray) -> np.ndarray:
    """Green night-vision image: a green ramp of relative brightness, scan lines."""
    image = _to_float(photo)
    green = _ramp(_NIGHTVISION_PALETTE, _stretched_luminance(image))
    return _to_uint8(green * (1.0 - 0.15 * _SCANLINES[..., None]))


# Examples of the non-photo extra tasks, from their generators.
_EXTRA_EXAMPLES = {
    "toy_maps2aerial": _aerial_example,
    "toy_labels2night": _night_example,
    "toy_labels2facade": _facade_example,
    "toy_edges2canvas": _canvas_example,
}


# Renderers of the photo-input paired tasks: the same photo goes through any.
PHOTO_RENDERERS = {
    "toy_photo2warm": render_warm,
    "toy_photo2cool": render_cool,
    "toy_photo2sketch": render_sketch,
    "toy_photo2nightvision": render_nightvision,
}


def _photo_example(task_name: str, rng: np.random.Generator) -> dict[str, np.ndarray]:
    photo = make_photo(rng)
    return {"input": photo, "target": PHOTO_RENDERERS[task_name](photo)}


# ---------------------------------------------------------------------------
# Unpaired tasks: art domains A (rendered from photos of their own seeds)
# ---------------------------------------------------------------------------

_PAPER = np.array([0.95, 0.90, 0.80], dtype=np.float32)


def render_monet(photo: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Soft pastel impressionist painting: washed-out colour and random brush dabs."""
    image = _to_float(photo)
    pastel = 0.6 * image + 0.4 * _PAPER
    # Lift greens and violets, the palette of Monet's gardens and water.
    pastel = pastel * np.array([0.95, 1.05, 1.08], dtype=np.float32)
    # Dabs: coarse random noise (mostly brightness, a little colour) smeared along a
    # diagonal into short strokes, so it reads as brushwork rather than grain.
    brightness = rng.normal(0.0, 0.05, size=(16, 16, 1))
    tint = rng.normal(0.0, 0.02, size=(16, 16, 3))
    noise = np.kron(brightness + tint, np.ones((4, 4, 1)))
    strokes = sum(np.roll(noise, (k, 2 * k), axis=(0, 1)) for k in range(4)) / 4.0
    return _to_uint8(pastel + strokes.astype(np.float32))


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
    image = _to_float(photo)
    # Squared distance to each palette colour up to a per-pixel constant, as a matmul.
    index = ((_UKIYOE_PALETTE**2).sum(-1) - 2.0 * image @ _UKIYOE_PALETTE.T).argmin(-1)
    print_image = _UKIYOE_PALETTE[index]
    print_image = np.where(_boundary(index)[..., None], _UKIYOE_PALETTE[-1], print_image)
    fibres = rng.normal(0.0, 0.015, size=(NATIVE_SIZE, 1, 1)).astype(np.float32)
    return _to_uint8(print_image + fibres)


_ART_RENDERERS = {"toy_photo2monet": render_monet, "toy_photo2ukiyoe": render_ukiyoe}


# ---------------------------------------------------------------------------
# Public example API (pure NumPy, used by the builder and by tests)
# ---------------------------------------------------------------------------


def example_rng(task_name: str, split: str, index: int) -> np.random.Generator:
    """The generator that draws example `index` of `split` of `task_name`."""
    return np.random.default_rng([_TASK_SEEDS[task_name], _SPLIT_IDS[split], index])


def split_sizes(task_name: str) -> dict[str, int]:
    if task_name in TOY10_TASKS:
        return dict(PAIRED_SPLIT_SIZES)
    if task_name in UNPAIRED_TASKS:
        return dict(UNPAIRED_SPLIT_SIZES)
    raise ValueError(f"Unknown built-in task {task_name!r}; known: {sorted(_TASK_SEEDS)}")


def make_example(task_name: str, split: str, index: int) -> dict:
    """Example `index` of `split`, exactly as the TFDS builder stores it.

    Paired tasks: {'input', 'target'}, uint8 [64, 64, 3]. Unpaired tasks:
    {'image': uint8 [64, 64, 3], 'label': 0 for A (art) or 1 for B (photo)}.
    """
    sizes = split_sizes(task_name)
    if split not in sizes:
        raise ValueError(f"{task_name!r} has splits {sorted(sizes)}, not {split!r}")
    if not 0 <= index < sizes[split]:
        raise IndexError(f"index {index} out of range for {task_name!r}/{split}")
    rng = example_rng(task_name, split, index)
    if task_name == "toy_labels2street":
        return _street_example(rng)
    if task_name == "toy_edges2bags":
        return _bag_example(rng)
    if task_name in PHOTO_RENDERERS:
        return _photo_example(task_name, rng)
    if task_name in _EXTRA_EXAMPLES:
        return _EXTRA_EXAMPLES[task_name](rng)
    photo = make_photo(rng)
    if split.endswith("B"):
        return {"image": photo, "label": 1}
    return {"image": _ART_RENDERERS[task_name](photo, rng), "label": 0}


# ---------------------------------------------------------------------------
# TFDS builder
# ---------------------------------------------------------------------------


@dataclasses.dataclass
class BuiltinTaskConfig(tfds.core.BuilderConfig):
    """One built-in task; `paired` selects the pix2pix or the cycle_gan layout."""

    paired: bool = True


class BuiltinTasks(tfds.core.GeneratorBasedBuilder):
    """Toy paired and unpaired image-to-image tasks, generated locally from seeds."""

    VERSION = tfds.core.Version("1.1.0")
    # Nothing is downloaded, so there is no checksums file to find. Saying so also
    # skips TFDS's search of this module's folder for one, which on TFDS 4.9.10 with
    # Python >= 3.9 imports `importlib_resources`, a package TFDS does not declare.
    _checksums_path = None
    RELEASE_NOTES = {
        "1.0.0": "Initial release.",
        "1.1.0": "toy_photo2warm and toy_photo2cool map brightness, stretched per image, "
        "through smooth colour ramps (were posterised levels), with soft outlines.",
    }
    BUILDER_CONFIGS = [
        BuiltinTaskConfig(name=name, description=DESCRIPTIONS[name], paired=True)
        for name in TOY10_TASKS
    ] + [
        BuiltinTaskConfig(name=name, description=DESCRIPTIONS[name], paired=False)
        for name in UNPAIRED_TASKS
    ]

    def _info(self) -> tfds.core.DatasetInfo:
        image = tfds.features.Image(shape=(NATIVE_SIZE, NATIVE_SIZE, 3))
        if self.builder_config.paired:
            features = {"input": image, "target": image}
            supervised_keys = ("input", "target")
        else:
            # Same layout as cycle_gan/*2photo, so one loader reads both.
            features = {"image": image, "label": tfds.features.ClassLabel(names=["A", "B"])}
            supervised_keys = ("image", "label")
        return tfds.core.DatasetInfo(
            builder=self,
            description=__doc__,
            features=tfds.features.FeaturesDict(features),
            supervised_keys=supervised_keys,
        )

    def _split_generators(self, dl_manager):
        del dl_manager  # Everything is generated from seeds; nothing to download.
        return {
            split: self._generate_examples(split, size)
            for split, size in split_sizes(self.builder_config.name).items()
        }

    def _generate_examples(self, split, size):
        for index in range(size):
            yield index, make_example(self.builder_config.name, split, index)


def prepare(task_name: str, data_dir: str | None = None) -> tfds.core.DatasetBuilder:
    """Generate (once; later calls reuse TFDS's cache) and return one task's builder.

    Use `builder.as_dataset(split=...)` on the result.
    """
    split_sizes(task_name)  # a clear error for an unknown name
    builder = BuiltinTasks(config=task_name, data_dir=data_dir)
    builder.download_and_prepare()
    return builder
