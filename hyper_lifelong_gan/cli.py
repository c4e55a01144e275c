"""What every command line of the project shares: a quiet start and one-line flag errors.

    from hyper_lifelong_gan import cli
    cli.quiet_tensorflow(sys.argv)          # first, before anything imports TensorFlow
                                            # (import_now=False: later, cli.import_tensorflow())
    from absl import app, flags
    ...
    app.run(main, flags_parser=cli.flags_parser("train.py"))

- `quiet_tensorflow`: TensorFlow's C++ start-up logging (oneDNN notes, "Could not
  find cuda drivers", an `E0000 ... failed call to cuInit` error on a machine
  without a GPU) is not printed unless the command is given `--verbosity`/`-v`.
  Part of it is printed by absl's C++ logging before it reads
  TF_CPP_MIN_LOG_LEVEL, so the import runs with the process' stderr captured,
  and whatever else the import printed is passed on.
- `flags_parser`: `--help` prints the help and exits 0; a bad flag value, an
  unknown flag or a stray positional argument gives one line `error: ...` and
  status 1, without the whole help.
- Value rules for a command's own flags: `config.check_flag` / `config.check_flags`.
"""

import os
import re
import sys
import tempfile

HELP_FLAGS = ("--help", "-help", "-h", "-?", "--helpshort", "-helpshort", "--helpfull", "-helpfull")
# TensorFlow's C++ start-up lines: "I0000 00:00:... port.cc:153] ...", absl's note
# before InitializeLog, and cpu_feature_guard's second line.
_STARTUP_NOISE = re.compile(
    r"^([IWE]\d{4} \d\d:\d\d:[\d.]+ +\d+ [\w.]+:\d+\]|WARNING: All log messages before absl::InitializeLog"
    r"|To enable the following instructions:)"
)


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
