"""The layouts of a user's own image folder, read from the folder's subfolders.

Three layouts are recognised (`detect_layout`):

- pix2pix layout (`PIX2PIX_LAYOUT`): `train/` and `test/` (or `val/`), each image one
  A|B pair side by side (width = 2 x height), A on the left. Paired.
- A/B layout (`AB_LAYOUT`): the two sides of every pair as separate images, matched
  by file name without its suffix (`A/train/0001.jpg` with `B/train/0001.png`), the
  split folders either below the sides (`A/train/ A/test/ B/train/ B/test/`) or
  above them (`train/A/ train/B/ test/A/ test/B/`). Paired.
- CycleGAN layout (`CYCLEGAN_LAYOUT`): `trainA/ trainB/ testA/ testB/`. Unpaired.

Only the files directly inside those folders count (no subfolders); hidden files
(`.DS_Store`, `._x.jpg`) are ignored. A folder in none of the layouts, or with a
missing or empty split folder, is a `DatasetError` whose message says which layout
to use. This module reads names only, never an image, and imports nothing heavy:
`--tasks` is parsed (and a folder's layout detected) before TensorFlow is imported.
`user_folders.py` reads the images of a detected layout.
"""

from __future__ import annotations

import os

from datasets.errors import DatasetError

PIX2PIX_LAYOUT, CYCLEGAN_LAYOUT, AB_LAYOUT = "pix2pix", "cyclegan", "ab"
PAIRED_LAYOUTS = (PIX2PIX_LAYOUT, AB_LAYOUT)
_CYCLEGAN_FOLDERS = ("trainA", "trainB", "testA", "testB")
_SIDES = ("A", "B")


def visible_files(folder: str) -> list[str]:
    """Sorted names of the non-hidden regular files directly inside `folder`."""
    with os.scandir(folder) as entries:
        return sorted(
            entry.name
            for entry in entries
            if not entry.name.startswith(".") and entry.is_file()
        )


def _subfolders(folder: str) -> set[str]:
    return {entry for entry in os.listdir(folder) if os.path.isdir(os.path.join(folder, entry))}


def _sides_below_splits(folder: str) -> bool:
    """Whether an A/B-layout folder keeps its sides inside the split folders (train/A/)."""
    return not {"A", "B"} <= _subfolders(folder)


def _split_names(root: str) -> dict[str, str]:
    """TFDS split name -> split folder name, for split folders found in `root`."""
    names = _subfolders(root) if os.path.isdir(root) else set()
    splits = {"train": "train", "test": "test" if "test" in names else "val"}
    if "val" in names:
        splits["val"] = "val"
    return splits


def split_folders(folder: str, layout: str) -> dict[str, object]:
    """TFDS split name -> the subfolder it is read from (for the A/B layout, the pair
    of subfolders (A side, B side))."""
    if layout == CYCLEGAN_LAYOUT:
        return {split: os.path.join(folder, split) for split in _CYCLEGAN_FOLDERS}
    if layout == AB_LAYOUT:
        if _sides_below_splits(folder):
            return {
                split: tuple(os.path.join(folder, name, side) for side in _SIDES)
                for split, name in _split_names(folder).items()
            }
        return {
            split: tuple(os.path.join(folder, side, name) for side in _SIDES)
            for split, name in _split_names(os.path.join(folder, "A")).items()
        }
    return {split: os.path.join(folder, name) for split, name in _split_names(folder).items()}


def _is_ab_layout(folder: str, subfolders: set[str]) -> bool:
    if {"A", "B"} <= subfolders:
        return True
    return "train" in subfolders and {"A", "B"} <= _subfolders(os.path.join(folder, "train"))


def _check_ab_folders(folder: str) -> None:
    """Every side and split folder of the A/B layout is there."""
    below = _sides_below_splits(folder)
    roots = [folder] if below else [os.path.join(folder, side) for side in _SIDES]
    for root in roots:
        names = _subfolders(root)
        if "train" not in names or not {"test", "val"} & names:
            raise DatasetError(
                f"Folder {root} needs train/ and test/ (or val/) for the A/B layout, "
                f"which keeps pairs as A/train/NAME and B/train/NAME (or train/A/NAME and "
                "train/B/NAME)."
            )
    if below:
        for name in _split_names(folder).values():
            split_folder = os.path.join(folder, name)
            missing = [side + "/" for side in _SIDES if not os.path.isdir(os.path.join(split_folder, side))]
            if missing:
                raise DatasetError(
                    f"Folder {split_folder} has no {' '.join(missing)}; in the A/B layout every "
                    "split folder holds A/ and B/."
                )


def pair_names(folder_a: str, folder_b: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(the (A file, B file) pairs whose names match without suffix, sorted; the files
    of either side with no partner, as `A/name` or `B/name`)."""
    by_stem = []
    for side_folder in (folder_a, folder_b):
        stems = {}
        for name in visible_files(side_folder):
            stems.setdefault(os.path.splitext(name)[0], name)
        by_stem.append(stems)
    stems_a, stems_b = by_stem
    pairs = [(stems_a[stem], stems_b[stem]) for stem in sorted(stems_a.keys() & stems_b.keys())]
    strays = [f"A/{stems_a[stem]}" for stem in sorted(stems_a.keys() - stems_b.keys())]
    strays += [f"B/{stems_b[stem]}" for stem in sorted(stems_b.keys() - stems_a.keys())]
    return pairs, strays


def detect_layout(folder: str) -> str:
    """`"pix2pix"`, `"ab"` or `"cyclegan"`: the layout of `folder`, from its subfolders.

    Raises:
        DatasetError: the folder is missing, is a file, matches neither layout, or
            one of its split folders holds no files.
    """
    if not os.path.exists(folder):
        raise DatasetError(f"Folder {folder} does not exist.")
    if not os.path.isdir(folder):
        raise DatasetError(
            f"{folder} is a file, not a folder in the pix2pix or CycleGAN layout."
        )
    subfolders = _subfolders(folder)
    if _is_ab_layout(folder, subfolders):
        layout = AB_LAYOUT
        _check_ab_folders(folder)
    elif {"trainA", "trainB"} & subfolders:
        layout = CYCLEGAN_LAYOUT
        missing = [name + "/" for name in _CYCLEGAN_FOLDERS if name not in subfolders]
        if missing:
            raise DatasetError(
                f"Folder {folder} looks like the CycleGAN layout but has no "
                f"{' '.join(missing)}; it needs trainA/ trainB/ testA/ testB/."
            )
    elif "train" in subfolders:
        layout = PIX2PIX_LAYOUT
        if not {"test", "val"} & subfolders:
            raise DatasetError(
                f"Folder {folder} has train/ but neither test/ nor val/; the pix2pix "
                "layout needs both, for training and for evaluation."
            )
    else:
        contents = ", ".join(sorted(os.listdir(folder))[:8]) or "nothing"
        raise DatasetError(
            f"Folder {folder} is in none of the layouts (it contains {contents}); use "
            "train/ and test/ (or val/) with A|B pairs side by side, A/ and B/ with "
            "train/ and test/ holding pairs by file name, or trainA/ trainB/ testA/ "
            "testB/ for unpaired images."
        )
    for split_folder in split_folders(folder, layout).values():
        for side_folder in split_folder if layout == AB_LAYOUT else (split_folder,):
            if not visible_files(side_folder):
                raise DatasetError(f"Folder {side_folder} contains no images.")
    if layout == AB_LAYOUT:
        for split_folder in split_folders(folder, layout).values():
            if not pair_names(*split_folder)[0]:
                raise DatasetError(
                    f"Folders {split_folder[0]} and {split_folder[1]} share no file name, so "
                    "no image has a partner; the A/B layout pairs A/NAME.jpg with B/NAME.jpg."
                )
    return layout
