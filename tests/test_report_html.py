"""HTML pages: evaluate.py's report.html (report.md's tables and the figures, in one
page that opens from disk) and the shared helper that writes them from markdown."""

import base64
import html.parser
import re
import types

from hyper_lifelong_gan.evaluation import reports, runs
from hyper_lifelong_gan.methods import get_method
from hyper_lifelong_gan.reporting import figures, pages


class _Tables(html.parser.HTMLParser):
    """The text of every table row of a page, as lists of cell strings, and its headings."""

    def __init__(self):
        super().__init__()
        self.rows, self.headings, self._cell, self._heading = [], [], None, None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = ""
        elif tag in ("h1", "h2"):
            self._heading = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.rows[-1].append(self._cell)
            self._cell = None
        elif tag in ("h1", "h2"):
            self.headings.append(self._heading)
            self._heading = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data
        if self._heading is not None:
            self._heading += data


def _parse(page):
    parser = _Tables()
    parser.feed(page)
    return parser


def test_report_html_holds_the_tables_and_embeds_the_figures(tmp_path):
    tasks = [types.SimpleNamespace(name=name) for name in ("toy_a", "toy_b")]
    run = runs.Run(
        workdir=str(tmp_path), config=None, tasks=tasks, method=get_method("hyper_lifelong_gan"), completed=2,
        results={},
    )
    heatmap = tmp_path / "heatmap_l1.png"
    matrix = [[0.25, None], [0.23, 0.18]]
    figures.save_heatmap_png(str(heatmap), matrix, ["toy_a", "toy_b"], "L1", higher_is_better=False)
    evaluation = reports.RunEvaluation(
        run=run, name="hyper_lifelong_gan", matrices={"l1": matrix}, means={"l1": 0.205}, params=[100, 150],
        eval_examples=0, figures={"heatmap_l1": str(heatmap)}, report_path=str(tmp_path / "report.md"),
    )
    table = reports.comparison_table([evaluation])
    path = reports.write_report_html(evaluation, table)
    page = open(path).read()
    assert path == str(tmp_path / "report.html")
    assert page.startswith("<!DOCTYPE html>") and f"<title>Evaluation of {tmp_path}</title>" in page
    # Every table row of report.md is a row of the page, cell by cell (the separator rows aside).
    markdown = reports.run_report_text(evaluation, table)
    expected = [[cell.strip() for cell in line.strip().strip("|").split("|")]
                for line in markdown.splitlines() if line.startswith("|") and not set(line) <= set("|-: ")]
    parsed = _parse(page)
    assert parsed.rows == expected
    assert ["L1", "0.20"] in parsed.rows and ["forgetting", "-0.02", "-", "-0.02"] in parsed.rows  # L1 fell: improved
    assert "L1: task j after learning task i" in parsed.headings and "Figures" in parsed.headings
    # The figure is in the page itself, not a link to a file a server would have to serve.
    (data,) = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert base64.b64decode(data) == heatmap.read_bytes()


def test_page_text_is_literal_and_image_paths_are_links(tmp_path):
    name = "a_b*c|d<e>[1].png"
    text = "\n".join([
        "# Results",
        "",
        "| file | image |",
        "|---|---|",
        f"| {pages.escape(name)} | {pages.image('out dir/x (1).png', name, link=True)} |",
    ])
    path = pages.write(str(tmp_path / "page.html"), "A <title>", text, style="td{padding:1px}")
    page = open(path).read()
    assert "<title>A &lt;title&gt;</title>" in page and "<style>td{padding:1px}</style>" in page
    assert _parse(page).rows == [["file", "image"], [name, ""]]  # markup characters stay text
    assert '<a href="out%20dir/x%20%281%29.png"><img alt="a_b*c|d&lt;e&gt;[1].png" src="out%20dir/x%20%281%29.png"' \
        in page
