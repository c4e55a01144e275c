"""Cost of one training step, measured in one run and printed as ratios.

    python benchmarks/train_step.py          # 64 px, ngf 32, 6 blocks, ndf 64, batch 8
    python benchmarks/train_step.py --image_size=128 --ngf=64 --batch_size=4

Three tables:

1. Distillation: the hyper step at task 1, 2, 4 and 10 (task t distils t - 1
   earlier tasks) with exact distillation (eq. 10, every earlier task in every
   step) and with sampled distillation (--distillation=sampled with
   --distill_passes=1: one task on the whole batch or, with --distill_runs=4,
   four tasks on runs of its images; alone and with --distill_scale=0.5), each
   relative to task 1, with each case's peak memory. A variant is skipped, with
   a note, where TrainConfig has no such field.
2. Against plain Keras: the project's conventional (--method=full) and hyper
   steps beside a pix2pix step written with stock Keras layers at the same sizes
   (Conv2D with zero padding, GroupNormalization(groups=-1) as instance norm,
   the same ResNet generator, 70x70 PatchGAN, pix2pix losses and Adam).
3. Where the difference goes: the plain step with one of the project's choices
   swapped in at a time (reflection padding, TaskInstanceNorm, the project's
   PatchGAN, its per-example losses, a third discriminator pass, the
   PairedTaskStep wrapper), and XLA on and off.

Speed: every case is built in this process and the cases are timed in turns
(--rounds rounds of --steps steps each, after warm-up), so a load change on a
shared machine hits them all alike; a case's time is its median round (the
fastest is printed beside it: under heavy load one lucky round can make it an
outlier). Memory:
every case runs again in a fresh subprocess (a process's peak resident memory
only ever grows), which reports its peak RSS (VmHWM) over two steps and that
peak minus the peak after building the models and tracing the step, before the
first step (optimizer slots included: so mostly the activations held for the
backward pass and the gradients); on GPU the peak of tf.config.experimental.get_memory_info
instead. --nomemory skips it.
"""

import dataclasses
import itertools
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402
from absl import app, flags  # noqa: E402
from absl import logging as absl_logging  # noqa: E402

from benchmarks.distill_variants import DISTILL_VARIANTS  # noqa: E402
from hyper_lifelong_gan import config as config_lib  # noqa: E402
from hyper_lifelong_gan import losses  # noqa: E402
from hyper_lifelong_gan.layers import HyperConv2D, HyperConv2DTranspose, ReflectionPadding2D, TaskInstanceNorm  # noqa: E402
from hyper_lifelong_gan.methods import get_method, set_task_seed  # noqa: E402
from hyper_lifelong_gan.models import build_patch_discriminator  # noqa: E402
from hyper_lifelong_gan.training.steps import PairedTaskStep  # noqa: E402
from hyper_lifelong_gan.training.trainer import make_optimizer  # noqa: E402

flags.DEFINE_integer("image_size", 64, "Image size.")
flags.DEFINE_integer("ngf", 32, "Generator width.")
flags.DEFINE_integer("n_blocks", 6, "Residual blocks.")
flags.DEFINE_integer("ndf", 64, "Discriminator width.")
flags.DEFINE_integer("batch_size", 8, "Batch size.")
flags.DEFINE_integer("steps", 2, "Timed steps per case and round.")
flags.DEFINE_integer("rounds", 10, "Rounds; a case's time is its median round.")
flags.DEFINE_integer("warmup", 2, "Untimed steps per case before the first round.")
flags.DEFINE_list("tables", "distill,plain,overhead", "Which tables: distill, plain, overhead.")
flags.DEFINE_list("distill_tasks", ["1", "2", "4", "10"], "Task numbers (1-based) of the distillation table.")
flags.DEFINE_integer("exact_up_to", 0, "Measure exact distillation only at tasks up to this number (its step at task "
                     "t runs t - 1 extra passes: at t = 100 it takes minutes to trace); 0: at every task.")
flags.DEFINE_list("distill_variants", ["passes1", "passes1_half", "passes1_runs4", "passes1_runs4_half"],
                  "Variants beside exact in the distillation table (--distillation=sampled with): "
                  "passes1 (--distill_passes=1 --distill_runs=1: one task on the whole batch), passes1_half (and "
                  "--distill_scale=0.5), passes1_runs2, passes1_runs4, passes1_runs8 (one pass with "
                  "--distill_runs=2, 4, 8: that many runs of images, each its own task), passes1_runs4_half (and "
                  "--distill_scale=0.5), passes2, passes2_runs4 (--distill_passes=2, alone and with "
                  "--distill_runs=4), sampled (the defaults: 2 passes, 6 runs), sampled_runs8.")
flags.DEFINE_string("jit_compile", "auto", "XLA for every case but the XLA ones: auto (on GPU only), true, false.")
flags.DEFINE_bool("memory", True, "Measure each case's peak memory in a fresh subprocess.")
flags.DEFINE_string("case", "", "Internal: run this one case and print its memory as JSON.")
FLAGS = flags.FLAGS
STEP_SEEDS = 200  # the steps of a toy task: a case's steps take these seeds in turn


flags.register_validator(
    "image_size", config_lib.FLAG_RULES["image_size"].test,
    message=f"--image_size must be {config_lib.FLAG_RULES['image_size'].allowed}.")
flags.register_validator(
    "distill_variants", lambda keys: set(keys) <= set(DISTILL_VARIANTS),
    message=f"--distill_variants takes names from {', '.join(DISTILL_VARIANTS)}.")


def config_has(settings):
    """Whether this TrainConfig has every field of `settings`."""
    return set(settings) <= {field.name for field in dataclasses.fields(config_lib.TrainConfig)}


# ------------------------------------------------------------------------ the cases
# A case is a name and a spec dict; `build(spec)` returns a function running one step.


def default_jit():
    if FLAGS.jit_compile == "auto":
        return bool(tf.config.list_logical_devices("GPU"))
    return FLAGS.jit_compile == "true"


def cases():
    jit = default_jit()
    chosen = {}
    if "distill" in FLAGS.tables:
        variants = [("exact", {})] + [DISTILL_VARIANTS[key] for key in FLAGS.distill_variants
                                      if config_has(DISTILL_VARIANTS[key][1])]
        for label, extra in variants:
            for task in sorted({1, *map(int, FLAGS.distill_tasks)}):
                if task == 1 and extra:
                    continue  # no earlier task: the same step as exact
                if not extra and task > 1 and FLAGS.exact_up_to and task > FLAGS.exact_up_to:
                    continue
                chosen[f"hyper task {task}, {label}"] = dict(
                    kind="project", method="hyper_lifelong_gan", task=task - 1, jit=jit, extra=extra)
    if "plain" in FLAGS.tables or "overhead" in FLAGS.tables:
        chosen["plain Keras, conventional"] = dict(kind="plain", conv="stock", jit=jit)
        chosen["project, conventional (full)"] = dict(kind="project", method="full", task=0, jit=jit, extra={})
        chosen["plain Keras, hyper convs"] = dict(kind="plain", conv="hyper", jit=jit)
        chosen.setdefault("hyper task 1, exact", dict(
            kind="project", method="hyper_lifelong_gan", task=0, jit=jit, extra={}))
    if "overhead" in FLAGS.tables:
        base = dict(kind="plain", conv="stock", jit=jit)
        chosen["plain + reflection padding"] = dict(base, padding="reflect")
        chosen["plain + reflection padding, MirrorPadGrad"] = dict(base, padding="reflect_mirror_pad_grad")
        chosen["plain + TaskInstanceNorm in G"] = dict(base, norm="task")
        chosen["plain + TaskInstanceNorm, fused form"] = dict(base, norm="task_fused")
        chosen["plain + project PatchGAN"] = dict(base, discriminator="project")
        chosen["plain + per-example losses"] = dict(base, losses="project")
        chosen["plain + third D pass"] = dict(base, d_passes=3)
        chosen["plain + all of the above"] = dict(
            base, padding="reflect", norm="task", discriminator="project", losses="project", d_passes=3)
        chosen["plain + the paper's choices, fast forms"] = dict(
            base, padding="reflect", norm="task_fused", discriminator="project", losses="project")
        chosen["project G and D, plain step"] = dict(base, generator="project", discriminator="project")
        chosen["... + per-example losses, third D pass"] = dict(
            base, generator="project", discriminator="project", losses="project", d_passes=3)
        chosen["plain Keras, conventional, XLA " + ("off" if jit else "on")] = dict(base, jit=not jit)
        chosen["project, conventional, XLA " + ("off" if jit else "on")] = dict(
            kind="project", method="full", task=0, jit=not jit, extra={})
    return chosen


def sizes():
    return dict(image_size=FLAGS.image_size, ngf=FLAGS.ngf, n_blocks=FLAGS.n_blocks, ndf=FLAGS.ndf,
                batch_size=FLAGS.batch_size)


def batch(config_sizes, z_dim=64):
    shape = (config_sizes["batch_size"], config_sizes["image_size"], config_sizes["image_size"], 3)
    inputs = tf.random.uniform(shape, -1, 1, seed=1)
    targets = tf.random.uniform(shape, -1, 1, seed=2)
    z = tf.random.normal((z_dim,), seed=3)
    return inputs, targets, z


def build(spec):
    if spec["kind"] == "project":
        return build_project_step(spec)
    return build_plain_step(spec)


def build_project_step(spec):
    """The project's PairedTaskStep, as the trainer builds it, at task spec['task'] (0-based)."""
    config = config_lib.TrainConfig(method=spec["method"], **sizes(), **spec["extra"])
    method = get_method(spec["method"])
    task = spec["task"]
    generator_config = config_lib.generator_config(config)
    set_task_seed(0, 0)
    teacher = method.rebuild(task, generator_config) if task else None
    student = method.start_task(teacher, task, generator_config)
    discriminator = build_patch_discriminator(ndf=config.ndf)
    variables = method.trainable_variables(student, task)
    step = PairedTaskStep(
        student, teacher, discriminator, method, task, config, tf.distribute.get_strategy(),
        make_optimizer(config, variables, "float32"),
        make_optimizer(config, discriminator.trainable_variables, "float32"), jit_compile=spec["jit"],
    )
    inputs, targets, z = batch(sizes(), config.z_dim)
    # A seed per step, as in a run: sampled distillation draws its tasks from it, so a
    # case's steps distil the tasks a run's steps would, not the same few in every step.
    seeds = itertools.cycle([tf.constant((1, index)) for index in range(STEP_SEEDS)])
    step._step.get_concrete_function(inputs, targets, z, next(seeds))  # trace now, not in the first step
    return lambda: step(inputs, targets, z, next(seeds))["g_total"]


# ----------------------------------------------------------------- the plain Keras step


class FusedTaskInstanceNorm(TaskInstanceNorm):
    """TaskInstanceNorm computing x * s + (beta - mean * s), s = gamma / sqrt(var + eps):
    two full-size operations instead of four, the form GroupNormalization uses."""

    def call(self, inputs, task=0):
        x = keras.ops.cast(inputs, "float32")
        mean, variance = keras.ops.moments(x, axes=(1, 2), keepdims=True)
        scale = keras.ops.rsqrt(variance + self.epsilon) * keras.ops.cast(self.gamma[task], "float32")
        x = x * scale + (keras.ops.cast(self.beta[task], "float32") - mean * scale)
        return keras.ops.cast(x, inputs.dtype)


class InstanceNormChoice(keras.layers.Layer):
    """Instance norm: stock GroupNormalization(groups=-1), the project's TaskInstanceNorm
    ("task") or its two-operation form ("task_fused")."""

    def __init__(self, kind, **kwargs):
        kwargs.setdefault("name", "instance_norm")
        super().__init__(**kwargs)
        self.kind = kind
        if kind == "group":
            self.norm = keras.layers.GroupNormalization(groups=-1, epsilon=1e-5)
        elif kind == "task_fused":
            self.norm = FusedTaskInstanceNorm(num_tasks=1)
        else:
            self.norm = TaskInstanceNorm(num_tasks=1)

    def call(self, x):
        return self.norm(x) if self.kind == "group" else self.norm(x, task=0)


class MirrorPad2D(ReflectionPadding2D):
    """Reflection padding by tf.pad alone, differentiated by TensorFlow's MirrorPadGrad."""

    def call(self, inputs):
        p = self.padding
        return tf.pad(inputs, ((0, 0), (p, p), (p, p), (0, 0)), mode="REFLECT")


class PlainGenerator(keras.Model):
    """The ResNet generator (c7s1-ngf, d, d, n_blocks R, u, u, c7s1-3, tanh), no conv
    biases as in the project, from stock Keras convolutions ("stock") or the
    project's hyper layers ("hyper"), with zero ("zero") or reflection padding and
    GroupNormalization ("group") or TaskInstanceNorm ("task")."""

    def __init__(self, ngf, n_blocks, conv="stock", padding="zero", norm="group"):
        super().__init__(name=f"plain_generator_{conv}")
        self.conv_kind = conv
        self.reflect = padding.startswith("reflect")

        def make_conv(filters, k, strides=1, transposed=False, pad=True):
            # pad: a stride-1 conv whose borders are padded (zero: Conv2D's "same").
            padding_mode = "valid" if (pad and self.reflect) else "same"
            if conv == "hyper":
                layer = HyperConv2DTranspose if transposed else HyperConv2D
                return layer(filters, k, strides, padding_mode, num_tasks=1)
            layer = keras.layers.Conv2DTranspose if transposed else keras.layers.Conv2D
            return layer(filters, k, strides, padding=padding_mode, use_bias=False)

        self.head = make_conv(ngf, 7)
        self.head_norm = InstanceNormChoice(norm)
        self.downs = [make_conv(ngf * 2 ** i, 3, 2, pad=False) for i in (1, 2)]
        self.down_norms = [InstanceNormChoice(norm) for _ in range(2)]
        self.blocks = [[make_conv(ngf * 4, 3) for _ in range(2)] for _ in range(n_blocks)]
        self.block_norms = [[InstanceNormChoice(norm) for _ in range(2)] for _ in range(n_blocks)]
        self.ups = [make_conv(ngf * 2 ** (2 - i), 3, 2, transposed=True, pad=False) for i in (1, 2)]
        self.up_norms = [InstanceNormChoice(norm) for _ in range(2)]
        self.tail = make_conv(3, 7)
        # reflect_mirror_pad_grad: TensorFlow's own MirrorPad gradient, what
        # ReflectionPadding2D used before it folded the gradient itself.
        pad_layer = MirrorPad2D if padding == "reflect_mirror_pad_grad" else ReflectionPadding2D
        self.pad1 = pad_layer(1)
        self.pad3 = pad_layer(3)

    def _conv(self, layer, x, z, pad=None):
        if pad is not None and self.reflect:
            x = pad(x)
        if self.conv_kind == "hyper":
            return layer(x, task=0, z=z)
        return layer(x)

    def call(self, x, z=None):
        x = tf.nn.relu(self.head_norm(self._conv(self.head, x, z, self.pad3)))
        for conv, norm in zip(self.downs, self.down_norms):
            x = tf.nn.relu(norm(self._conv(conv, x, z)))
        for (conv1, conv2), (norm1, norm2) in zip(self.blocks, self.block_norms):
            y = tf.nn.relu(norm1(self._conv(conv1, x, z, self.pad1)))
            x = x + norm2(self._conv(conv2, y, z, self.pad1))
        for conv, norm in zip(self.ups, self.up_norms):
            x = tf.nn.relu(norm(self._conv(conv, x, z)))
        return tf.tanh(self._conv(self.tail, x, z, self.pad3))


def plain_discriminator(ndf, n_layers=3):
    """The 70x70 PatchGAN of pix2pix from stock layers (GroupNormalization as instance norm)."""
    layers = [keras.Input((None, None, 6))]
    for index in range(n_layers + 1):
        layers.append(keras.layers.ZeroPadding2D(1))
        layers.append(keras.layers.Conv2D(ndf * min(2 ** index, 8), 4, 2 if index < n_layers else 1,
                                          use_bias=index == 0))
        if index > 0:
            layers.append(keras.layers.GroupNormalization(groups=-1, epsilon=1e-5))
        layers.append(keras.layers.LeakyReLU(0.2))
    layers.append(keras.layers.ZeroPadding2D(1))
    layers.append(keras.layers.Conv2D(1, 4, 1))
    return keras.Sequential(layers)


def build_plain_step(spec):
    """A pix2pix step as a Keras user writes it: one tf.function, two tapes, means."""
    keras.utils.set_random_seed(0)
    s = sizes()
    if spec.get("generator") == "project":
        generator = get_method("full").start_task(None, 0, config_lib.generator_config(
            config_lib.TrainConfig(method="full", **s))).models[0]
        call_generator = lambda x, z: generator(x, task=0, z=z, training=True)  # noqa: E731
    else:
        generator = PlainGenerator(s["ngf"], s["n_blocks"], spec["conv"], spec.get("padding", "zero"),
                                   spec.get("norm", "group"))
        call_generator = lambda x, z: generator(x, z=z, training=True)  # noqa: E731
    if spec.get("discriminator") == "project":
        discriminator = build_patch_discriminator(ndf=s["ndf"])
    else:
        discriminator = plain_discriminator(s["ndf"])
    inputs, targets, z = batch(s)
    call_generator(inputs[:1], z)
    discriminator(tf.zeros((1, s["image_size"], s["image_size"], 6)))
    g_optimizer = keras.optimizers.Adam(2e-4, beta_1=0.5)
    d_optimizer = keras.optimizers.Adam(2e-4, beta_1=0.5)
    g_variables = generator.trainable_variables
    d_variables = discriminator.trainable_variables
    g_optimizer.build(g_variables)
    d_optimizer.build(d_variables)
    project_losses = spec.get("losses") == "project"
    third_pass = spec.get("d_passes", 2) == 3
    batch_size = s["batch_size"]

    def bce(logits, label):
        return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(tf.fill(tf.shape(logits), label), logits))

    def step(inputs, targets, z):
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            fake = call_generator(inputs, z)
            fake_logits = discriminator(tf.concat([inputs, fake], -1), training=True)
            real_logits = discriminator(tf.concat([inputs, targets], -1), training=True)
            d_fake_logits = fake_logits
            if third_pass:
                d_fake_logits = discriminator(tf.concat([inputs, tf.stop_gradient(fake)], -1), training=True)
            if project_losses:
                average = lambda x: tf.nn.compute_average_loss(x, global_batch_size=batch_size)  # noqa: E731
                adversarial, l1 = losses.pix2pix_generator_loss(fake_logits, fake, targets, 100.0)
                g_loss = average(adversarial + l1)
                d_loss = average(losses.pix2pix_discriminator_loss(real_logits, d_fake_logits))
            else:
                g_loss = bce(fake_logits, 1.0) + 100.0 * tf.reduce_mean(tf.abs(fake - targets))
                d_loss = 0.5 * (bce(real_logits, 1.0) + bce(d_fake_logits, 0.0))
        g_optimizer.apply_gradients(zip(g_tape.gradient(g_loss, g_variables), g_variables))
        d_optimizer.apply_gradients(zip(d_tape.gradient(d_loss, d_variables), d_variables))
        return g_loss

    compiled = tf.function(step, jit_compile=spec["jit"])
    compiled.get_concrete_function(inputs, targets, z)  # trace now, not in the first step
    return lambda: compiled(inputs, targets, z)


# ----------------------------------------------------------------------- measuring


def time_cases(steps_by_name):
    """Seconds per step of every case: turns of FLAGS.steps steps in a fresh random
    order each round (no case always follows the same one). Returns the fastest
    round's and the median round's (what the ratios use) seconds per step."""
    for name, run in steps_by_name.items():
        for _ in range(FLAGS.warmup):
            run().numpy()
    rounds = {name: [] for name in steps_by_name}
    order = list(steps_by_name)
    shuffler = random.Random(0)
    for _ in range(FLAGS.rounds):
        shuffler.shuffle(order)
        for name in order:
            run = steps_by_name[name]
            start = time.perf_counter()
            for _ in range(FLAGS.steps):
                value = run()
            value.numpy()
            rounds[name].append((time.perf_counter() - start) / FLAGS.steps)
    return ({name: min(times) for name, times in rounds.items()},
            {name: statistics.median(times) for name, times in rounds.items()})


def _high_water_mib():
    with open("/proc/self/status") as stream:
        for line in stream:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory_of_case(spec):
    """{'peak': MiB, 'growth': MiB} of one case in this (fresh) process."""
    gpu = bool(tf.config.list_logical_devices("GPU"))
    run = build(spec)
    if gpu:
        tf.config.experimental.reset_memory_stats("GPU:0")
        baseline = tf.config.experimental.get_memory_info("GPU:0")["current"] / 2**20
    else:
        baseline = _high_water_mib()
    for _ in range(2):
        run().numpy()
    if gpu:
        peak = tf.config.experimental.get_memory_info("GPU:0")["peak"] / 2**20
    else:
        peak = _high_water_mib()
    return {"peak": peak, "growth": peak - baseline}


def memory_in_subprocess(name):
    argv = [sys.executable, os.path.abspath(__file__), f"--case={name}", "--nomemory",
            f"--tables={','.join(FLAGS.tables)}", f"--jit_compile={FLAGS.jit_compile}",
            f"--distill_tasks={','.join(FLAGS.distill_tasks)}", f"--exact_up_to={FLAGS.exact_up_to}",
            f"--distill_variants={','.join(FLAGS.distill_variants)}"]
    argv += [f"--{key}={value}" for key, value in sizes().items()]
    result = subprocess.run(argv, capture_output=True, text=True)
    for line in reversed(result.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    sys.stderr.write(f"memory of {name!r} failed:\n{result.stderr[-2000:]}\n")
    return None


def print_table(title, rows, seconds, medians, memory, reference):
    """Per case: seconds per step, images/s, cost and speed relative to `reference`, memory."""
    unit = "GPU MiB" if tf.config.list_logical_devices("GPU") else "RSS MiB"
    print(f"\n{title}\n  (s/step: median round, fastest round; cost = median time / that of "
          f"{reference!r}; speed = its inverse)")
    print(f"  {'case':40s} {'s/step':>7s} {'fastest':>7s} {'img/s':>7s} {'cost':>6s} {'speed':>6s} "
          f"{'peak ' + unit:>13s} {'over build':>11s}")
    for name in rows:
        mem = memory.get(name)
        peak = f"{mem['peak']:13.0f}" if mem else f"{'-':>13s}"
        growth = f"{mem['growth']:11.0f}" if mem else f"{'-':>11s}"
        cost = medians[name] / medians[reference]
        print(f"  {name:40s} {medians[name]:7.3f} {seconds[name]:7.3f} "
              f"{FLAGS.batch_size / medians[name]:7.1f} {cost:5.2f}x "
              f"{1 / cost:5.2f}x {peak} {growth}")


def main(argv):
    del argv
    tf.get_logger().setLevel("ERROR")
    warnings.filterwarnings("ignore", message=".*does not have a `build\\(\\)` method")
    absl_logging.set_verbosity(absl_logging.ERROR)
    specs = cases()
    if FLAGS.case:
        print(json.dumps(memory_of_case(specs[FLAGS.case])))
        return
    device = "GPU" if tf.config.list_logical_devices("GPU") else "CPU"
    print(f"device {device}; sizes {sizes()}; XLA {'on' if default_jit() else 'off'} unless a case says; "
          f"{FLAGS.rounds} rounds of {FLAGS.steps} steps per case", flush=True)
    if "distill" in FLAGS.tables:
        for key in FLAGS.distill_variants:
            label, extra = DISTILL_VARIANTS[key]
            if not config_has(extra):
                print(f"note: TrainConfig has no {' / '.join(extra)} here; the {label!r} cases are skipped.")
    memory = {}
    if FLAGS.memory:
        for name in specs:
            memory[name] = memory_in_subprocess(name)
            print(f"  memory {name}: {memory[name]}", flush=True)
    steps = {}
    for name, spec in specs.items():
        started = time.perf_counter()
        steps[name] = build(spec)
        print(f"  built {name} ({time.perf_counter() - started:.0f} s)", flush=True)
    seconds, medians = time_cases(steps)
    if "distill" in FLAGS.tables:
        rows = [name for name in specs if name.startswith("hyper task") and specs[name]["kind"] == "project"
                and specs[name]["method"] == "hyper_lifelong_gan"]
        print_table("Distillation: the hyper step at task t (t - 1 earlier tasks), against task 1",
                    rows, seconds, medians, memory, "hyper task 1, exact")
    if "plain" in FLAGS.tables or "overhead" in FLAGS.tables:
        print_table("Against a plain Keras pix2pix step of the same sizes",
                    ["plain Keras, conventional", "project, conventional (full)"], seconds, medians, memory,
                    "plain Keras, conventional")
        print_table("", ["plain Keras, hyper convs", "hyper task 1, exact"], seconds, medians, memory,
                    "plain Keras, hyper convs")
    if "overhead" in FLAGS.tables:
        rows = [name for name in specs if name.startswith((
            "plain +", "project G and D", "...", "plain Keras, conventional, XLA", "project, conventional, XLA"))]
        print_table("Where the difference goes: one project choice at a time in the plain step",
                    ["plain Keras, conventional", *rows, "project, conventional (full)"], seconds, medians, memory,
                    "plain Keras, conventional")


if __name__ == "__main__":
    app.run(main)
