"""Download and build every task of a sequence before any training is paid for.

    python -m datasets.prepare --tasks=cityscapes,maps,facades,edges2handbags
    python -m datasets.prepare --tasks=toy_labels2street,mine=/data/mine:BtoA --data_dir=/big/disk

Each task is prepared exactly as `train.py` would prepare it (TFDS downloads the
archive, or reads it from `<data_dir>/downloads/manual/`, and writes TFRecords
under `<data_dir>`), then one line per task gives its examples per split and its
size on disk. Tasks whose data cannot be had here are not a reason to stop early:
every one is tried, and all the missing files are named together at the end, each
with where to place it by hand. Exit status 0 when every task is ready, 1 otherwise.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys

from absl import logging

from datasets.errors import DatasetError, DatasetUnavailableError, all_unavailable
from datasets.tasks import Task, parse_tasks
from hyper_lifelong_gan import cli  # the commands' shared quiet start (imports no TensorFlow)


@dataclasses.dataclass
class Prepared:
    """One task's data, ready: examples per split and the bytes TFDS wrote for it."""

    task: Task
    examples: dict[str, int]
    size_bytes: int


def folder_size(path) -> int:
    total = 0
    for root, _, files in os.walk(str(path)):
        total += sum(os.path.getsize(os.path.join(root, name)) for name in files)
    return total


def prepare_tasks(tasks: list[Task], data_dir: str | None = None, on_ready=None) -> list[Prepared]:
    """Prepares every task's data, trying all of them before reporting what is missing.

    `on_ready(prepared)` is called as each task becomes ready.

    Raises:
        DatasetUnavailableError: the data of one or more tasks cannot be downloaded
            here; one sentence names every missing file and where to place it.
        DatasetError: a task's data is there but unusable (the first such problem).
    """
    # Imported here, not to break a circle: pipeline imports TensorFlow, which
    # `main` imports only after `cli.quiet_tensorflow` (so --help stays instant).
    from datasets import pipeline

    ready, missing = [], []
    for task in tasks:
        try:
            builder = pipeline.prepare_builder(task, data_dir)
        except DatasetUnavailableError as error:
            missing.append(error)
            continue
        examples = {name: split.num_examples for name, split in builder.info.splits.items()}
        prepared = Prepared(task, examples, folder_size(builder.data_dir))
        ready.append(prepared)
        if on_ready is not None:
            on_ready(prepared)
    if missing:
        raise all_unavailable(missing)
    return ready


def format_size(size_bytes: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size_bytes < 1024 or unit == "GB":
            return f"{size_bytes:.0f} {unit}" if unit == "B" else f"{size_bytes:.1f} {unit}"
        size_bytes /= 1024
    raise AssertionError("unreachable")


def describe(prepared: Prepared) -> str:
    splits = ", ".join(f"{name} {count}" for name, count in sorted(prepared.examples.items()))
    return f"{prepared.task.name:<20} ready  {format_size(prepared.size_bytes):>9}  ({splits})"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m datasets.prepare",
        description="Download and build the data of every task of a sequence, as train.py "
        "would, and list what is missing in one go.",
    )
    parser.add_argument(
        "--tasks", required=True,
        help="Comma-separated tasks, as train.py's --tasks (see `python train.py --help`).",
    )
    parser.add_argument(
        "--data_dir", default="", help="TFDS data directory; empty means ~/tensorflow_datasets."
    )
    args = parser.parse_args(argv)
    cli.quiet_tensorflow(["prepare"] + (sys.argv[1:] if argv is None else list(argv)))
    logging.set_verbosity(logging.WARNING)  # TFDS logs every dataset it opens at INFO
    try:
        tasks = parse_tasks(args.tasks)
        print(f"Preparing {len(tasks)} task(s) in {args.data_dir or '~/tensorflow_datasets'}:", flush=True)
        ready = prepare_tasks(tasks, args.data_dir or None, on_ready=lambda p: print(describe(p), flush=True))
    except DatasetError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrupted; run the same command again to go on.", file=sys.stderr)
        return 130
    total = sum(p.size_bytes for p in ready)
    print(f"All {len(ready)} task(s) ready, {format_size(total)} on disk.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
