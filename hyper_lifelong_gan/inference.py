"""Applying a trained run to new images: what `translate.py` does, as a library.

    from hyper_lifelong_gan import inference
    trained = inference.load_trained("runs/hyper_lifelong_gan")       # after the last task
    outputs = trained.translate(images, task="toy_edges2bags")          # [-1, 1] in and out

The generators are those `evaluate.py` reads (`<workdir>/tasks/task_i/generator`,
restored by `workdir.restore_task_generators` / `workdir.restore_cycle_generators`)
and the noise is the evaluation's fixed z (`evaluation.generation.eval_z`), so the
outputs of a run's test inputs are exactly the ones its L1/PSNR/SSIM were measured
on.

Sizes: the generator is fully convolutional and needs height and width divisible
by 4 (two downsamplings) and at least `MIN_SIDE`. With `fit="pad"` (the default)
an image is translated at its own resolution: it is padded by mirroring its
bottom and right borders up to the next multiple of 4, and the output is cropped
back to the input's size. With `fit="resize"` it is resized (bilinear, with
antialiasing, as the training pipeline does) to the run's `image_size`,
translated, and the output resized back to the input's size; use it for images
much larger or smaller than the training images.
"""

import dataclasses
import glob
import os
import sys

import numpy as np
import tensorflow as tf

from hyper_lifelong_gan import config as config_lib
from hyper_lifelong_gan import workdir as workdir_lib
from hyper_lifelong_gan.evaluation.generation import eval_z, generate
from hyper_lifelong_gan.evaluation.runs import EvaluationError, Run, load_run
from hyper_lifelong_gan.reporting import pages
from hyper_lifelong_gan.reporting.images import save_png
from hyper_lifelong_gan.reporting.progress import Progress
from hyper_lifelong_gan.serving_choices import DIRECTIONS, FITS

# Height and width must be divisible by this (the generator downsamples twice).
MULTIPLE = 4
# The smallest side the generator accepts: its reflection paddings need at least 2
# pixels after the two downsamplings.
MIN_SIDE = 8


class InferenceError(EvaluationError):
    """Bad input to translation or export, explained in one sentence a CLI prints as it is."""


# ------------------------------------------------------------------------- sizes


def padded_size(size, multiple=MULTIPLE):
    return -(-size // multiple) * multiple


def pad_to_multiple(images, multiple=MULTIPLE):
    """`images` [B, H, W, C] padded at the bottom and right, by mirroring (the border
    pixel repeated once: tf.pad's SYMMETRIC mode), so H and W divide by `multiple`.
    Works on dynamic shapes; crop the result with `[:, :H, :W]`."""
    shape = tf.shape(images)
    extra_h = (-shape[1]) % multiple
    extra_w = (-shape[2]) % multiple
    return tf.pad(images, [[0, 0], [0, extra_h], [0, extra_w], [0, 0]], mode="SYMMETRIC")


def translate_any_size(generate, images, multiple=MULTIPLE):
    """`generate(images)` on images of any height and width >= MIN_SIDE: padded to a
    multiple of `multiple` and cropped back. The exported SavedModel uses this too."""
    shape = tf.shape(images)
    outputs = generate(pad_to_multiple(images, multiple))
    return outputs[:, : shape[1], : shape[2], :]


# ------------------------------------------------------------------------ a run


@dataclasses.dataclass
class TrainedRun:
    """The generators of one stage of a run, ready to translate.

    Attributes:
        run: the `evaluation.runs.Run` (config, tasks, method).
        stage: 1-based: the model right after learning task `stage`.
        direction: "forward" (the task's direction; G of an unpaired run) or
            "inverse" (F of an unpaired run, target -> input domain).
        generators: the `TaskGenerators` that translate in `direction`.
        z: the evaluation's fixed noise vector.
    """

    run: Run
    stage: int
    direction: str
    generators: object
    z: tf.Tensor
    _predictors: dict = dataclasses.field(default_factory=dict, repr=False)

    @property
    def task_names(self):
        """The tasks this stage has learned, in training order."""
        return self.run.task_names[: self.stage]

    @property
    def image_size(self):
        return self.run.config.image_size

    def task_index(self, task):
        """The index of `task`: a learned task's name, or its 1-based position as an
        int or a string of digits."""
        names = self.task_names
        if isinstance(task, str) and task.strip().isdigit():
            task = int(task)
        if isinstance(task, (int, np.integer)) and not isinstance(task, bool):
            if 1 <= task <= len(names):
                return int(task) - 1
            raise InferenceError(
                f"Task {task} is out of range: the model after task {self.stage} knows tasks 1..{len(names)} "
                f"({', '.join(names)})."
            )
        if task in names:
            return names.index(task)
        unlearned = self.run.task_names[self.stage:]
        hint = f" ({task} is learned only later; pick a later --stage)" if task in unlearned else ""
        raise InferenceError(
            f"Unknown task {task!r}{hint}; the model after task {self.stage} knows {', '.join(names)} "
            f"(or their numbers 1..{len(names)})."
        )

    def generate(self, images, task_index):
        """The generator of task `task_index` on a batch whose sides divide by 4."""
        return generate(self.generators, task_index, images, self.z)

    def predictor(self, task_index):
        """A tf.function, made once per task: [B, H, W, 3] float32 in [-1, 1], any
        H, W >= MIN_SIDE -> outputs (traced once, for any size)."""
        if task_index not in self._predictors:
            images = tf.TensorSpec([None, None, None, 3], tf.float32)
            self._predictors[task_index] = tf.function(
                lambda batch: translate_any_size(lambda x: self.generate(x, task_index), batch),
                input_signature=[images],
            )
        return self._predictors[task_index]

    def translate(self, images, task, fit="pad"):
        """Translates a batch of images ([B, H, W, 3] in [-1, 1], one size) with `task`
        (a name or 1-based number); returns numpy float32 in [-1, 1] of the same shape."""
        return self.translate_by_index(images, self.task_index(task), fit)

    def translate_by_index(self, images, index, fit="pad"):
        """`translate` with the task's 0-based index."""
        if fit not in FITS:
            raise InferenceError(f"Unknown fit {fit!r}; use one of {', '.join(FITS)}.")
        images = tf.convert_to_tensor(images, tf.float32)
        height, width = int(images.shape[1]), int(images.shape[2])
        predict = self.predictor(index)
        if fit == "resize":
            size = self.image_size
            resized = tf.image.resize(images, [size, size], method="bilinear", antialias=True)
            outputs = tf.image.resize(predict(resized), [height, width], method="bilinear", antialias=True)
            return np.clip(outputs.numpy(), -1.0, 1.0)
        if min(height, width) < MIN_SIDE:
            raise InferenceError(
                f"Images must be at least {MIN_SIDE}x{MIN_SIDE} pixels; got {height}x{width}."
            )
        return predict(images).numpy()


def check_stage(run, stage):
    """The 1-based stage to load: `stage`, or the last learned one if None."""
    if stage is None:
        return run.completed
    if not 1 <= stage <= run.completed:
        raise InferenceError(
            f"--stage={stage} is not a learned stage of {run.workdir}: it has learned "
            f"{run.completed} of {len(run.tasks)} tasks, so use 1..{run.completed}."
        )
    run.check_stage_kept(stage - 1)
    return stage


def load_trained(workdir, stage=None, direction="forward"):
    """The generators of `workdir` right after task `stage` (1-based; default: the
    last learned task), with the evaluation's noise.

    Raises:
        EvaluationError / InferenceError: not a run, no finished task, bad stage or
            direction, in one sentence.
    """
    if direction not in DIRECTIONS:
        raise InferenceError(f"Unknown --direction {direction!r}; use one of {', '.join(DIRECTIONS)}.")
    run = load_run(workdir)
    stage = check_stage(run, stage)
    generator_config = config_lib.generator_config(run.config)
    if run.config.mode == "unpaired":
        cycle = workdir_lib.restore_cycle_generators(workdir, stage - 1, run.method, generator_config)
        z = eval_z(cycle)
        generators = cycle.forward if direction == "forward" else cycle.inverse
    else:
        if direction == "inverse":
            raise InferenceError(
                f"--direction=inverse needs an unpaired (CycleGAN) run; {workdir} learned paired tasks, "
                "which have a generator for the input -> target direction only."
            )
        generators = workdir_lib.restore_task_generators(workdir, stage - 1, run.method, generator_config)
        z = eval_z(generators)
    return TrainedRun(run=run, stage=stage, direction=direction, generators=generators, z=z)


# ------------------------------------------------------------------ image files

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")
PAIRS_DIR = "pairs"
INDEX_FILE = "index.html"
INDEX_STYLE = (
    "body{font-family:sans-serif} img{height:128px;image-rendering:pixelated} "
    "td{padding:4px;vertical-align:middle} table{border-collapse:collapse}"
)


def input_files(spec):
    """The image files `spec` names: a file, a folder (its files with an image
    extension, not recursing) or a glob pattern; sorted."""
    if os.path.isfile(spec):
        return [spec]
    if os.path.isdir(spec):
        files = [
            os.path.join(spec, name) for name in sorted(os.listdir(spec))
            if name.lower().endswith(IMAGE_EXTENSIONS) and os.path.isfile(os.path.join(spec, name))
        ]
        if not files:
            raise InferenceError(
                f"The folder {spec} holds no image files ({', '.join(IMAGE_EXTENSIONS)})."
            )
        return files
    files = sorted(path for path in glob.glob(spec) if os.path.isfile(path))
    if not files:
        raise InferenceError(f"--input={spec} is no file or folder, and no file matches it as a pattern.")
    return files


def read_image(path):
    """float32 [H, W, 3] in [-1, 1] (as the training pipeline scales images), or
    raises InferenceError with the reason the file cannot be used."""
    try:
        with open(path, "rb") as stream:
            encoded = stream.read()
        image = tf.io.decode_image(encoded, channels=3, expand_animations=False)
    except (OSError, tf.errors.OpError) as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise InferenceError(f"{path} cannot be read as an image ({reason}).") from None
    return tf.cast(image, tf.float32).numpy() / 127.5 - 1.0


@dataclasses.dataclass
class TranslationSummary:
    """What `translate_files` did: (input, output[, pair]) paths written and
    (input, reason) of the files skipped."""

    written: list
    skipped: list
    index_path: str


def _output_names(files):
    """One output file name per input: its name with .png, made unique."""
    names, taken = [], set()
    for path in files:
        stem = os.path.splitext(os.path.basename(path))[0]
        name, number = f"{stem}.png", 1
        while name in taken:
            name, number = f"{stem}_{number}.png", number + 1
        taken.add(name)
        names.append(name)
    return names


def translate_files(trained, task, files, output_dir, *, fit="pad", batch_size=16, side_by_side=False,
                    log_stream=None):
    """Translates image files with `task`, writes `<output_dir>/<name>.png` per
    input (and with `side_by_side` `<output_dir>/pairs/<name>.png`, input | output),
    and an index.html listing them. Unreadable or too small files are skipped and
    counted; images of one size are translated together, `batch_size` at a time.

    Returns:
        A `TranslationSummary`.
    """
    index = trained.task_index(task)
    if batch_size < 1:
        raise InferenceError(f"--batch_size must be at least 1; got {batch_size}.")
    os.makedirs(output_dir, exist_ok=True)
    if side_by_side:
        os.makedirs(os.path.join(output_dir, PAIRS_DIR), exist_ok=True)
    task_name = trained.task_names[index]
    progress = Progress(len(files), stream=log_stream or sys.stderr)
    written, skipped = [], []
    pending = {}  # image shape -> [(input path, output name, image)]
    done = 0

    def flush(shape):
        nonlocal done
        batch = pending.pop(shape)
        outputs = trained.translate_by_index(np.stack([image for _, _, image in batch]), index, fit=fit)
        for (path, name, image), output in zip(batch, outputs):
            output_path = os.path.join(output_dir, name)
            save_png(output_path, output)
            entry = [path, output_path]
            if side_by_side:
                pair_path = os.path.join(output_dir, PAIRS_DIR, name)
                save_png(pair_path, np.concatenate([image, output], axis=1))
                entry.append(pair_path)
            written.append(tuple(entry))
        done += len(batch)
        progress.update(done + len(skipped), f"{task_name}", f"{len(written)} written, {len(skipped)} skipped")

    for path, name in zip(files, _output_names(files)):
        try:
            image = read_image(path)
            if fit == "pad" and min(image.shape[:2]) < MIN_SIDE:
                raise InferenceError(
                    f"{path} is {image.shape[0]}x{image.shape[1]} pixels, smaller than the "
                    f"{MIN_SIDE}x{MIN_SIDE} the generator needs."
                )
        except InferenceError as error:
            skipped.append((path, str(error)))
            continue
        pending.setdefault(image.shape, []).append((path, name, image))
        if len(pending[image.shape]) >= batch_size:
            flush(image.shape)
    for shape in list(pending):
        flush(shape)
    progress.close()
    index_path = os.path.join(output_dir, INDEX_FILE)
    write_index_html(index_path, trained, task_name, written, skipped)
    return TranslationSummary(written, skipped, index_path)


def write_index_html(path, trained, task_name, written, skipped):
    """A page listing every translated file (output, and the pair if written, each
    linking to itself) and the skipped ones."""
    folder = os.path.dirname(path)
    pairs = any(len(entry) > 2 for entry in written)
    header = ["input", "output"] + (["input \\| output"] if pairs else [])
    lines = [
        f"# {pages.escape(task_name)}",
        "",
        f"{pages.escape(trained.run.workdir)}, the model after task {trained.stage} "
        f"({pages.escape(trained.run.task_names[trained.stage - 1])}), {trained.direction} direction; "
        f"{len(written)} images translated, {len(skipped)} skipped.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    for entry in written:
        images = [pages.image(os.path.relpath(image_path, folder), os.path.relpath(image_path, folder), link=True)
                  for image_path in entry[1:]]
        lines.append("| " + " | ".join([pages.escape(entry[0])] + images) + " |")
    if skipped:
        lines += ["", "## Skipped", ""] + [f"- {pages.escape(reason)}" for _, reason in skipped]
    pages.write(path, f"{task_name}: translated images", "\n".join(lines) + "\n", style=INDEX_STYLE)
