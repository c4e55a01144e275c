"""Paper Table 5: generator parameters after task 1, after task 2 and added per task.

    python -m hyper_lifelong_gan.experiments.parameter_table                 # prints it, writes
                                                                             # runs/parameter_table.{md,json}
    python -m hyper_lifelong_gan.experiments.parameter_table --out_dir=/tmp  # elsewhere

Every count comes from building each method's generators at the paper's size
(ResNet-6, ngf 64, K 7, z 64, hidden 64) through `method.start_task`, exactly as
training grows them: task 1, then task 2 grown from it. Only the paper's numbers,
printed beside ours, are written down here. Takes ~20 s on a 2-core CPU (each
model is built once).

Table 5 counts one generator of the unpaired (CycleGAN) setting, the A->B one.
This implementation uses the same ResNet-6 network for the paired (pix2pix)
setting, so both settings give the same counts; the output says so instead of
printing a second, identical table.
"""

import os

from hyper_lifelong_gan import config as config_lib
from hyper_lifelong_gan.experiments.method_facts import PAPER_LABELS, TABLE_5_ORDER
from hyper_lifelong_gan.methods import get_method
from hyper_lifelong_gan.reporting import tables

# Paper Table 5 (unpaired generation, one generator), in millions.
PAPER_TABLE_5 = {
    "hyper_full": {"after_task_1": 6.27, "after_task_2": 12.54, "added_per_task": 6.27},
    "hyper_lifelong_gan": {"after_task_1": 6.27, "after_task_2": 6.46, "added_per_task": 0.19},
    "full": {"after_task_1": 7.84, "after_task_2": 15.68, "added_per_task": 7.84},
    "lifelong_gan_pp": {"after_task_1": 7.84, "after_task_2": 7.85, "added_per_task": 0.01},
    "piggyback": {"after_task_1": 7.84, "after_task_2": 12.22, "added_per_task": 4.38},
    "sft": {"after_task_1": 6.27, "after_task_2": 6.27, "added_per_task": 0.0},
}
CELLS = ("after_task_1", "after_task_2", "added_per_task")
CELL_LABELS = {"after_task_1": "Task 1", "after_task_2": "Task 2", "added_per_task": "Additional"}
# The paper prints two decimals of millions; a cell reproduces it within this.
TOLERANCE_MILLIONS = 0.01
# What the counts hold that a reader comparing with older tables should know.
OUTPUT_BIAS_NOTE = (
    "Every count includes the bias of the generator's last convolution (3 values, as in CycleGAN's "
    "ResnetGenerator; the other convolutions are followed by an instance norm, which would cancel a bias): "
    "+3 per generator (Full and LifelongGAN++ share theirs across tasks; each generator of Hyper-Full and "
    "SFT holds one task) and +3 for each further task where one generator holds per-task filters "
    "(Hyper-LifelongGAN, PiggybackGAN), against the counts without it."
)

SETTINGS = {
    "unpaired": "the unpaired (CycleGAN) generator A->B, the one Table 5 counts",
    "paired": "the paired (pix2pix) generator",
}


def paper_generator_config():
    """The `ResnetGenerator` arguments at the paper's size (ngf 64, 6 blocks, K 7)."""
    return config_lib.generator_config(config_lib.resolve(config_lib.TrainConfig(), toy=False))


def setting_generator_configs():
    """{setting: generator config}: both settings use the paper-size ResNet-6 here."""
    paper = paper_generator_config()
    return {"unpaired": dict(paper), "paired": dict(paper)}


def count_method(method_name, generator_config):
    """Exact generator parameters of `method_name` after task 1, after task 2, and added."""
    method = get_method(method_name)
    after_one = method.start_task(None, 0, generator_config)
    after_two = method.start_task(after_one, 1, generator_config)
    first, second = after_one.count_params(), after_two.count_params()
    return {"after_task_1": first, "after_task_2": second, "added_per_task": second - first}


def _millions(count):
    return count / 1e6


def _truncated(millions):
    return int(millions * 100 + 1e-9) / 100


def compare_with_paper(method_name, counts):
    """Per cell: ours (exact and in millions), the paper's, the difference, and a note
    where the two-decimal figures differ."""
    cells = {}
    for cell in CELLS:
        ours = _millions(counts[cell])
        paper = PAPER_TABLE_5[method_name][cell]
        difference = ours - paper
        note = None
        if f"{ours:.2f}" != f"{paper:.2f}":
            note = (
                f"{PAPER_LABELS[method_name]}, {CELL_LABELS[cell].lower()}: {counts[cell]:,} = "
                f"{ours:.2f}M here (exactly {ours:.6f}M), {paper:.2f}M in the paper "
                f"(difference {difference:+.4f}M, "
                f"{'within' if abs(difference) <= TOLERANCE_MILLIONS + 1e-9 else 'OUTSIDE'} "
                f"+-{TOLERANCE_MILLIONS}M)"
            )
            if f"{_truncated(ours):.2f}" == f"{paper:.2f}":
                note += "; the paper's figure is ours truncated, not rounded, to two decimals"
            note += "."
        cells[cell] = {
            "count": counts[cell],
            "millions": round(ours, 6),
            "paper_millions": paper,
            "difference_millions": round(difference, 6),
            "within_tolerance": abs(difference) <= TOLERANCE_MILLIONS + 1e-9,
            "note": note,
        }
    return cells


def parameter_table(methods=TABLE_5_ORDER, configs=None):
    """Table 5 for every setting, computed by building the models.

    Args:
        methods: method names, in column order.
        configs: {setting: generator config}; default `setting_generator_configs()`.
            Settings with equal configs are counted once and share the numbers.

    Returns:
        A JSON-ready dict: {"tolerance_millions", "settings": {setting: {"description",
        "generator_config", "same_as" (another setting with the same generator, or
        None), "methods": {method: {"label", cell: {"count", "millions",
        "paper_millions", "difference_millions", "within_tolerance", "note"}}}}},
        "notes": [...]}.
    """
    configs = setting_generator_configs() if configs is None else configs
    computed = []  # (config, setting, per-method cells), built once per distinct config
    settings = {}
    for setting, generator_config in configs.items():
        same_as = next((name for config, name, _ in computed if config == generator_config), None)
        if same_as is None:
            rows = {
                name: {"label": PAPER_LABELS[name], **compare_with_paper(name, count_method(name, generator_config))}
                for name in methods
            }
            computed.append((generator_config, setting, rows))
        else:
            rows = next(rows for config, _, rows in computed if config == generator_config)
        settings[setting] = {
            "description": SETTINGS.get(setting, setting),
            "generator_config": dict(generator_config),
            "same_as": same_as,
            "methods": rows,
        }
    first = next(iter(settings.values()))
    notes = [OUTPUT_BIAS_NOTE] + [first["methods"][name][cell]["note"] for name in methods for cell in CELLS
                                  if first["methods"][name][cell]["note"]]
    return {"tolerance_millions": TOLERANCE_MILLIONS, "settings": settings, "notes": notes}


def _sentence_case(text):
    return text[:1].upper() + text[1:]


def _config_line(generator_config):
    return (
        f"ResNet generator with ngf {generator_config['ngf']}, {generator_config['n_blocks']} residual blocks, "
        f"K {generator_config['num_bases']}, z {generator_config['z_dim']}, "
        f"filter-generator hidden size {generator_config['hidden_units']}"
    )


def _setting_markdown(setting, entry):
    rows = entry["methods"]
    header = [""] + [row["label"] for row in rows.values()]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for cell in CELLS:
        values = [
            f"{row[cell]['millions']:.2f}M (paper {row[cell]['paper_millions']:.2f}M)" for row in rows.values()
        ]
        lines.append("| " + " | ".join([CELL_LABELS[cell]] + values) + " |")
    exact = ["", "Exact counts:", "", "| method | after task 1 | after task 2 | added per task |", "|---|---|---|---|"]
    exact += [
        f"| {row['label']} | " + " | ".join(f"{row[cell]['count']:,}" for cell in CELLS) + " |"
        for row in rows.values()
    ]
    heading = [f"## {_sentence_case(entry['description'])}", "", _config_line(entry["generator_config"]) + ".", ""]
    return "\n".join(heading + lines + exact)


def markdown(table):
    """The table as markdown: one section per setting (or a sentence where a setting
    has the same generator as another), then the notes."""
    parts = [
        "# Generator parameters (paper Table 5)",
        "",
        "Counted by building each method's generators after task 1 and after task 2 through "
        "`method.start_task`; the paper's figure is beside each of ours. A cell reproduces the "
        f"paper when it is within +-{table['tolerance_millions']}M.",
    ]
    for setting, entry in table["settings"].items():
        parts.append("")
        if entry["same_as"] is None:
            parts.append(_setting_markdown(setting, entry))
        else:
            parts.append(
                f"## {_sentence_case(entry['description'])}\n\nThis implementation uses the same network "
                f"({_config_line(entry['generator_config'])}) for the {setting} setting as for the "
                f"{entry['same_as']} one, so every count is the same as above (the JSON repeats them)."
            )
    within = all(
        row[cell]["within_tolerance"]
        for entry in table["settings"].values() for row in entry["methods"].values() for cell in CELLS
    )
    parts += ["", "## Notes", ""]
    parts += [f"- {note}" for note in table["notes"]]
    parts.append(
        f"- Every cell is within +-{table['tolerance_millions']}M of the paper."
        if within else f"- Some cells are NOT within +-{table['tolerance_millions']}M of the paper."
    )
    return "\n".join(parts) + "\n"


def write(table, out_dir):
    """Writes OUT_DIR/parameter_table.md and .json; returns their paths."""
    return tables.write_markdown_and_json(out_dir, "parameter_table", markdown(table), table)


def _define_flags():
    from absl import flags

    flags.DEFINE_string("out_dir", "runs", "Where parameter_table.md and parameter_table.json are written.")
    return flags.FLAGS


def main(argv):
    from absl import app

    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {' '.join(argv[1:])}")
    table = parameter_table()
    print(markdown(table))
    for path in write(table, FLAGS.out_dir):
        print(f"Wrote {path}")


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from absl import app

    FLAGS = _define_flags()
    app.run(main)
