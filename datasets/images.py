"""Image decoding for the builders: any image file to RGB, a side-by-side pair cut in two.

Shared by the pix2pix archives (`pix2pix.py`) and a user's folders
(`user_folders.py`), so that both store exactly the same halves: each file is
decoded fully with PIL (a truncated file is caught here, not later in TensorFlow),
converted to RGB, and a half is stored as JPEG (quality 95, no chroma subsampling)
when the source is lossy, as PNG otherwise. A file that is not a readable image is
an `UnreadableImageError`, which the builders skip and count (`SkippedFiles`).
"""

from __future__ import annotations

import io
import logging

from PIL import Image, ImageOps, UnidentifiedImageError

from datasets.errors import DatasetError

# Halves of JPEG pairs are re-encoded at this quality with 4:4:4 chroma, so label
# colours at region borders do not bleed.
JPEG_QUALITY = 95
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff")
_LOSSY_FORMATS = ("JPEG", "MPO", "WEBP")
_MAX_NAMES_IN_REPORT = 5

_logger = logging.getLogger(__name__)


class UnreadableImageError(Exception):
    """A file that PIL cannot decode (not an image, truncated, corrupt)."""


def decode_rgb(data: bytes):
    """A PIL RGB image from encoded bytes, and the source format (`"JPEG"`, `"PNG"`...).

    Grayscale and palette images are converted to RGB; images with an alpha channel
    are composited on white (a transparent background reads as paper, not black).
    EXIF rotation is applied, so the image is the way every viewer shows it.

    Raises:
        UnreadableImageError: `data` is not a complete image PIL can read.
    """
    try:
        with Image.open(io.BytesIO(data)) as opened:
            source_format = opened.format
            opened.load()  # a truncated file fails here, not later in TensorFlow
            image = ImageOps.exif_transpose(opened)
    except UnidentifiedImageError:
        raise UnreadableImageError("not an image") from None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as err:
        raise UnreadableImageError(f"truncated or corrupt: {err}") from None
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    if has_alpha:
        rgba = image.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(paper, rgba)
    if image.mode != "RGB":
        image = image.convert("RGB")
    return image, source_format


def encode_image(image, source_format: str | None) -> bytes:
    """JPEG (quality 95, 4:4:4) for lossy sources, PNG for lossless ones."""
    buffer = io.BytesIO()
    if source_format in _LOSSY_FORMATS:
        image.save(buffer, format="JPEG", quality=JPEG_QUALITY, subsampling=0)
    else:
        image.save(buffer, format="PNG")
    return buffer.getvalue()


def read_pair(data: bytes, where: str) -> tuple[bytes, bytes]:
    """The encoded left (A) and right (B) halves of a side-by-side pair.

    Raises:
        UnreadableImageError: `data` is not a readable image (the caller skips it).
        DatasetError: the image is not two squares side by side; this refuses the
            whole folder or archive, because it means a wrong layout (or direction
            files mixed in), not one damaged file.
    """
    image, source_format = decode_rgb(data)
    width, height = image.size
    if width != 2 * height:
        raise DatasetError(
            f"{where} is {width}x{height} pixels, but a pix2pix-layout image must be an "
            "A|B pair side by side (width = 2 x height); fix or remove it, or use the "
            "CycleGAN layout (trainA/ trainB/ testA/ testB/) for unpaired images."
        )
    left = image.crop((0, 0, height, height))
    right = image.crop((height, 0, width, height))
    return encode_image(left, source_format), encode_image(right, source_format)


def is_image_name(name: str) -> bool:
    """Whether a file name is a candidate image: not hidden, with an image suffix."""
    base = name.rsplit("/", 1)[-1]
    return not base.startswith(".") and base.lower().endswith(IMAGE_SUFFIXES)


class SkippedFiles:
    """Counts the unreadable files of one folder and reports them once, at the end.

    Decision: an unreadable or truncated file is skipped, not fatal. Real folders
    collect stray files (a `notes.txt`, a half-copied JPEG), and one of them should
    not stop a run over thousands of good images; what is used is always a decoded,
    valid image, and the warning names how many were skipped and which. A folder
    with nothing readable is an error.
    """

    def __init__(self, where: str):
        self.where = where
        self.reasons: dict[str, str] = {}

    def add(self, name: str, reason: str) -> None:
        self.reasons[name] = reason

    def message(self, total: int) -> str:
        reasons = list(self.reasons.items())[:_MAX_NAMES_IN_REPORT]
        shown = [f"{name} ({reason})" for name, reason in reasons]
        more = len(self.reasons) - len(shown)
        listing = ", ".join(shown) + (f" and {more} more" if more > 0 else "")
        return (
            f"Skipped {len(self.reasons)} of {total} files in {self.where} that are not "
            f"readable images: {listing}."
        )

    def finish(self, total: int, kept: int) -> None:
        """Warn about skipped files; raise if nothing was readable."""
        if kept == 0:
            if total == 0:
                raise DatasetError(f"{self.where} contains no images.")
            raise DatasetError(
                f"{self.where} contains no readable images: {self.message(total)}"
            )
        if self.reasons:
            _logger.warning(self.message(total))
