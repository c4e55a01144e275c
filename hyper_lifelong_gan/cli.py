"""What every command line of the project shares: a quiet start and one-line flag errors.

    from hyper_lifelong_gan import cli
    cli.stop_on_ctrl_c("Interrupted; ...")  # first: a Ctrl-C from here on ends in that sentence
    cli.quiet_tensorflow(sys.argv)          # then, before anything imports TensorFlow
                                            # (import_now=False: later, cli.import_tensorflow())
    from absl import app, flags
    ...
    app.run(main, flags_parser=cli.flags_parser("train.py"))

- `stop_on_ctrl_c`: a Ctrl-C at any moment (TensorFlow's import takes seconds)
  prints one sentence and ends the command with status 130, not Python's
  traceback; the trainer replaces it with its own handler while it trains (a
  checkpoint first, see `training.run_control`) and puts it back after.
- `quiet_tensorflow`: TensorFlow's C++ start-up logging (oneDNN notes, "Could not
  find cuda drivers", an `E0000 ... failed call to cuInit` error on a machine
  without a GPU) is not printed unless the command is given `--verbosity`/`-v`.
  Part of it is printed by absl's C++ logging before it reads
  TF_CPP_MIN_LOG_LEVEL, so the import runs with the process' stderr captured,
  and whatever else the import printed is passed on.
- `flags_parser`: `--help` prints the help and exits 0; a bad flag value, an
  unknown flag or a stray positional argument gives one line `error: ...` and
  status 1, without the whole help.
- `define_config_flags` / `config_from_flags`: one flag per `TrainConfig` field (its
  help text, its choices from `config.CHOICES`), for train.py, the comparison and
  any later command that trains.
- Value rules for a command's own flags: `config.check_flag` / `config.check_flags`.
"""

import dataclasses
import os
import re
import signal
import sys
import tempfile

INTERRUPTED_STATUS = 130  # the shell's status for a command stopped by Ctrl-C

HELP_FLAGS = ("--help", "-help", "-h", "-?", "--helpshort", "-helpshort", "--helpfull", "-helpfull")
# TensorFlow's C++ start-up lines: "I0000 00:00:... port.cc:153] ...", absl's note
# before InitializeLog, and cpu_feature_guard's second line.
_STARTUP_NOISE = re.compile(
    r"^([IWE]\d{4} \d\d:\d\d:[\d.]+ +\d+ [\w.]+:\d+\]|WARNING: All log messages before absl::InitializeLog"
    r"|To enable the following instructions:)"
)


def stop_on_ctrl_c(sentence):
    """From now on a Ctrl-C (SIGINT) prints `sentence` and exits with status 130.

    The exit is a `SystemExit` raised where the main thread is (inside an import, say),
    so `finally` blocks run: `import_tensorflow` gives stderr back first. Nothing is
    written but the sentence (os.write: the main thread may be inside a write to
    stderr itself)."""

    def stop(signum, frame):
        os.write(2, f"\n{sentence}\n".encode())
        raise SystemExit(INTERRUPTED_STATUS)

    signal.signal(signal.SIGINT, stop)


def verbose_requested(argv):
    """Whether the command line asks for absl/TensorFlow logging (`--verbosity`, `-v`)."""
    return any(
        arg in ("-v", "--v") or arg.split("=", 1)[0].lstrip("-") in ("verbosity", "v")
        for arg in argv[1:]
    )


_quiet = False


def quiet_tensorflow(argv, import_now=True):
    """Silences TensorFlow's C++ start-up logging unless `argv` asks for it, and imports
    TensorFlow so (`import_now`), or leaves that to `import_tensorflow()`, for a command
    whose --help and flag errors need no TensorFlow."""
    global _quiet
    if verbose_requested(argv):
        return
    _quiet = True
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"  # later C++ logging, e.g. the cuInit error
    if import_now:
        import_tensorflow()


def import_tensorflow():
    """Imports TensorFlow, with its start-up lines dropped after `quiet_tensorflow`."""
    if not _quiet or "tensorflow" in sys.modules:
        import tensorflow  # noqa: F401

        return
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no stderr to silence
        import tensorflow  # noqa: F401

        return
    with tempfile.TemporaryFile(mode="w+b") as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import tensorflow  # noqa: F401
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            text = captured.read().decode(errors="replace")
            kept = [line for line in text.splitlines() if line.strip() and not _STARTUP_NOISE.match(line)]
            if kept:
                print("\n".join(kept), file=sys.stderr, flush=True)


def flags_parser(program):
    """An absl `flags_parser` for `app.run`: help exits 0, errors are one line."""

    def parse(argv):
        from absl import app, flags

        if any(arg in HELP_FLAGS for arg in argv[1:]):
            app.usage(shorthelp=not any(arg.endswith("helpfull") for arg in argv[1:]), writeto_stdout=True)
            sys.exit(0)
        try:
            rest = flags.FLAGS(argv)
        except flags.Error as error:
            fail(f"{error} (see {program} --help)")
        if len(rest) > 1:
            fail(f"unexpected argument {rest[1]!r}: {program} takes only --flag=value arguments (see --help).")
        return rest

    return parse


def define_config_flags(flag_values=None, skip=(), default=None, help_text=None):
    """Defines one absl flag per `TrainConfig` field; returns `flag_values`.

    Args:
        flag_values: absl's `FlagValues` to define them in (default: the global FLAGS).
        skip: names of fields that get no flag.
        default: a function of the `dataclasses.Field` giving the flag's default
            (default: the field's default).
        help_text: a function of the field giving the flag's help (default: the
            field's help text).

    A field with choices in `config.CHOICES` becomes an enum flag of them; the
    others a boolean, integer, float or string flag by the field's type. The flags
    belong to the calling module, as if it had defined them (its `--help` lists them).
    """
    from absl import flags

    from hyper_lifelong_gan import config as config_lib

    flags.disclaim_key_flags()  # this module defines flags on its callers' behalf
    flag_values = flags.FLAGS if flag_values is None else flag_values
    for field in dataclasses.fields(config_lib.TrainConfig):
        if field.name in skip:
            continue
        value = field.default if default is None else default(field)
        text = field.metadata["help"] if help_text is None else help_text(field)
        if field.name in config_lib.CHOICES:
            flags.DEFINE_enum(field.name, value, config_lib.CHOICES[field.name], text, flag_values=flag_values)
        elif field.type in (bool, "bool"):
            flags.DEFINE_boolean(field.name, value, text, flag_values=flag_values)
        elif field.type in (int, "int"):
            flags.DEFINE_integer(field.name, value, text, flag_values=flag_values)
        elif field.type in (float, "float"):
            flags.DEFINE_float(field.name, value, text, flag_values=flag_values)
        else:
            flags.DEFINE_string(field.name, value, text, flag_values=flag_values)
    return flag_values


def config_from_flags(flag_values=None, skip=(), base=None):
    """The `TrainConfig` of flags defined by `define_config_flags`: the fields' defaults,
    then `base` ({field: value}), then every flag whose value is not None.

    Raises:
        config.InvalidConfig: a flag named that tunes a choice not made (e.g.
            --distill_runs without --distillation=sampled), even at its default value.
    """
    from absl import flags

    from hyper_lifelong_gan import config as config_lib

    flag_values = flags.FLAGS if flag_values is None else flag_values
    names = [field.name for field in dataclasses.fields(config_lib.TrainConfig) if field.name not in skip]
    values = dict(base or {})
    values.update({name: flag_values[name].value for name in names if flag_values[name].value is not None})
    config = config_lib.TrainConfig(**values)
    config_lib.check_distillation(config, given={name for name in names if flag_values[name].present})
    return config


def begin(problem):
    """The start of a command's `main`, once absl has parsed its flags: False (after
    printing `error: problem`) if `problem` names one; else absl's INFO logging is
    turned down (TFDS announces every dataset it opens) unless --verbosity asks for
    it, TensorFlow is imported quietly, and True."""
    if problem:
        print(f"error: {problem}", file=sys.stderr, flush=True)
        return False
    from absl import flags, logging

    if not flags.FLAGS["verbosity"].present:
        logging.set_verbosity(logging.WARNING)
    import_tensorflow()
    return True


def fail(message, status=1):
    """Prints `error: message` and exits with `status`."""
    print(f"error: {message}", file=sys.stderr, flush=True)
    sys.exit(status)
