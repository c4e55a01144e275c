"""A hundred tasks in one generator: step cost, memory, storage and retention per task.

    python benchmarks/many_tasks.py --distillation=sampled                  # toy100, the trainer's step count
    python benchmarks/many_tasks.py --num_tasks=10 --steps_per_task=20      # a quick check on toy10
    python benchmarks/many_tasks.py --distillation=sampled --exact_workdir=runs/many_tasks_exact_toy10
    python benchmarks/many_tasks.py --distillation=sampled --report_only --compare=runs/a,runs/b  # beside others

Trains `python train.py --tasks=toyN` (N = --num_tasks, 100 by default; --tasks names any
other sequence) in a subprocess, in --workdir. Running the command again continues the
run (train.py resumes from its workdir by itself) and rebuilds the report; --report_only
rebuilds it without training. Flags this script does not know are passed to train.py.

While train.py runs, its resident memory (VmRSS; and the kernel's peak, VmHWM, reset at
every task boundary through /proc/<pid>/clear_refs where Linux allows it), summed over
train.py and the processes it starts for each block of tasks, and
the run folder's size are sampled every --poll seconds and attributed to the task being
trained (progress.json's count of completed tasks). The samples go to
OUT/samples.jsonl, so a resumed run adds to them.

Per task, written to OUT/many_tasks.json and summarised in OUT/many_tasks.md:

- step cost relative to task 1: median images/s of task 1's logged windows over that of
  task t (metrics.jsonl), without each task's first window of each launch (its tracing
  and XLA compilation);
- peak memory (MB), generator parameters (results.json `params`), run-folder size when
  the task was done;
- L1 just after learning the task (the diagonal), after the last task (the last row),
  the mean-colour baseline's L1 (results.json `baselines`) and
  retained_j = (baseline_j - final_j) / (baseline_j - just_learned_j)
  (1: nothing lost, 0: back to the baseline, below 0: worse than the baseline).

Evaluation time: taken from results.json or metrics.jsonl if they record it (a key with
"eval" and "seconds" in its name), otherwise measured by this script as the time from a
task's last logged step to progress.json marking it done (saving the task's checkpoint and
generators, evaluating every task the schedule evaluates, and the end-of-task TensorBoard
sample grids; resolution: --poll). Training time is the monitored wall-clock time less
that (so it includes start-up and making each task's data when first needed).

Plots (OUT/*.png): step cost against t (the measured setting; an exact-distillation run
given by --exact_workdir beside it, its 1 + c (t - 1) line fitted and extrapolated to N, or
the line of a given --exact_slope c, both labelled as extrapolated); generator parameters
against t for hyper_lifelong_gan, full and piggyback (counts of untrained models at the
run's sizes: an exact formula in t fitted at t = 1, 2, 3 and checked at t = 4 and 6); and
retained quality against task age (N - j), beside that of the runs --compare names.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

PARAMETER_METHODS = ("hyper_lifelong_gan", "full", "piggyback")
REPORTED_TASKS = (1, 2, 10, 50, 100)
SAMPLES = "samples.jsonl"


# ------------------------------------------------------------------ the run's files


def read_json(path, default=None):
    if not os.path.exists(path):
        return default
    with open(path) as stream:
        return json.load(stream)


def read_jsonl(path):
    """The JSON objects of a JSON-lines file ([] if there is none); a half-written last
    line (the writer is still running) is skipped."""
    if not os.path.exists(path):
        return []
    records = []
    with open(path) as stream:
        for line in stream:
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                break
    return records


def folder_bytes(path):
    total = 0
    for folder, _, files in os.walk(path):
        for name in files:
            try:
                total += os.path.getsize(os.path.join(folder, name))
            except OSError:  # removed while walking (a checkpoint rotated away)
                pass
    return total


# -------------------------------------------------------------------- the arithmetic


def retained(baseline, just_learned, final):
    """(baseline - final) / (baseline - just_learned): 1 when nothing is lost, 0 when the
    task is back at its baseline; None when a value is missing or the task was never
    learned (just_learned >= baseline)."""
    if None in (baseline, just_learned, final) or baseline - just_learned <= 0:
        return None
    return (baseline - final) / (baseline - just_learned)


def first_value(column):
    return next((value for value in column if value is not None), None)


def quality_per_task(results, metric="l1"):
    """Per learned task: just-learned, final and baseline `metric` from results.json (a
    sparse evaluation schedule leaves cells null; the diagonal and the last row are kept)."""
    matrix = results["metrics"][metric]
    baselines = results.get("baselines", {}).get(metric) or []
    learned = len(matrix)
    rows = []
    for task in range(learned):
        baseline = first_value([row[task] for row in baselines if task < len(row)])
        just, final = matrix[task][task], matrix[learned - 1][task]
        rows.append(dict(just_learned=just, final=final, baseline=baseline,
                         retained=retained(baseline, just, final),
                         just_over_baseline=None if None in (just, baseline) else just / baseline))
    return rows


def launch_starts(samples):
    """The metrics.jsonl line counts at which each launch of train.py began."""
    return [sample["metrics_lines"] for sample in samples if sample.get("event") == "launch"]


def step_speeds(records, starts=()):
    """{task: median images/s} over each task's logged windows, leaving out the first
    window of a task in each launch (it holds the step's tracing and compilation)."""
    boundaries = sorted(set(starts) | {0})
    kept, seen = {}, set()
    for index, record in enumerate(records):
        launch = sum(index >= start for start in boundaries)
        if (launch, record["task"]) not in seen:
            seen.add((launch, record["task"]))
            continue
        kept.setdefault(record["task"], []).append(record["images_per_second"])
    return {task: statistics.median(values) for task, values in kept.items()}


def relative_step_costs(speeds, num_tasks):
    """Step cost of each task relative to task 1 (index 0): speed_1 / speed_t."""
    first = speeds.get(0)
    return [None if first is None or task not in speeds else first / speeds[task] for task in range(num_tasks)]


def fit_slope(costs):
    """c of the line 1 + c (t - 1) (t 1-based) by least squares over the measured costs."""
    pairs = [(t, cost) for t, cost in enumerate(costs, start=1) if cost is not None and t > 1]
    if not pairs:
        return None
    return sum((t - 1) * (cost - 1) for t, cost in pairs) / sum((t - 1) ** 2 for t, _ in pairs)


def recorded_eval_seconds(results, records):
    """The evaluation seconds the run recorded itself, or None: a list or number under a
    results.json key, or a value in metrics.jsonl, whose name has "eval" and "seconds"."""
    def matches(key):
        return "eval" in key and "second" in key

    total, found = 0.0, False
    for key, value in (results or {}).items():
        if matches(key):
            values = value if isinstance(value, list) else [value]
            total += sum(v for v in values if isinstance(v, (int, float)))
            found = True
    for record in records:
        for key, value in record.items():
            if matches(key) and isinstance(value, (int, float)):
                total += value
                found = True
    return total if found else None


def measured_timeline(samples, records, num_tasks):
    """From the monitor's samples: per task the seconds from its last logged step being
    seen to progress.json counting it done (saving and evaluation), and the monitored
    wall-clock seconds of all launches."""
    polls = [s for s in samples if s.get("event") == "poll"]
    last_line = {}
    for index, record in enumerate(records):
        last_line[record["task"]] = index
    gaps = []
    for task in range(num_tasks):
        seen = next((s["time"] for s in polls if s["metrics_lines"] > last_line.get(task, 1 << 62)), None)
        done = next((s["time"] for s in polls if s["completed_tasks"] > task), None)
        gaps.append(None if seen is None or done is None else max(done - seen, 0.0))
    wall, launch_time = 0.0, None
    for sample in samples:
        if sample.get("event") == "launch":
            launch_time = sample["time"]
        elif sample.get("event") == "exit" and launch_time is not None:
            wall += sample["time"] - launch_time
            launch_time = None
    return gaps, wall


def resources_per_task(samples, num_tasks):
    """Per task: peak memory in bytes (max of sampled RSS and the kernel's peak) and the
    run folder's bytes when the task was done: the smallest sample while it was the last
    task done (progress.json counts a task done just before what the retention policy
    drops is deleted, and the next task's checkpoint comes later)."""
    peak, size = [None] * num_tasks, [None] * num_tasks
    for sample in samples:
        if sample.get("event") != "poll":
            continue
        task = sample.get("task")
        if task is not None and task < num_tasks:
            memory = max(sample.get("rss") or 0, sample.get("peak") or 0)
            peak[task] = max(peak[task] or 0, memory)
        done = sample["completed_tasks"] - 1
        if 0 <= done < num_tasks and sample.get("folder_bytes") is not None:
            size[done] = min(size[done] or sample["folder_bytes"], sample["folder_bytes"])
    return peak, size


def summarize(rows, eval_seconds, train_seconds, eval_source):
    """The headline numbers of the per-task rows (see the module docstring)."""
    count = len(rows)
    kept = [row["retained"] for row in rows[:-1] if row["retained"] is not None]

    def at(task, key):
        return rows[task - 1][key] if task <= count else None

    def ratio(key, high, low):
        a, b = at(high, key), at(low, key)
        return None if a is None or not b else a / b

    last = count if count >= 10 else None
    return dict(
        tasks=count,
        mean_retained=statistics.mean(kept) if kept else None,
        min_retained=min(kept) if kept else None,
        tasks_below_half=sum(value < 0.5 for value in kept),
        tasks_with_retained=len(kept),  # the others were never below their baseline
        max_just_over_baseline=max((r["just_over_baseline"] for r in rows if r["just_over_baseline"] is not None),
                                   default=None),
        step_cost={t: at(t, "step_cost") for t in REPORTED_TASKS if t <= count},
        peak_memory_last_over_10=ratio("peak_memory_bytes", last, 10) if last else None,
        params_added_bytes_10_to_last=(at(last, "params") - at(10, "params")) * 4 if last and at(10, "params")
        else None,
        folder_last_over_10=ratio("folder_bytes", last, 10) if last else None,
        eval_seconds=eval_seconds, train_seconds=train_seconds, eval_source=eval_source,
        eval_share_of_training=eval_seconds / train_seconds if eval_seconds is not None and train_seconds else None,
    )


# ------------------------------------------------------------------ parameter counts


def polynomial_counts(counts):
    """Exact quadratic count(t) = a + b t + c t^2 through {1: n1, 2: n2, 3: n3}, as
    integers (a, b, c doubled: c may be a half)."""
    n1, n2, n3 = counts[1], counts[2], counts[3]
    c2 = n3 - 2 * n2 + n1  # 2c
    b2 = 2 * (n2 - n1) - 3 * c2  # 2b
    a2 = 2 * n1 - b2 - c2  # 2a
    return a2, b2, c2


def count_at(formula, t):
    a2, b2, c2 = formula
    return (a2 + b2 * t + c2 * t * t) // 2


def parameter_formulas(run_config, methods=PARAMETER_METHODS, checks=(4, 6)):
    """{method: (formula, {t: count built})}: count(t) fitted at t = 1, 2, 3 on untrained
    models at the run's sizes and checked at `checks` (raises if a check fails)."""
    import types

    from hyper_lifelong_gan import config as config_lib
    from hyper_lifelong_gan.methods import get_method

    generator_config = config_lib.generator_config(types.SimpleNamespace(**run_config))
    formulas = {}
    for name in methods:
        built = {t: get_method(name).rebuild(t, generator_config).count_params() for t in (1, 2, 3, *checks)}
        formula = polynomial_counts(built)
        for t in checks:
            if count_at(formula, t) != built[t]:
                raise AssertionError(f"{name}: {built[t]} parameters at t={t}, formula says {count_at(formula, t)}")
        formulas[name] = (formula, built)
    return formulas


# ------------------------------------------------------------------------ monitoring


class Sampler:
    """Reads a running train.py's memory and its run folder's state.

    train.py trains a long sequence in blocks of tasks, one child process each
    (hyper_lifelong_gan/training/processes.py), so memory is that of the process tree:
    the sum over train.py and its children of their resident memory (VmRSS) and of
    their kernel peaks (VmHWM)."""

    def __init__(self, pid, workdir):
        self.pid, self.workdir = pid, workdir
        self.metrics_path = os.path.join(workdir, "metrics.jsonl")

    def _pids(self):
        pids, pending = [], [self.pid]
        while pending:
            pid = pending.pop()
            pids.append(pid)
            try:
                with open(f"/proc/{pid}/task/{pid}/children") as stream:
                    pending.extend(int(child) for child in stream.read().split())
            except OSError:
                pass
        return pids

    @staticmethod
    def _status(pid, field):
        try:
            with open(f"/proc/{pid}/status") as stream:
                for line in stream:
                    if line.startswith(field + ":"):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
        return None

    def _tree_sum(self, field):
        values = [self._status(pid, field) for pid in self._pids()]
        values = [value for value in values if value is not None]
        return sum(values) if values else None

    def rss(self):
        return self._tree_sum("VmRSS")

    def peak(self):
        return self._tree_sum("VmHWM")

    def reset_peak(self):
        """Restarts the kernel's peak-RSS counts (Linux >= 4.0); False where not allowed."""
        reset = True
        for pid in self._pids():
            try:
                with open(f"/proc/{pid}/clear_refs", "w") as stream:
                    stream.write("5")
            except OSError:
                reset = False
        return reset

    def completed(self):
        try:
            return read_json(os.path.join(self.workdir, "progress.json"), {"completed_tasks": 0})["completed_tasks"]
        except (json.JSONDecodeError, OSError):
            return None

    def metrics_lines(self):
        if not os.path.exists(self.metrics_path):
            return 0
        with open(self.metrics_path, "rb") as stream:
            return sum(1 for line in stream if line.endswith(b"\n"))


def append_sample(path, sample):
    with open(path, "a") as stream:
        stream.write(json.dumps(sample) + "\n")


def run_and_monitor(command, workdir, samples_path, poll=0.5, size_every=5.0):
    """Runs `command` (train.py) and samples it until it exits; returns its exit status."""
    os.makedirs(workdir, exist_ok=True)
    start_lines = Sampler(-1, workdir).metrics_lines()
    append_sample(samples_path, dict(event="launch", time=time.time(), command=command, metrics_lines=start_lines))
    child = subprocess.Popen(command, cwd=ROOT)
    sampler = Sampler(child.pid, workdir)
    task, last_size_time, folder = None, 0.0, None
    try:
        while True:
            running = child.poll() is None
            completed = sampler.completed()
            now = time.time()
            sample = dict(event="poll", time=now, completed_tasks=completed, metrics_lines=sampler.metrics_lines())
            if running:
                sample.update(rss=sampler.rss(), peak=sampler.peak())
            changed = completed is not None and completed != task
            if changed or now - last_size_time >= size_every or not running:
                folder, last_size_time = folder_bytes(workdir), now
            sample["folder_bytes"] = folder
            # The peak read now belongs to the task that was running; then it restarts.
            sample["task"] = task if task is not None else completed
            append_sample(samples_path, sample)
            if changed:
                task = completed
                if running:
                    sampler.reset_peak()
            if not running:
                break
            time.sleep(poll)
    except KeyboardInterrupt:  # the child got the same Ctrl-C: let it save and stop
        child.wait()
    append_sample(samples_path, dict(event="exit", time=time.time(), status=child.returncode))
    return child.returncode


# ------------------------------------------------------------------------- the report


def per_task_rows(results, records, samples):
    """One row per learned task (see the module docstring)."""
    count = len(results["metrics"]["l1"])
    costs = relative_step_costs(step_speeds(records, launch_starts(samples)), count)
    peaks, sizes = resources_per_task(samples, count)
    rows = []
    for task, quality in enumerate(quality_per_task(results)):
        rows.append(dict(task=task + 1, name=results["tasks"][task], step_cost=costs[task],
                         peak_memory_bytes=peaks[task], params=results["params"][task],
                         folder_bytes=sizes[task], **quality))
    return rows


def build_report(workdir, samples_path):
    """(rows, summary) of the run in `workdir` with the monitor's samples."""
    results = read_json(os.path.join(workdir, "results.json"))
    if not results or not results["metrics"].get("l1"):
        return [], None
    records = read_jsonl(os.path.join(workdir, "metrics.jsonl"))
    samples = read_jsonl(samples_path)
    rows = per_task_rows(results, records, samples)
    gaps, wall = measured_timeline(samples, records, len(rows))
    recorded = recorded_eval_seconds(results, records)
    if recorded is not None:
        eval_seconds, source = recorded, "recorded by the run"
    else:
        measured = [gap for gap in gaps if gap is not None]
        eval_seconds = sum(measured) if measured else None
        source = (f"measured by this script: last logged step to task done, {len(measured)} of {len(rows)} tasks "
                  "(includes saving the task and its TensorBoard sample grids)")
    train_seconds = wall - eval_seconds if wall and eval_seconds is not None else None
    for row, gap in zip(rows, gaps):
        row["save_and_eval_seconds"] = gap
    return rows, summarize(rows, eval_seconds, train_seconds, source)


def _number(value, form="{:.3f}"):
    return "-" if value is None else form.format(value)


def markdown(rows, summary, title):
    mb = lambda value: None if value is None else value / 1e6  # noqa: E731
    costs = ", ".join(f"t={t}: {_number(cost, '{:.2f}x')}" for t, cost in summary["step_cost"].items())
    lines = [
        f"# {title}", "",
        f"- tasks learned: {summary['tasks']}",
        f"- retained over tasks 1..{summary['tasks'] - 1}: mean {_number(summary['mean_retained'])}, "
        f"min {_number(summary['min_retained'])}, {summary['tasks_below_half']} below 0.5 "
        f"({summary['tasks_with_retained']} tasks learned below their baseline count)",
        f"- just-learned L1 / baseline, worst task: {_number(summary['max_just_over_baseline'])}",
        f"- step cost relative to task 1: {costs}",
        f"- peak memory, last task / task 10: {_number(summary['peak_memory_last_over_10'], '{:.2f}x')} "
        f"(the parameters themselves add {_number(mb(summary['params_added_bytes_10_to_last']), '{:.1f} MB')} "
        "as float32)",
        f"- run folder, last task / task 10: {_number(summary['folder_last_over_10'], '{:.2f}x')}",
        f"- evaluation: {_number(summary['eval_seconds'], '{:.0f} s')} against "
        f"{_number(summary['train_seconds'], '{:.0f} s')} of training "
        f"({_number(summary['eval_share_of_training'], '{:.1%}')}; {summary['eval_source']})",
        "",
        "| t | task | step cost | peak MB | params | folder MB | just-learned L1 | final L1 | baseline L1 | retained |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['task']} | {row['name']} | {_number(row['step_cost'], '{:.2f}')} | "
            f"{_number(mb(row['peak_memory_bytes']), '{:.0f}')} | {row['params']:,} | "
            f"{_number(mb(row['folder_bytes']), '{:.1f}')} | {_number(row['just_learned'], '{:.4f}')} | "
            f"{_number(row['final'], '{:.4f}')} | {_number(row['baseline'], '{:.4f}')} | "
            f"{_number(row['retained'], '{:.2f}')} |")
    return "\n".join(lines) + "\n"


def exact_curve(exact_workdir, exact_slope, num_tasks):
    """(measured exact costs or None, slope or None, how the slope was found)."""
    if exact_workdir:
        results = read_json(os.path.join(exact_workdir, "results.json"), {"params": []})
        records = read_jsonl(os.path.join(exact_workdir, "metrics.jsonl"))
        count = max((record["task"] for record in records), default=-1) + 1
        measured = relative_step_costs(step_speeds(records), max(count, len(results["params"])))
        return measured, fit_slope(measured), f"fitted to tasks 1..{len(measured)} of {exact_workdir}"
    if exact_slope is not None:
        return None, exact_slope, "given"
    return None, None, None


def plot(rows, out, setting, exact, formulas, num_tasks, compared=()):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(6, 4))
    points = [(row["task"], row["step_cost"]) for row in rows if row["step_cost"] is not None]
    axes.plot(*zip(*points), "o-", markersize=3, label=f"{setting} (measured)") if points else None
    measured, slope, how = exact
    if measured:
        exact_points = [(t, cost) for t, cost in enumerate(measured, start=1) if cost is not None]
        axes.plot(*zip(*exact_points), "s-", markersize=3, label="exact eq. 10 (measured)")
    if slope is not None:
        ts = list(range(1, num_tasks + 1))
        axes.plot(ts, [1 + slope * (t - 1) for t in ts], "--",
                  label=f"exact eq. 10, extrapolated: 1 + {slope:.3f} (t - 1), {how}")
    axes.set(xlabel="task t", ylabel="step cost / step cost at task 1", yscale="log")
    axes.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(os.path.join(out, "step_cost.png"), dpi=120)
    pyplot.close(figure)

    figure, axes = pyplot.subplots(figsize=(6, 4))
    ts = list(range(1, num_tasks + 1))
    for name, (formula, _) in formulas.items():
        axes.plot(ts, [count_at(formula, t) / 1e6 for t in ts], label=name)
    axes.set(xlabel="tasks learned t", ylabel="generator parameters (M)")
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(os.path.join(out, "parameters.png"), dpi=120)
    pyplot.close(figure)

    figure, axes = pyplot.subplots(figsize=(6, 4))
    last = len(rows)
    ages = retained_by_age([row["retained"] for row in rows])
    for label, points in compared:
        axes.plot(*zip(*points), "x", markersize=3, alpha=0.6, label=label)
    if ages:
        axes.plot(*zip(*ages), "o", markersize=3, label=setting)
    axes.axhline(1.0, color="grey", linewidth=0.5)
    axes.axhline(0.5, color="grey", linewidth=0.5, linestyle=":")
    axes.set(xlabel=f"task age (T - j), T = {last}", ylabel="retained (1: nothing lost, 0: baseline)")
    if compared:
        axes.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(os.path.join(out, "retained.png"), dpi=120)
    pyplot.close(figure)


# ------------------------------------------------------------------------------ main


def train_command(args, passthrough):
    tasks = args.tasks or f"toy{args.num_tasks}"
    command = [sys.executable, os.path.join(ROOT, "train.py"), f"--tasks={tasks}", f"--seed={args.seed}",
               f"--workdir={args.workdir}"]
    if args.steps_per_task:
        command.append(f"--steps_per_task={args.steps_per_task}")
    if args.distillation:
        command.append(f"--distillation={args.distillation}")
    if not any(flag.startswith("--log_every") for flag in passthrough):
        # Several logged windows a task: the first of each holds the tracing and is left out.
        steps = args.steps_per_task or 400
        command.append(f"--log_every={max(1, steps // 8)}")
    return command + list(passthrough)


def formula_text(formula):
    a2, b2, c2 = formula
    text = f"{a2 / 2:,.0f} + {b2 / 2:,.0f} t"
    return text + (f" + {c2 / 2:,.1f} t^2" if c2 else "")


def setting_label(distillation, run_config):
    """The distillation the run used, in words, from its recorded flags (with how a
    new task's weights start and what is distilled on, where recorded)."""
    if run_config.get("method") not in ("hyper_lifelong_gan", "lifelong_gan_pp"):
        return f"none ({run_config.get('method')})"
    label = distillation or run_config.get("distillation") or "exact"
    if label == "sampled" and "distill_passes" in run_config:
        label += f", {run_config['distill_passes']} passes of {run_config.get('distill_runs', 1)} runs"
    if "task_init" in run_config and "distill_input" in run_config:
        label += f", {run_config['task_init']} weights, {run_config['distill_input']}"
    return label


def compared_runs(workdirs):
    """(label, [(task age, retained)]) of other runs of a sequence, from their
    results.json and run_config.json, to plot beside the measured one."""
    runs = []
    for workdir in workdirs:
        results = read_json(os.path.join(workdir, "results.json"))
        if not results or not results["metrics"].get("l1"):
            raise SystemExit(f"--compare: {workdir} holds no learned task (no results.json rows); "
                             "name the folder of a train.py run.")
        ages = retained_by_age([row["retained"] for row in quality_per_task(results)])
        runs.append((setting_label("", read_json(os.path.join(workdir, "run_config.json"), {})), ages))
    return runs


def retained_by_age(retained_per_task):
    """[(task age T - j, retained_j)] for the earlier tasks j = 1..T-1 whose retained is known."""
    last = len(retained_per_task)
    return [(last - task, value) for task, value in enumerate(retained_per_task[:-1], start=1) if value is not None]


def write_report(args, out, samples_path):
    rows, summary = build_report(args.workdir, samples_path)
    if not rows:
        print(f"{args.workdir} has no learned task yet; no report written.", file=sys.stderr)
        return
    run_config = read_json(os.path.join(args.workdir, "run_config.json"))
    num_tasks = max(len(read_json(os.path.join(args.workdir, "results.json"))["tasks"]), len(rows))
    formulas = parameter_formulas(run_config)
    hyper = formulas["hyper_lifelong_gan"][0]
    summary["parameter_formulas"] = {name: formula_text(f) for name, (f, _) in formulas.items()}
    if run_config.get("method") == "hyper_lifelong_gan":
        summary["params_match_formula"] = all(row["params"] == count_at(hyper, row["task"]) for row in rows)
    exact = exact_curve(args.exact_workdir, args.exact_slope, num_tasks)
    summary["exact_slope"], summary["exact_slope_source"] = exact[1], exact[2]
    setting = setting_label(args.distillation, run_config)
    title = f"{len(rows)} of {num_tasks} tasks, distillation: {setting}, {args.workdir}"
    with open(os.path.join(out, "many_tasks.json"), "w") as stream:
        json.dump(dict(title=title, summary=summary, tasks=rows), stream, indent=2)
    text = markdown(rows, summary, title)
    text += "\nGenerator parameters at the run's sizes (exact in t, checked on built models at t = 4 and 6): "
    text += "; ".join(f"{name}: {value}" for name, value in summary["parameter_formulas"].items()) + ".\n"
    if exact[1] is not None:
        text += f"\nExact eq. 10's step cost, extrapolated: 1 + {exact[1]:.3f} (t - 1) ({exact[2]}).\n"
    with open(os.path.join(out, "many_tasks.md"), "w") as stream:
        stream.write(text)
    compared = compared_runs([path for path in args.compare.split(",") if path])
    plot(rows, out, setting, exact, formulas, num_tasks, compared)
    print(text)
    print(f"Wrote {out}/many_tasks.json, many_tasks.md, step_cost.png, parameters.png, retained.png")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--num_tasks", type=int, default=100, help="N of --tasks=toyN (default 100).")
    parser.add_argument("--tasks", default="", help="Another task sequence for train.py (overrides --num_tasks).")
    parser.add_argument("--steps_per_task", type=int, default=0, help="Steps per task; 0: train.py's default.")
    parser.add_argument("--distillation", default="", help="train.py's --distillation (empty: its default).")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", default="", help="The run folder (default runs/many_tasks_<tasks>_<setting>).")
    parser.add_argument("--out", default="", help="Where the report goes (default WORKDIR_report).")
    parser.add_argument("--exact_workdir", default="", help="A run folder of exact distillation to plot beside.")
    parser.add_argument("--exact_slope", type=float, default=None,
                        help="c of exact's step cost 1 + c (t - 1), when no --exact_workdir is given.")
    parser.add_argument("--compare", default="",
                        help="Other run folders of the sequence (comma-separated) whose retained quality is plotted "
                             "beside this run's, each labelled by its recorded distillation.")
    parser.add_argument("--poll", type=float, default=0.5, help="Seconds between two samples (default 0.5).")
    parser.add_argument("--report_only", action="store_true", help="Rebuild the report without training.")
    args, passthrough = parser.parse_known_args(argv)
    if args.num_tasks < 1:
        parser.error("--num_tasks must be at least 1.")
    if not args.workdir:
        label = args.tasks.replace(",", "_")[:40] if args.tasks else f"toy{args.num_tasks}"
        args.workdir = os.path.join("runs", f"many_tasks_{label}_{args.distillation or 'default'}_seed{args.seed}")
    args.workdir = os.path.abspath(args.workdir)  # train.py runs in the repository's root
    args.out = args.out or args.workdir.rstrip("/") + "_report"
    return args, passthrough


HELP_FLAGS = ("--help", "--helpfull", "--helpshort", "--helpxml")


def main(argv=None):
    args, passthrough = parse_args(argv)
    if any(flag in HELP_FLAGS for flag in passthrough):  # train.py's flags: its help, no run
        return subprocess.call([sys.executable, os.path.join(ROOT, "train.py"), *passthrough])
    os.makedirs(args.out, exist_ok=True)
    samples_path = os.path.join(args.out, SAMPLES)
    status = 0
    if not args.report_only:
        status = run_and_monitor(train_command(args, passthrough), args.workdir, samples_path, poll=args.poll)
    write_report(args, args.out, samples_path)
    return status


if __name__ == "__main__":
    sys.exit(main())
