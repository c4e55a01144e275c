"""Tests of image decoding for the builders (datasets/images.py)."""

import io

import datasets_fixtures as fixtures
import numpy as np
import pytest
from PIL import Image

from datasets import images


def _decode(data):
    image, _ = images.decode_rgb(data)
    return np.asarray(image)


def test_decode_rgb_converts_grayscale_palette_and_alpha():
    gray = np.full((4, 4), 128, np.uint8)
    assert _decode(fixtures.image_bytes(gray, "PNG")).tolist() == np.full((4, 4, 3), 128).tolist()
    rgba = np.zeros((4, 4, 4), np.uint8)  # fully transparent black
    assert (_decode(fixtures.image_bytes(rgba, "PNG")) == 255).all()  # over white paper
    palette = fixtures.image_bytes(fixtures.solid(4, 4, fixtures.RED), "PNG", mode="P")
    assert _decode(palette)[0, 0].tolist() == list(fixtures.RED)


def test_decode_rgb_rejects_text_and_truncated_files():
    with pytest.raises(images.UnreadableImageError, match="not an image"):
        images.decode_rgb(b"just some notes")
    jpeg = fixtures.image_bytes(fixtures.pair_array(64))
    with pytest.raises(images.UnreadableImageError, match="truncated or corrupt"):
        images.decode_rgb(jpeg[: len(jpeg) // 2])


def test_read_pair_keeps_png_lossless():
    pair = fixtures.pair_array(8, left=(10, 20, 30), right=(40, 50, 60))
    left, right = images.read_pair(fixtures.image_bytes(pair, "PNG"), "x.png")
    assert Image.open(io.BytesIO(left)).format == "PNG"
    assert np.asarray(Image.open(io.BytesIO(right)))[0, 0].tolist() == [40, 50, 60]
