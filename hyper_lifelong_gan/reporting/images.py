"""Images in [-1, 1] as 8-bit pixels, PNG files and input | output | target grids."""

import numpy as np
from PIL import Image, ImageDraw, ImageFont

# Image grid layout, in pixels.
GRID_PADDING = 2
GRID_HEADER_HEIGHT = 20
GRID_COLUMNS = ("input", "output", "target")
MISSING_COLOUR = (200, 200, 200)
BACKGROUND = (255, 255, 255)
TEXT_COLOUR = (0, 0, 0)


def to_uint8(image):
    """A [-1, 1] float image as uint8 pixels: clipped, then (x + 1) * 127.5 rounded to
    the nearest integer (ties to even); the project's one rounding to 8 bits."""
    image = np.asarray(image, dtype=np.float32)
    return np.rint((np.clip(image, -1.0, 1.0) + 1.0) * 127.5).astype(np.uint8)


def save_png(path, image):
    """Writes a [-1, 1] image [H, W, 3] as an 8-bit PNG."""
    Image.fromarray(to_uint8(image)).save(path, format="PNG")


def _font(size):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow without FreeType: the fixed bitmap font.
        return ImageFont.load_default()


def _fit_text(draw, text, font, max_width):
    """`text`, shortened with '..' until it fits in `max_width` pixels."""
    if draw.textlength(text, font=font) <= max_width:
        return text
    while text and draw.textlength(text + "..", font=font) > max_width:
        text = text[:-1]
    return text + ".."


def _grid_image_shape(rows):
    if not rows:
        raise ValueError("An image grid needs at least one row.")
    shapes = {np.shape(image) for row in rows for image in row if image is not None}
    if len(shapes) != 1:
        raise ValueError(f"All images of a grid must have one shape; got {shapes}.")
    shape = shapes.pop()
    if len(shape) != 3 or shape[2] != 3:
        raise ValueError(f"Images must be [H, W, 3]; got {shape}.")
    if any(len(row) != len(GRID_COLUMNS) for row in rows):
        raise ValueError("Each grid row is (input, output, target).")
    return shape[:2]


def image_grid_array(rows):
    """A uint8 array [height, width, 3] of the grid `save_image_grid_png` writes.

    Each row (input | output | target) holds three [H, W, 3] images in [-1, 1];
    a None image (e.g. no ground truth for an unpaired task) is drawn grey. Cells
    are separated by GRID_PADDING white pixels, under a header of column names
    GRID_HEADER_HEIGHT pixels tall, so the grid is
    (3 W + 4 p) wide and (header + N H + (N + 1) p) tall.
    """
    height, width = _grid_image_shape(rows)
    pad = GRID_PADDING
    grid_width = len(GRID_COLUMNS) * width + (len(GRID_COLUMNS) + 1) * pad
    grid_height = GRID_HEADER_HEIGHT + len(rows) * height + (len(rows) + 1) * pad
    image = Image.new("RGB", (grid_width, grid_height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    font = _font(12)
    for column, name in enumerate(GRID_COLUMNS):
        centre = pad + column * (width + pad) + width / 2
        label = _fit_text(draw, name, font, width - 2)
        draw.text((centre, GRID_HEADER_HEIGHT / 2), label, fill=TEXT_COLOUR, font=font, anchor="mm")
    for index, row in enumerate(rows):
        top = GRID_HEADER_HEIGHT + pad + index * (height + pad)
        for column, cell in enumerate(row):
            left = pad + column * (width + pad)
            if cell is None:
                tile = Image.new("RGB", (width, height), MISSING_COLOUR)
            else:
                tile = Image.fromarray(to_uint8(cell))
            image.paste(tile, (left, top))
    return np.asarray(image)


def save_image_grid_png(path, rows):
    """Saves rows of (input, output, target) images in [-1, 1] as one PNG grid.

    See `image_grid_array` for the layout; a task's grid shows its test inputs,
    the generator's outputs and the ground truth side by side.
    """
    Image.fromarray(image_grid_array(rows)).save(path, format="PNG")
