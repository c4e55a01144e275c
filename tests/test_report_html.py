"""evaluate.py's report.html: report.md's tables and the figures, in one page that opens from disk."""

import base64
import html
import re
import types

from hyper_lifelong_gan.evaluation import reports, runs
from hyper_lifelong_gan.methods import get_method
from hyper_lifelong_gan.metrics import report


def test_report_html_holds_the_tables_and_embeds_the_figures(tmp_path):
    tasks = [types.SimpleNamespace(name=name) for name in ("toy_a", "toy_b")]
    run = runs.Run(
        workdir=str(tmp_path), config=None, tasks=tasks, method=get_method("hyper_lifelong_gan"), completed=2,
        results={},
    )
    heatmap = tmp_path / "heatmap_l1.png"
    matrix = [[0.25, None], [0.23, 0.18]]
    report.save_heatmap_png(str(heatmap), matrix, ["toy_a", "toy_b"], "L1", higher_is_better=False)
    evaluation = reports.RunEvaluation(
        run=run, name="hyper_lifelong_gan", matrices={"l1": matrix}, means={"l1": 0.205}, params=[100, 150],
        eval_examples=0, figures={"heatmap_l1": str(heatmap)}, report_path=str(tmp_path / "report.md"),
    )
    table = reports.comparison_table([evaluation])
    path = reports.write_report_html(evaluation, table)
    page = open(path).read()
    assert path == str(tmp_path / "report.html")
    # Every table row of report.md is a row of the page, cell by cell.
    markdown = reports.run_report_text(evaluation, table)
    for line in markdown.splitlines():
        if line.startswith("|") and not set(line) <= set("|-: "):
            cells = [html.escape(cell.strip()) for cell in line.strip().strip("|").split("|")]
            row = lambda tag: "<tr>" + "".join(f"<{tag}>{cell}</{tag}>" for cell in cells) + "</tr>"  # noqa: E731
            assert row("td") in page or row("th") in page, line
    assert "<h2>L1: task j after learning task i</h2>" in page
    # The figure is in the page itself, not a link to a file a server would have to serve.
    (data,) = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert base64.b64decode(data) == heatmap.read_bytes()
