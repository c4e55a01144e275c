"""A user's own image folders as a TFDS builder: `user_folders/<layout>_<fingerprint>`.

Three layouts are recognised (`layout.detect_layout`):

- pix2pix layout: `train/` and `test/` (or `val/`), each image one A|B pair side by
  side (width = 2 x height), A on the left. Paired; features `image_a`, `image_b`,
  `file_name` exactly as `pix2pix.Pix2pix`, with splits `train`, `test` (from test/,
  else val/) and `val` where val/ exists.
- A/B layout: the two sides of every pair as separate images, matched by file name
  without its suffix (`A/train/0001.jpg` with `B/train/0001.png`), the split folders
  either below the sides (`A/train/ A/test/ B/train/ B/test/`) or above them
  (`train/A/ train/B/ test/A/ test/B/`). Paired, with the same features and splits
  as the pix2pix layout; names found on one side only are left out and listed in a
  warning.
- CycleGAN layout: `trainA/ trainB/ testA/ testB/`. Unpaired; features `image`,
  `label` (A or B), `file_name`, splits trainA / trainB / testA / testB, like TFDS'
  `cycle_gan`.

Only the files directly inside those folders are read (no subfolders); hidden files
(`.DS_Store`, `._x.jpg`) are ignored.

Why a TFDS builder and not a plain `tf.data` reader: every image is checked once,
when the folder is first prepared (decoded fully with PIL, so a truncated file is
caught, converted to RGB, a pair cut in two with the same code as the pix2pix
archives), and the result is cached as TFRecords under
`<data_dir>/user_folders/`. Later runs read the cache at full `tf.data` speed
without re-checking, and the pipeline reads user folders and the real datasets
through one code path. The config name carries a fingerprint of the folder (path,
file names, sizes, modification times), so adding, removing or editing an image
prepares it afresh; old caches stay until deleted.

Bad input gets one sentence (`errors.DatasetError`), never a traceback:
- missing folder, a path that is not a folder, a folder in neither layout, a split
  folder without files: refused when `--tasks` is parsed;
- a file that is not an image or is truncated: skipped, and a warning says how many
  of how many and which (see `images.SkippedFiles` for why skip rather than
  refuse); a split where nothing is readable is refused;
- a pix2pix-layout image whose width is not twice its height: refused, naming the
  file (a wrong layout is not a stray file, and guessing the split would train on
  garbage);
- grayscale, palette and RGBA images: converted to RGB (alpha over white).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os

import tensorflow_datasets as tfds
from etils import epath

from datasets.errors import DatasetError
from datasets.images import SkippedFiles, UnreadableImageError, decode_rgb, encode_image, read_pair
from datasets.layout import (
    AB_LAYOUT,
    PIX2PIX_LAYOUT,
    detect_layout,
    pair_names,
    split_folders,
    visible_files,
)

_MAX_NAMES_IN_REPORT = 10


def fingerprint(folder: str, layout: str) -> str:
    """A short hash of what the builder would read: changes when any image does."""
    digest = hashlib.sha256(f"{os.path.abspath(folder)}\n{layout}\n".encode())
    for split, split_folder in sorted(split_folders(folder, layout).items()):
        for side_folder in split_folder if layout == AB_LAYOUT else (split_folder,):
            for name in visible_files(side_folder):
                stat = os.stat(os.path.join(side_folder, name))
                digest.update(
                    f"{split}/{side_folder}/{name}\t{stat.st_size}\t{stat.st_mtime_ns}\n".encode()
                )
    return digest.hexdigest()[:16]


@dataclasses.dataclass
class UserFolderConfig(tfds.core.BuilderConfig):
    """One user folder.

    Attributes:
        folder: absolute path of the folder.
        layout: `"pix2pix"`, `"cyclegan"` or `"ab"`.
    """

    folder: str = ""
    layout: str = PIX2PIX_LAYOUT


class UserFolders(tfds.core.GeneratorBasedBuilder):
    """A user's own folder of images, in the pix2pix, A/B or CycleGAN layout."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Initial release."}

    def _info(self) -> tfds.core.DatasetInfo:
        image = tfds.features.Image(shape=(None, None, 3))
        if self.builder_config.layout in (PIX2PIX_LAYOUT, AB_LAYOUT):
            features = {"image_a": image, "image_b": image, "file_name": tfds.features.Text()}
        else:
            features = {
                "image": image,
                "label": tfds.features.ClassLabel(names=["A", "B"]),
                "file_name": tfds.features.Text(),
            }
        return tfds.core.DatasetInfo(
            builder=self,
            description=f"Images of the folder {self.builder_config.folder}.",
            features=tfds.features.FeaturesDict(features),
        )

    def _split_generators(self, dl_manager):
        del dl_manager  # Everything is local.
        config = self.builder_config
        return {
            # A CycleGAN split's last letter is its domain (trainA -> A).
            split: self._generate_examples(split_folder, split[-1])
            for split, split_folder in split_folders(config.folder, config.layout).items()
        }

    def _generate_examples(self, split_folder, domain):
        if self.builder_config.layout == AB_LAYOUT:
            yield from self._generate_pairs(*split_folder)
            return
        paired = self.builder_config.layout == PIX2PIX_LAYOUT
        names = visible_files(split_folder)
        skipped = SkippedFiles(split_folder)
        kept = 0
        for name in names:
            path = epath.Path(split_folder) / name
            data = path.read_bytes()
            try:
                if paired:
                    image_a, image_b = read_pair(data, str(path))
                    example = {"image_a": image_a, "image_b": image_b, "file_name": name}
                else:
                    image, source_format = decode_rgb(data)
                    example = {
                        "image": encode_image(image, source_format),
                        "label": domain,
                        "file_name": name,
                    }
            except UnreadableImageError as err:
                skipped.add(name, str(err))
                continue
            kept += 1
            yield name, example
        skipped.finish(len(names), kept)

    def _generate_pairs(self, folder_a, folder_b):
        pairs, strays = pair_names(folder_a, folder_b)
        if strays:
            shown = ", ".join(strays[:_MAX_NAMES_IN_REPORT])
            more = len(strays) - _MAX_NAMES_IN_REPORT
            logging.getLogger(__name__).warning(
                f"Left out {len(strays)} images of {os.path.dirname(folder_a)} and "
                f"{os.path.dirname(folder_b)} whose name has no partner on the other side: "
                f"{shown}{f' and {more} more' if more > 0 else ''}."
            )
        skipped = SkippedFiles(f"{folder_a} and {folder_b}")
        kept = 0
        for name_a, name_b in pairs:
            halves = []
            try:
                for side_folder, name in ((folder_a, name_a), (folder_b, name_b)):
                    image, source_format = decode_rgb(epath.Path(side_folder, name).read_bytes())
                    halves.append(encode_image(image, source_format))
            except UnreadableImageError as err:
                skipped.add(os.path.join(os.path.basename(side_folder), name), str(err))
                continue
            kept += 1
            yield name_a, {"image_a": halves[0], "image_b": halves[1], "file_name": name_a}
        skipped.finish(len(pairs), kept)


def prepare(folder: str, layout: str, data_dir: str | None = None) -> UserFolders:
    """Check and cache `folder` (once per content), and return its prepared builder.

    Raises:
        DatasetError: see the module docstring.
    """
    folder = os.path.abspath(folder)
    detected = detect_layout(folder)
    if detected != layout:
        raise DatasetError(
            f"Folder {folder} is now in the {detected} layout, not the {layout} layout it "
            "had when the task was defined."
        )
    config = UserFolderConfig(
        name=f"{layout}_{fingerprint(folder, layout)}",
        description=f"{layout} layout at {folder}",
        folder=folder,
        layout=layout,
    )
    builder = UserFolders(config=config, data_dir=data_dir)
    builder.download_and_prepare()
    return builder
