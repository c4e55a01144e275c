"""Small data in the real formats, for the dataset tests.

Archives are written exactly like the pix2pix authors' (`<name>.tar.gz` with a top
folder `<name>/`, split folders, one JPEG per A|B pair side by side); folders like a
user's in the pix2pix or CycleGAN layout. Default pairs are solid red on the left
(A) and solid blue on the right (B), so a test sees at a glance which side a
pipeline hands out as input.
"""

from __future__ import annotations

import atexit
import functools
import io
import shutil
import tarfile
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

RED = (255, 0, 0)
BLUE = (0, 0, 255)
# Split folders of the authors' archives (see datasets/pix2pix.py).
ARCHIVE_FOLDERS = {
    "cityscapes": ("train", "val"),
    "maps": ("train", "val"),
    "facades": ("train", "val", "test"),
    "edges2handbags": ("train", "val"),
    "edges2shoes": ("train", "val"),
    "night2day": ("train", "val", "test"),
}
# Examples per split folder in the small archives.
FOLDER_COUNTS = {"train": 3, "val": 2, "test": 2}


def image_bytes(array: np.ndarray, image_format: str = "JPEG", mode: str | None = None) -> bytes:
    """Encode a uint8 array (H, W[, C]) as JPEG/PNG, optionally converted to `mode`."""
    image = Image.fromarray(array)
    if mode is not None:
        image = image.convert(mode)
    buffer = io.BytesIO()
    if image_format == "JPEG":
        image.save(buffer, format="JPEG", quality=95, subsampling=0)
    else:
        image.save(buffer, format=image_format)
    return buffer.getvalue()


def solid(height: int, width: int, colour) -> np.ndarray:
    return np.broadcast_to(np.asarray(colour, np.uint8), (height, width, 3)).copy()


def pair_array(height: int = 16, left=RED, right=BLUE) -> np.ndarray:
    """An A|B pair side by side: `left` on the left half, `right` on the right."""
    return np.concatenate([solid(height, height, left), solid(height, height, right)], axis=1)


def gradient_pair_array(height: int = 16) -> np.ndarray:
    """A pair whose halves are the same asymmetric picture (dark left, bright right)."""
    ramp = np.linspace(0, 255, height).astype(np.uint8)
    half = np.stack([np.tile(ramp, (height, 1))] * 3, axis=-1)
    half[: height // 4, :, 1] = 255  # a band at the top breaks the vertical symmetry
    return np.concatenate([half, half], axis=1)


def write_pix2pix_archive(
    directory,
    name: str,
    folders=None,
    counts=None,
    pair=None,
    top_folder: bool = True,
) -> Path:
    """Write `<directory>/<name>.tar.gz` in the authors' layout and return its path.

    Args:
        folders: split folders; default: the real archive's.
        counts: images per folder; default `FOLDER_COUNTS`.
        pair: uint8 array of every pair; default red | blue, 16 px high.
        top_folder: put everything under `<name>/`, as the authors' archives do.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    folders = folders or ARCHIVE_FOLDERS[name]
    counts = counts or FOLDER_COUNTS
    data = image_bytes(pair_array() if pair is None else pair)
    path = directory / f"{name}.tar.gz"
    prefix = f"{name}/" if top_folder else ""
    with tarfile.open(path, "w:gz") as archive:
        if top_folder:
            _add_folder(archive, name)
        for folder in folders:
            _add_folder(archive, prefix + folder)
            for index in range(counts[folder]):
                _add_file(archive, f"{prefix}{folder}/{index + 1}.jpg", data)
    return path


def _add_folder(archive: tarfile.TarFile, name: str) -> None:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    info.mode = 0o755
    archive.addfile(info)


def _add_file(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    archive.addfile(info, io.BytesIO(data))


def write_pix2pix_folder(root, folders=("train", "test"), counts=None, pair=None) -> Path:
    """A user's folder in the pix2pix layout (one JPEG per pair in each split folder)."""
    root = Path(root)
    counts = counts or FOLDER_COUNTS
    data = image_bytes(pair_array() if pair is None else pair)
    for folder in folders:
        (root / folder).mkdir(parents=True, exist_ok=True)
        for index in range(counts[folder]):
            (root / folder / f"{index + 1}.jpg").write_bytes(data)
    return root


def write_cyclegan_folder(root, counts=None, colour_a=RED, colour_b=BLUE, size: int = 16) -> Path:
    """A folder in the CycleGAN layout: solid `colour_a` images in trainA/ testA/, etc."""
    root = Path(root)
    counts = counts or {"trainA": 3, "trainB": 4, "testA": 2, "testB": 3}
    for folder, count in counts.items():
        colour = colour_a if folder.endswith("A") else colour_b
        (root / folder).mkdir(parents=True, exist_ok=True)
        for index in range(count):
            (root / folder / f"{index + 1}.jpg").write_bytes(image_bytes(solid(size, size, colour)))
    return root


def write_ab_folder(root, sides_below_splits=False, counts=None, colour_a=RED, colour_b=BLUE) -> Path:
    """A folder in the A/B layout: solid `colour_a` images under A/, `colour_b` under
    B/, with matching names (`1.jpg` in A, `1.png` in B: the suffix may differ).

    The split folders are below the sides (A/train/) or, with `sides_below_splits`,
    above them (train/A/).
    """
    root = Path(root)
    counts = counts or {"train": 3, "test": 2}
    for split, count in counts.items():
        for side, colour, image_format in (("A", colour_a, "JPEG"), ("B", colour_b, "PNG")):
            folder = root / split / side if sides_below_splits else root / side / split
            folder.mkdir(parents=True, exist_ok=True)
            suffix = ".jpg" if image_format == "JPEG" else ".png"
            for index in range(count):
                data = image_bytes(solid(16, 16, colour), image_format)
                (folder / f"{index + 1}{suffix}").write_bytes(data)
    return root


def _temporary_directory(prefix: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


@functools.lru_cache(maxsize=None)
def pix2pix_data_dir() -> str:
    """A TFDS data_dir whose manual folder holds a small red|blue archive per config.

    Shared by the test modules (built once per session): the builder reads the
    archives placed by hand, so no test needs the network.
    """
    data_dir = _temporary_directory("pix2pix_tfds_")
    for name in ARCHIVE_FOLDERS:
        write_pix2pix_archive(data_dir / "downloads" / "manual", name)
    return str(data_dir)
