"""The cost of a training step as the number of learned tasks grows, on an accelerator.

    KERAS_BACKEND=jax python benchmarks/step_cost_jax.py                  # paper sizes
    KERAS_BACKEND=jax python benchmarks/step_cost_jax.py --image_size=32 --ngf=8 --n_blocks=1 --batch_size=2

The project trains with TensorFlow; its layers are written with `keras.ops`, so the
same generator and PatchGAN also run under Keras on JAX, where this script times a
pix2pix step with the distillation term of eq. 10 (generator and discriminator
forward and backward, Adam updates, one jitted function) at several task indices:
exact distillation (one pass per earlier task), sampled distillation (one pass a
step on a drawn earlier task: --distillation=sampled with --distill_passes=1
--distill_runs=1) and that at half the image side. Every number is the step time of a
case divided by that of task 1, measured in this run.
"""

import argparse
import os
import sys
import time

os.environ.setdefault("KERAS_BACKEND", "jax")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import keras  # noqa: E402
import optax  # noqa: E402

from hyper_lifelong_gan.models import build_generator, build_patch_discriminator  # noqa: E402

# (label, task index t (t earlier tasks), distillation passes a step (0 = exact: all), side scale)
CASES = [
    ("task 1", 0, 0, 1.0),
    ("task 2, exact", 1, 0, 1.0),
    ("task 4, exact", 3, 0, 1.0),
    ("task 10, exact", 9, 0, 1.0),
    ("task 2, 1 pass", 1, 1, 1.0),
    ("task 10, 1 pass", 9, 1, 1.0),
    ("task 10, 1 pass, half side", 9, 1, 0.5),
]


def l1(a, b):
    return jnp.mean(jnp.abs(a.astype(jnp.float32) - b.astype(jnp.float32)), axis=(1, 2, 3))


def bce(logits, label):
    logits = logits.astype(jnp.float32)
    return jnp.mean(optax.sigmoid_binary_cross_entropy(logits, jnp.full_like(logits, label)), axis=(1, 2, 3))


def make_step(args, task, passes, scale):
    sizes = dict(ngf=args.ngf, n_blocks=args.n_blocks)
    student = build_generator(num_tasks=task + 1, **sizes)
    teacher = build_generator(num_tasks=max(task, 1), **sizes)
    discriminator = build_patch_discriminator(input_channels=6, ndf=args.ndf)
    optimizer = optax.adam(2e-4, b1=0.5)

    def generator_loss(g_values, d_values, t_values, x, y, z, key):
        def student_out(images, which):
            return student.stateless_call(g_values, [], images, task=which, z=z)[0]

        def teacher_out(images, which):
            return jax.lax.stop_gradient(teacher.stateless_call(t_values, [], images, task=which, z=z)[0])

        fake = student_out(x, task)
        logits = discriminator.stateless_call(d_values, [], jnp.concatenate([x, fake.astype(x.dtype)], -1))[0]
        total = bce(logits, 1.0) + 100.0 * l1(fake, y)
        if task:
            images = y
            if scale != 1:
                factor = round(1 / scale)  # means of factor x factor blocks, as the trainer does
                side = y.shape[1] // factor
                images = y.reshape(y.shape[0], side, factor, side, factor, 3).mean(axis=(2, 4))
            if passes and passes < task:
                drawn = jax.random.choice(key, task, (passes,), replace=False)
                tasks, weight = [drawn[i] for i in range(passes)], task / passes
            else:
                tasks, weight = list(range(task)), 1.0
            distillation = sum(l1(student_out(images, i), teacher_out(images, i)) for i in tasks)
            total = total + 100.0 * weight * distillation
        return jnp.mean(total), fake

    def discriminator_loss(d_values, x, y, fake):
        real = discriminator.stateless_call(d_values, [], jnp.concatenate([x, y], -1))[0]
        fake_logits = discriminator.stateless_call(d_values, [], jnp.concatenate([x, fake.astype(x.dtype)], -1))[0]
        return jnp.mean(0.5 * (bce(real, 1.0) + bce(fake_logits, 0.0)))

    @jax.jit
    def step(state, x, y, z, key):
        g_values, d_values, t_values, g_opt, d_opt = state
        (_, fake), g_grads = jax.value_and_grad(generator_loss, has_aux=True)(
            g_values, d_values, t_values, x, y, z, key
        )
        d_grads = jax.grad(discriminator_loss)(d_values, x, y, jax.lax.stop_gradient(fake))
        g_updates, g_opt = optimizer.update(g_grads, g_opt, g_values)
        d_updates, d_opt = optimizer.update(d_grads, d_opt, d_values)
        return (optax.apply_updates(g_values, g_updates), optax.apply_updates(d_values, d_updates),
                t_values, g_opt, d_opt)

    g_values = [v.value for v in student.trainable_variables]
    d_values = [v.value for v in discriminator.trainable_variables]
    t_values = [v.value for v in teacher.trainable_variables]
    state = (g_values, d_values, t_values, optimizer.init(g_values), optimizer.init(d_values))
    return step, state


def time_case(args, task, passes, scale):
    step, state = make_step(args, task, passes, scale)
    key = jax.random.PRNGKey(0)
    shape = (args.batch_size, args.image_size, args.image_size, 3)
    x = jax.random.uniform(jax.random.PRNGKey(1), shape, minval=-1, maxval=1)
    y = jax.random.uniform(jax.random.PRNGKey(2), shape, minval=-1, maxval=1)
    z = jax.random.normal(jax.random.PRNGKey(3), (64,))
    start = time.perf_counter()
    for i in range(3):
        state = step(state, x, y, z, jax.random.fold_in(key, i))
    jax.block_until_ready(state)
    compile_seconds = time.perf_counter() - start
    start = time.perf_counter()
    for i in range(args.steps):
        state = step(state, x, y, z, jax.random.fold_in(key, i))
    jax.block_until_ready(state)
    return (time.perf_counter() - start) / args.steps, compile_seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--image_size", type=int, default=128)
    parser.add_argument("--ngf", type=int, default=64)
    parser.add_argument("--n_blocks", type=int, default=6)
    parser.add_argument("--ndf", type=int, default=64)
    parser.add_argument("--batch_size", type=int, default=16)
    parser.add_argument("--steps", type=int, default=20, help="Timed steps per case (after 3 warm-up steps).")
    parser.add_argument("--precision", default="float32", help="float32 or mixed_bfloat16.")
    parser.add_argument("--cases", default="", help="Comma-separated case numbers to run (default: all).")
    args = parser.parse_args()
    keras.mixed_precision.set_dtype_policy(args.precision)
    print(f"device {jax.devices()[0].device_kind}; {vars(args)}", flush=True)
    chosen = [CASES[int(i)] for i in args.cases.split(",")] if args.cases else CASES
    base = None
    for label, task, passes, scale in chosen:
        seconds, compile_seconds = time_case(args, task, passes, scale)
        base = base or seconds
        print(f"{label:28s} {seconds * 1e3:8.1f} ms/step  {seconds / base:5.2f}x task 1"
              f"  (compile+warm-up {compile_seconds:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
