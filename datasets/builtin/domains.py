"""Input domains of the built-in toy tasks: what a task's inputs are drawn from.

Tasks that share an input domain see images from the same distribution (each from
its own seeds), so a method must keep several mappings of one input apart.
"""

from __future__ import annotations

import numpy as np

from datasets.builtin.drawing import (
    NATIVE_SIZE,
    box_distance,
    ellipse_distance,
    pixel_grid,
    random_colour,
    soft_mask,
    to_uint8,
    window_around,
)


def make_photo(rng: np.random.Generator) -> np.ndarray:
    """A synthetic "photo": sky/ground gradient, soft light blobs, shaded shapes.

    The shared input domain of toy_photo2warm and toy_photo2cool and the photo
    side (B) of both unpaired tasks. Returns uint8 [64, 64, 3].
    """
    # Background and light blobs vary along one axis or are separable, so they are
    # computed on a row and a column and broadcast: generation stays fast.
    grid_rows, grid_cols = pixel_grid()
    rows = grid_rows[:, :1]
    cols = grid_cols[:1, :]
    horizon = rng.uniform(18, 46)
    sky_top, sky_bottom = random_colour(rng), random_colour(rng)
    ground_top, ground_bottom = random_colour(rng), random_colour(rng)
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
            window = window_around(centre_row, centre_col, max(radius_row, radius_col))
            distance = ellipse_distance(
                centre_row, centre_col, radius_row, radius_col, angle, window
            )
        else:
            half_height, half_width = rng.uniform(3, 12), rng.uniform(3, 12)
            window = window_around(centre_row, centre_col, np.hypot(half_height, half_width))
            distance = box_distance(
                centre_row, centre_col, half_height, half_width, angle, window=window
            )
        # A linear shading across the shape makes it read as a lit object.
        shade_angle = rng.uniform(0, 2 * np.pi)
        shading = 1.0 + 0.015 * (
            (grid_cols[window] - centre_col) * np.cos(shade_angle)
            + (grid_rows[window] - centre_row) * np.sin(shade_angle)
        )
        colour = random_colour(rng) * shading[..., None]
        coverage = soft_mask(distance)
        image[window] += (colour - image[window]) * coverage
    return to_uint8(image)


# Cityscapes colours for the label maps, so they look like the real task's inputs.
STREET_CLASSES = ("sky", "building", "road", "vegetation", "car")
STREET_LABEL_COLOURS = np.array(
    [[70, 130, 180], [70, 70, 70], [128, 64, 128], [107, 142, 35], [0, 0, 142]],
    dtype=np.uint8,
)
SKY, BUILDING, ROAD, VEGETATION, CAR = range(5)


def make_street_layout(rng: np.random.Generator) -> np.ndarray:
    """A class-index map [64, 64]: skyline over a road, trees and cars."""
    horizon = int(rng.integers(24, 38))
    classes = np.full((NATIVE_SIZE, NATIVE_SIZE), SKY, dtype=np.int32)
    classes[horizon:] = ROAD
    col = int(rng.integers(-6, 2))
    while col < NATIVE_SIZE:
        width = int(rng.integers(7, 20))
        if rng.uniform() < 0.8:  # the rest are gaps in the skyline
            top = int(rng.integers(2, horizon - 6))
            classes[top:horizon, max(col, 0) : col + width] = BUILDING
        col += width + int(rng.integers(0, 4))
    for _ in range(rng.integers(0, 4)):
        tree = ellipse_distance(
            horizon - rng.uniform(2, 8),
            rng.uniform(0, NATIVE_SIZE),
            rng.uniform(4, 9),
            rng.uniform(4, 9),
            0.0,
        )
        classes[tree < 0] = VEGETATION
    for _ in range(rng.integers(1, 4)):
        half_height = rng.uniform(2.5, 5)
        car = box_distance(
            rng.uniform(horizon + half_height + 1, NATIVE_SIZE - half_height),
            rng.uniform(0, NATIVE_SIZE),
            half_height,
            half_height * rng.uniform(1.8, 2.6),
            corner=1.5,
        )
        classes[car < 0] = CAR
    return classes


def make_bag_shape(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Masks of a handbag (body plus strap) and of its inner seam lines."""
    half_width = rng.uniform(11, 22)
    half_height = rng.uniform(8, 14)
    centre_col = NATIVE_SIZE / 2 + rng.uniform(-4, 4)
    bottom = rng.uniform(50, 60)
    centre_row = bottom - half_height
    top = centre_row - half_height
    body = box_distance(centre_row, centre_col, half_height, half_width, corner=rng.uniform(1, 6))
    # Half an annulus on top of the body: a strap with a hole, like a handle.
    outer_radius = rng.uniform(8, min(16, top - 2))
    thickness = rng.uniform(3, 4.5)
    rows, cols = pixel_grid()
    radius = np.hypot(rows - top, cols - centre_col)
    strap = (np.abs(radius - (outer_radius - thickness / 2)) < thickness / 2) & (rows <= top)
    bag = (body < 0) | strap
    # A flap seam across the body; it lies inside the bag, so it is an interior edge.
    seams = np.zeros_like(bag)
    if rng.uniform() < 0.7:
        seam_row = int(top + rng.uniform(4, 1.2 * half_height))
        seams[seam_row] = body[seam_row] < -1.5
    return bag, seams


# Flat colours of a street map (OpenStreetMap-like), the inputs of toy_maps2aerial.
MAP_CLASSES = ("land", "water", "park", "road")
MAP_LABEL_COLOURS = np.array(
    [[236, 226, 204], [150, 195, 240], [170, 220, 150], [255, 255, 255]], dtype=np.uint8
)
LAND, WATER, PARK, MAP_ROAD = range(4)


def make_map_layout(rng: np.random.Generator) -> np.ndarray:
    """A class-index map [64, 64]: a lake or a river, parks, a few straight roads."""
    classes = np.full((NATIVE_SIZE, NATIVE_SIZE), LAND, dtype=np.int32)
    if rng.uniform() < 0.5:
        lake = ellipse_distance(
            rng.uniform(10, 54), rng.uniform(10, 54), rng.uniform(6, 14), rng.uniform(6, 14),
            rng.uniform(0, np.pi),
        )
    else:  # a river: a long thin box across the map
        lake = box_distance(
            rng.uniform(16, 48), rng.uniform(16, 48), rng.uniform(3, 6), 60.0, rng.uniform(0, np.pi)
        )
    classes[lake < 0] = WATER
    for _ in range(rng.integers(1, 4)):
        park = box_distance(
            rng.uniform(0, NATIVE_SIZE), rng.uniform(0, NATIVE_SIZE), rng.uniform(4, 10),
            rng.uniform(4, 10),
        )
        classes[(park < 0) & (classes == LAND)] = PARK
    for _ in range(rng.integers(2, 5)):  # roads cross everything, bridges included
        position, width = int(rng.integers(2, NATIVE_SIZE - 4)), int(rng.integers(2, 4))
        if rng.uniform() < 0.5:
            classes[position : position + width] = MAP_ROAD
        else:
            classes[:, position : position + width] = MAP_ROAD
    return classes


# Facade label maps (colours after the CMP facade labels of pix2pix's facades).
FACADE_CLASSES = ("wall", "window", "door", "cornice")
FACADE_LABEL_COLOURS = np.array(
    [[13, 61, 251], [0, 170, 255], [165, 0, 0], [255, 255, 0]], dtype=np.uint8
)
WALL, WINDOW, DOOR, CORNICE = range(4)


def make_facade_layout(rng: np.random.Generator) -> np.ndarray:
    """A class-index map [64, 64]: a wall with a cornice, a grid of windows, a door."""
    classes = np.full((NATIVE_SIZE, NATIVE_SIZE), WALL, dtype=np.int32)
    cornice_top = int(rng.integers(2, 8))
    classes[cornice_top : cornice_top + int(rng.integers(3, 6))] = CORNICE
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
                classes[int(top) :, cols] = DOOR
            else:
                classes[rows, cols] = WINDOW
    return classes
