"""Every flag's allowed values and the one-sentence errors (`validate`, `check_flag`)."""

import dataclasses
from dataclasses import dataclass

from hyper_lifelong_gan.config.fields import FORMER_DEFAULTS, InvalidConfig, TrainConfig
from hyper_lifelong_gan.config.schedule import CHOICES

# ------------------------------------------------------------------ flag validation
# Besides RESUMABLE_CHANGES, a run may resume with a lower --learning_rate (never a
# higher one): the way on after a loss became NaN or Inf (trainer.NonFiniteLoss).
# Every flag's allowed values, in one place: `validate` checks a TrainConfig before a
# run writes or downloads anything; `check_flag` / `check_flags` serve the other
# commands' own flags (evaluate.py, translate.py, export.py) with the same rules and
# the same one-sentence errors. A field without a rule here is not checked.


@dataclass(frozen=True)
class Rule:
    """What a flag allows: `test(value)` is True for an allowed value; `allowed`
    finishes the sentence "... it must be <allowed>"."""

    test: object
    allowed: str


POSITIVE_INT = Rule(lambda value: isinstance(value, int) and value > 0, "a positive integer")
NON_NEGATIVE_INT = Rule(lambda value: isinstance(value, int) and value >= 0, "an integer >= 0")
POSITIVE_NUMBER = Rule(lambda value: value == value and 0 < value < float("inf"), "a positive number")
NON_NEGATIVE_NUMBER = Rule(lambda value: value == value and 0 <= value < float("inf"), "a number >= 0")


def choice(*values):
    return Rule(lambda value: value in values, "one of " + ", ".join(map(str, values)))


def _numbers(value, cast):
    parts = value if isinstance(value, (list, tuple)) else str(value).split(",")
    return [cast(str(part).strip()) for part in parts]


def per_task(cast, allowed):
    """A positive number, or one per task, comma-separated (e.g. --steps_per_task=400,200)."""

    def test(value):
        if isinstance(value, bool):
            return False
        try:
            numbers = _numbers(value, cast)
        except ValueError:
            return False
        return all(0 < number < float("inf") for number in numbers)

    return Rule(test, f"{allowed}, or one per task, comma-separated")


def comma_list_of(*values):
    """A comma-separated list of `values` (at least one)."""

    def test(text):
        items = [item.strip() for item in str(text).split(",") if item.strip()]
        return bool(items) and all(item in values for item in items)

    return Rule(test, "a comma-separated list of " + ", ".join(values))


def _is_whole(text, least):
    return isinstance(text, str) and text.isdigit() and int(text) >= least


def _is_schedule(text):
    parts = text.split(":") if isinstance(text, str) else ()
    return len(parts) == 2 and _is_whole(parts[0], 1) and _is_whole(parts[1], 0)


# The 70x70 PatchGAN's three stride-2 and two stride-1 4x4 convolutions leave no
# logits on a smaller image.
MIN_IMAGE_SIZE = 24

FLAG_RULES = {
    **{name: choice(*values) for name, values in CHOICES.items()},
    "cluster_timeout": POSITIVE_INT,
    "steps_per_task": per_task(int, "a positive integer"),
    "epochs_per_task": per_task(float, "a positive number"),
    "decay_fraction": Rule(lambda value: 0 < value <= 1, "a number in (0, 1]"),
    "sample_every": NON_NEGATIVE_INT,
    "batch_size": POSITIVE_INT,
    "image_size": Rule(
        lambda value: isinstance(value, int) and value >= MIN_IMAGE_SIZE and value % 4 == 0,
        f"a multiple of 4 (the generator downsamples twice) of at least {MIN_IMAGE_SIZE} (the PatchGAN's "
        "smallest input)",
    ),
    "ngf": POSITIVE_INT,
    "n_blocks": POSITIVE_INT,
    "ndf": POSITIVE_INT,
    "K": POSITIVE_INT,
    "z_dim": POSITIVE_INT,
    "hidden_units": POSITIVE_INT,
    "beta": NON_NEGATIVE_NUMBER,
    "distill_passes": POSITIVE_INT,
    "distill_runs": POSITIVE_INT,
    "distill_scale": Rule(lambda value: value == value and 0 < value <= 1, "a number in (0, 1]"),
    "l1_weight": NON_NEGATIVE_NUMBER,
    "learning_rate": POSITIVE_NUMBER,
    "adam_beta1": Rule(lambda value: value == value and 0 <= value < 1, "a number in [0, 1)"),
    "seed": NON_NEGATIVE_INT,
    "log_every": POSITIVE_INT,
    "checkpoint_every": POSITIVE_INT,
    "eval_examples": NON_NEGATIVE_INT,
    "eval_schedule": Rule(
        lambda value: value in ("auto", "full") or _is_schedule(value),
        "auto, full or N:S with whole N >= 1 and S >= 0 (e.g. 10:2)",
    ),
    "keep_stages": Rule(lambda value: value in ("auto", "all") or _is_whole(value, 1), "auto, all or a whole N >= 1"),
}


def check_flag(name, value, rule):
    """Raises `InvalidConfig` (one sentence naming the flag, the value and what is
    allowed) unless `value` passes `rule`; None (a default still to be filled) passes."""
    if value is None:
        return
    try:
        allowed = bool(rule.test(value))
    except TypeError:
        allowed = False
    if not allowed:
        raise InvalidConfig(f"--{name}={value} is not allowed: it must be {rule.allowed}.")


def check_flags(values, rules):
    """`check_flag` for every name of `rules` found in the mapping `values`."""
    for name, rule in rules.items():
        if name in values:
            check_flag(name, values[name], rule)


def flag_problem(values, rules):
    """`check_flags`'s sentence for the first flag of `values` that breaks its rule, or None."""
    try:
        check_flags(values, rules)
    except InvalidConfig as error:
        return str(error)
    return None


def _changed(config, name):
    """Whether `name` differs from its default (a former default counts as one: runs
    recorded before the change hold it, whatever they distilled)."""
    default = TrainConfig.__dataclass_fields__[name].default
    return getattr(config, name) not in (default, FORMER_DEFAULTS.get(name, default))


def check_distillation(config, given=None):
    """Refuses the fields that tune --distillation=sampled (the one choice that draws
    earlier tasks) with another choice: those named in `given` (the flags of a command
    line, whatever their value), or, without `given`, those off their default."""
    for name in ("distill_passes", "distill_runs"):
        tuned = name in given if given is not None else _changed(config, name)
        if config.distillation != "sampled" and tuned:
            raise InvalidConfig(
                f"--{name} tunes --distillation=sampled, not --distillation={config.distillation}; "
                f"pass --distillation=sampled as well, or leave out --{name}."
            )


def validate(config):
    """Checks every field of a TrainConfig that has a rule in `FLAG_RULES`.

    Raises:
        InvalidConfig: the first field whose value is not allowed.
    """
    check_flags(dataclasses.asdict(config), FLAG_RULES)
    check_distillation(config)
    if config.distill_scale != 1:
        factor = round(1 / config.distill_scale)
        if abs(factor * config.distill_scale - 1) > 1e-9:
            raise InvalidConfig(
                f"--distill_scale={config.distill_scale} is not 1/n for a whole n; choose 1, 0.5, 0.25, ..."
            )
        side = None if config.image_size is None else config.image_size // factor
        if side is not None and (config.image_size % factor or side % 4 or side < 8):
            raise InvalidConfig(
                f"--distill_scale={config.distill_scale} does not turn {config.image_size} px images into a "
                "multiple of 4 of at least 8 px; choose a larger scale (e.g. 0.5) or another --image_size."
            )
    return config
