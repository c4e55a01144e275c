"""Forgetting on the long built-in sequence: exact against sampled distillation, over seeds.

    python benchmarks/toy10_forgetting.py      # exact, 1 pass with 4 runs, 2 passes with 4 runs, SFT; seeds 0, 1
    python benchmarks/toy10_forgetting.py --settings=exact,passes1,passes1_runs8 --seeds=0,1,2,3,4

Each (setting, seed) trains `--tasks=toy10` with the trainer's defaults (32 px, 400
steps a task) in OUT_DIR/<setting>/seed_<s>, two at a time on a CPU with two or more
cores. Running the command again resumes unfinished runs and skips finished ones, so
the table can be rebuilt at no cost, with more seeds or settings added. A setting is
`exact` (eq. 10, every earlier task in every step), `exact_previous_unswap` (eq. 10
with sampled's task init and distillation input), `sft` (no distillation: fine-tuning)
or a name from benchmarks/distill_variants.py (sampled, passes1, passes1_runs4, ...).

Per run, from its test L1 matrix (M[i][j]: L1 of task j after learning task i, 10 tasks):

- mean forgetting (`metrics.forgetting`, as in every table): the mean over tasks 1-9 of
  M[9][j] - M[j][j] (positive: worse);
- worst task: the task whose L1 grew most relative to just after it was learned,
  M[9][j] / M[j][j] - 1;
- over the bar: how many tasks grew by more than --bar (15%) relative;
- the earlier tasks' L1 just after each was learned and after the last task, each
  averaged over tasks 1-9 (their difference is the mean forgetting): a setting that
  learns the tasks better has more to forget.

Per setting: the mean forgetting of every seed and their average, that average
against exact's average, and the two L1 levels averaged over the seeds. (A ratio per
seed means little: exact's own mean forgetting is near zero, or negative, on some
seeds.) The table is printed and written to OUT_DIR/summary.md and OUT_DIR/summary.json.
"""

import argparse
import dataclasses
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.distill_variants import DISTILL_VARIANTS  # noqa: E402
from hyper_lifelong_gan import config as config_lib  # noqa: E402

SEQUENCE = "toy10"
DEFAULT_SETTINGS = "exact,passes1_runs4,passes2_runs4,sft"
SETTINGS = {
    "exact": ("exact (eq. 10)", {}),
    # eq. 10 with what sampled distillation defaults to: the sampled estimate's own exact.
    "exact_previous_unswap": ("exact, previous weights, unswap", {"task_init": "previous", "distill_input": "unswap"}),
    **DISTILL_VARIANTS,
    "sft": ("none (SFT)", {"method": "sft"}),
}


def parse_settings(spec):
    """'a,b' -> setting names, in the order given; a clear error for an unknown one."""
    names = [name.strip() for name in spec.split(",") if name.strip()]
    unknown = [name for name in names if name not in SETTINGS]
    if unknown or not names:
        raise config_lib.InvalidConfig(
            f"Unknown --settings {', '.join(unknown) or repr(spec)}; use a comma-separated list of: "
            f"{', '.join(SETTINGS)}.")
    return names


def parse_seeds(spec):
    try:
        seeds = [int(seed) for seed in spec.split(",") if seed.strip()]
    except ValueError:
        seeds = []
    if not seeds or min(seeds) < 0:
        raise config_lib.InvalidConfig(f"--seeds takes non-negative integers separated by commas, got {spec!r}.")
    return sorted(set(seeds))


def run_config(setting, seed, out_dir, steps_per_task=None):
    """The TrainConfig of one (setting, seed) run, in OUT_DIR/<setting>/seed_<seed>."""
    fields = dict(SETTINGS[setting][1], tasks=SEQUENCE, seed=seed,
                  workdir=os.path.join(out_dir, setting, f"seed_{seed}"))
    if steps_per_task:
        fields["steps_per_task"] = str(steps_per_task)
    return config_lib.validate(dataclasses.replace(config_lib.TrainConfig(), **fields))


def run_summary(matrix, bar=0.15):
    """Forgetting of one run from its L1 matrix (rows: after each task)."""
    from hyper_lifelong_gan.experiments import comparison
    from hyper_lifelong_gan.metrics.forgetting import mean_forgetting

    last = len(matrix) - 1
    changes = [matrix[last][task] / matrix[task][task] - 1 for task in range(last)]
    worst = max(range(last), key=lambda task: changes[task])
    return {
        "mean_forgetting": mean_forgetting("l1", matrix),
        # Where the earlier tasks start and end: a setting that learns them better
        # has more to forget, so the levels say what the forgetting leaves.
        "earlier_learned": sum(matrix[task][task] for task in range(last)) / last,
        "earlier_final": sum(matrix[last][task] for task in range(last)) / last,
        "worst_task": worst + 1,
        "worst_change": changes[worst],
        "over_bar": sum(change > bar for change in changes),
        "final_mean": comparison.final_mean(matrix),
    }


def summarize(runs_by_setting, bar=0.15):
    """{setting: {seed: results dict}} -> {setting: {"runs": {seed: run summary},
    "mean_forgetting": average over seeds, "against_exact": that / exact's average}}."""
    table = {}
    for setting, runs in runs_by_setting.items():
        summaries = {seed: run_summary(results["metrics"]["l1"], bar) for seed, results in runs.items()}
        averages = {key: sum(run[key] for run in summaries.values()) / len(summaries)
                    for key in ("mean_forgetting", "earlier_learned", "earlier_final")}
        table[setting] = {"runs": summaries, **averages}
    exact = table.get("exact", {}).get("mean_forgetting")
    for row in table.values():
        row["against_exact"] = row["mean_forgetting"] / exact if exact and exact > 0 else None
    return table


def markdown(table, seeds, bar=0.15):
    header = (["distillation"] + [f"seed {seed}" for seed in seeds]
              + ["mean", "vs exact", f"seeds with a task > +{bar:.0%}", "earlier tasks' L1: learned, final"])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for setting, row in table.items():
        cells = [SETTINGS[setting][0]]
        for seed in seeds:
            run = row["runs"][seed]
            cells.append(f"{run['mean_forgetting']:.4f} (task {run['worst_task']} {run['worst_change']:+.1%})")
        ratio = row["against_exact"]
        over = sum(run["over_bar"] > 0 for run in row["runs"].values())
        cells += [f"{row['mean_forgetting']:.4f}", "-" if ratio is None else f"{ratio:.2f}x", f"{over} of {len(seeds)}",
                  f"{row['earlier_learned']:.4f}, {row['earlier_final']:.4f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--settings", default=DEFAULT_SETTINGS,
                        help=f"Comma-separated settings (default {DEFAULT_SETTINGS}); any of {', '.join(SETTINGS)}.")
    parser.add_argument("--seeds", default="0,1", help="Comma-separated seeds (default 0,1).")
    parser.add_argument("--out_dir", default=os.path.join("runs", "toy10_forgetting"),
                        help="Where the runs and the table go (default runs/toy10_forgetting).")
    parser.add_argument("--parallel", type=int, default=0,
                        help="Runs trained at once, each in a process of its own; 0: 2 on a CPU with 2 or more "
                             "cores, 1 on a GPU. With 1 the runs share this process, which keeps what each traced: "
                             "for many runs one at a time, give one --seeds value per invocation.")
    parser.add_argument("--steps_per_task", type=int, default=0, help="Steps per task; 0: the trainer's default (400).")
    parser.add_argument("--bar", type=float, default=0.15,
                        help="Relative growth of a task's L1 counted as over the bar.")
    args = parser.parse_args(argv)

    from hyper_lifelong_gan.experiments import comparison

    try:
        settings, seeds = parse_settings(args.settings), parse_seeds(args.seeds)
        if args.parallel < 0 or args.steps_per_task < 0:
            raise config_lib.InvalidConfig("--parallel and --steps_per_task take non-negative integers.")
        configs = {f"{setting}, seed {seed}": run_config(setting, seed, args.out_dir, args.steps_per_task)
                   for setting in settings for seed in seeds}
        runs = comparison.run_configs(configs, log_stream=sys.stdout,
                                      parallel=args.parallel or comparison.default_parallel())
    except config_lib.InvalidConfig as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except FloatingPointError as error:  # a run's loss went NaN (the trainer says which and where)
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as stop:
        print(f"\n{stop.args[0] if stop.args else 'Interrupted; run the same command again to resume.'}",
              file=sys.stderr)
        return 130
    by_setting = {setting: {seed: runs[f"{setting}, seed {seed}"]["results"] for seed in seeds} for setting in settings}
    table = summarize(by_setting, args.bar)
    text = markdown(table, seeds, args.bar)
    print(f"\nToy10 forgetting (test L1; mean forgetting per seed, worst task in brackets):\n\n{text}")
    os.makedirs(args.out_dir, exist_ok=True)
    with open(os.path.join(args.out_dir, "summary.md"), "w") as out:
        out.write(text + "\n")
    with open(os.path.join(args.out_dir, "summary.json"), "w") as out:
        json.dump({"seeds": seeds, "bar": args.bar, "settings": table}, out, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
