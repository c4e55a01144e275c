"""Who may import whom: neither the evaluation package, the datasets package, inference
nor serving imports the training package; the reporting package imports neither training
nor evaluation; no modules import each other in a circle; and every import between
units is one the layering table of docs/design.md allows (the table is the rule)."""

import ast
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = "hyper_lifelong_gan"
EVALUATION_MODULES = ("generation", "scores", "classifier", "runs", "reports", "outputs", "command")


REPORTING_MODULES = ("tables", "figures", "images", "pages", "progress")


def _loaded_after_importing(modules, forbidden):
    """The modules under any of `forbidden` that importing `modules` loads, in a fresh Python."""
    imports = "; ".join(f"import {module}" for module in modules)
    code = (
        f"import sys; {imports}; "
        f"print(sorted(m for m in sys.modules if m.startswith({tuple(forbidden)!r})))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed.stdout.strip().splitlines()[-1]


def test_the_evaluation_package_imports_no_training_module():
    modules = [f"{PACKAGE}.evaluation.{name}" for name in EVALUATION_MODULES]
    assert _loaded_after_importing(modules, [f"{PACKAGE}.training"]) == "[]"


def test_inference_and_serving_import_no_training_module():
    modules = [f"{PACKAGE}.inference", f"{PACKAGE}.serving"]
    assert _loaded_after_importing(modules, [f"{PACKAGE}.training"]) == "[]"
    for name in ("inference", "serving"):
        with open(os.path.join(ROOT, PACKAGE, f"{name}.py")) as stream:
            assert f"{PACKAGE}.training" not in stream.read(), name


def test_the_reporting_package_imports_neither_training_nor_evaluation():
    modules = [f"{PACKAGE}.reporting.{name}" for name in REPORTING_MODULES]
    assert _loaded_after_importing(modules, [f"{PACKAGE}.training", f"{PACKAGE}.evaluation"]) == "[]"
    graph = _import_graph()
    reporting = {name: targets for name, targets in graph.items() if name.startswith(f"{PACKAGE}.reporting")}
    assert set(reporting) == {f"{PACKAGE}.reporting"} | {f"{PACKAGE}.reporting.{name}" for name in REPORTING_MODULES}
    for name in reporting:
        path = os.path.join(ROOT, *name.split(".")) + ("/__init__.py" if name == f"{PACKAGE}.reporting" else ".py")
        with open(path) as stream:
            text = stream.read()
        assert f"{PACKAGE}.training" not in text and f"{PACKAGE}.evaluation" not in text, name


def _module_name(path):
    relative = os.path.relpath(path, ROOT)[: -len(".py")].replace(os.sep, ".")
    return relative[: -len(".__init__")] if relative.endswith(".__init__") else relative


def _top_level_imports(path, name):
    """The modules of this repository that `path` imports when it is imported (imports
    inside functions run later, and only where called, so they are left out)."""
    tree = ast.parse(open(path).read())
    package = name if path.endswith("__init__.py") else name.rpartition(".")[0]
    found = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + [base]).strip(".")
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def _import_graph():
    modules = {}
    for folder in (PACKAGE, "datasets"):
        for directory, _, files in os.walk(os.path.join(ROOT, folder)):
            for file in files:
                if file.endswith(".py"):
                    path = os.path.join(directory, file)
                    modules[_module_name(path)] = path
    graph = {}
    for name, path in modules.items():
        targets = set()
        for imported in _top_level_imports(path, name):
            # `import a.b.c` also runs a and a.b; keep each module of this repository.
            parts = imported.split(".")
            targets.update(".".join(parts[:i]) for i in range(1, len(parts) + 1)
                           if ".".join(parts[:i]) in modules)
        # A package runs before its modules: a module's own packages are no edge of a circle.
        graph[name] = {target for target in targets if not (name + ".").startswith(target + ".")}
    return graph


def _circle(graph):
    """One import circle of `graph` as a list of modules, or None."""
    state = {}

    def visit(node, path):
        state[node] = "open"
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                return path[path.index(target):] + [target]
            if target not in state:
                found = visit(target, path + [target])
                if found:
                    return found
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node, [node])
            if found:
                return found
    return None


def test_the_graph_finds_a_circle_when_there_is_one():
    assert _circle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _circle({"a": {"b"}, "b": set()}) is None


def test_no_module_level_import_circle_among_the_upper_half():
    graph = _import_graph()
    upper = {name: targets for name, targets in graph.items()
             if name == PACKAGE or name.startswith(f"{PACKAGE}.")
             and not name.startswith((f"{PACKAGE}.layers", f"{PACKAGE}.models", f"{PACKAGE}.methods"))}
    assert f"{PACKAGE}.workdir" in upper and f"{PACKAGE}.evaluation.scores" in upper
    restricted = {name: {t for t in targets if t in upper} for name, targets in upper.items()}
    assert _circle(restricted) is None, " -> ".join(_circle(restricted))


def test_evaluation_modules_do_not_name_the_training_package():
    for name in EVALUATION_MODULES + ("__init__",):
        with open(os.path.join(ROOT, PACKAGE, "evaluation", f"{name}.py")) as stream:
            assert f"{PACKAGE}.training" not in stream.read(), name


def test_no_module_level_import_circle_anywhere():
    graph = _import_graph()
    assert "datasets.pipeline" in graph and f"{PACKAGE}.layers.task_selection" in graph
    assert _circle(graph) is None, " -> ".join(_circle(graph))


def test_datasets_import_nothing_of_the_training_package():
    graph = _import_graph()
    for name, targets in graph.items():
        if name.startswith("datasets"):
            assert not [t for t in targets if t.startswith(f"{PACKAGE}.training")], name


# ----------------------------------------------------------------- the layering table

DESIGN = os.path.join(ROOT, "docs", "design.md")
TABLE_MARK = "<!-- layering table"


def layering_table(text):
    """{unit: set of units it may import}, from the table after TABLE_MARK in docs/design.md."""
    lines = text[text.index(TABLE_MARK):].splitlines()[1:]
    rows = {}
    for line in lines[2:]:  # header and rule
        if not line.startswith("|"):
            break
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        allowed = cells[-1]
        rows[cells[0].strip("`")] = set() if allowed == "-" else {name.strip(" `") for name in allowed.split(",")}
    return rows


def _unit(module):
    """The unit of the layering table a module of this repository belongs to, or None."""
    parts = module.split(".")
    if parts[0] == "datasets":
        return "datasets"
    if parts[0] == PACKAGE and len(parts) > 1:
        return parts[1]
    return None


def unit_imports():
    """{(unit, imported unit): [module that imports it, ...]} over every import statement
    of hyper_lifelong_gan/ and datasets/, at module level or inside functions."""
    found = {}
    for folder in (PACKAGE, "datasets"):
        for directory, _, files in os.walk(os.path.join(ROOT, folder)):
            for file in (f for f in files if f.endswith(".py")):
                path = os.path.join(directory, file)
                name = _module_name(path)
                package = name if file == "__init__.py" else name.rpartition(".")[0]
                for node in ast.walk(ast.parse(open(path).read())):
                    if isinstance(node, ast.Import):
                        targets = [alias.name for alias in node.names]
                    elif isinstance(node, ast.ImportFrom):
                        base = node.module or ""
                        if node.level:
                            parts = package.split(".")
                            base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
                        targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
                    else:
                        continue
                    for target in targets:
                        source, imported = _unit(name), _unit(target)
                        if source and imported and imported != source:
                            found.setdefault((source, imported), []).append(name)
    return found


def violations(table, imports):
    return sorted(
        f"{modules[0]} imports {imported}, which `{source}` may not"
        for (source, imported), modules in imports.items() if imported not in table.get(source, set())
    )


def test_every_unit_is_in_the_layering_table():
    table = layering_table(open(DESIGN).read())
    folder = os.path.join(ROOT, PACKAGE)
    modules = {entry[: -len(".py")] for entry in os.listdir(folder) if entry.endswith(".py")} - {"__init__"}
    packages = {entry for entry in os.listdir(folder) if os.path.isfile(os.path.join(folder, entry, "__init__.py"))}
    units = modules | packages | {"datasets"}
    assert units == set(table), f"in the package, not the table: {units - set(table)}; " \
                                f"in the table, not the package: {set(table) - units}"


def test_every_import_between_units_is_one_the_layering_table_allows():
    table = layering_table(open(DESIGN).read())
    assert table["layers"] == set() and "training" in table["experiments"]
    assert violations(table, unit_imports()) == []


def test_the_layering_check_reports_an_import_the_table_does_not_allow():
    table = {"a": {"b"}, "b": set()}
    imports = {("a", "b"): ["a.x"], ("b", "a"): ["b.y"]}
    assert violations(table, imports) == ["b.y imports a, which `b` may not"]
