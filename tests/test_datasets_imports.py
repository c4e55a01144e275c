"""The datasets package's import graph: acyclic, and lazy imports only where they defer TensorFlow.

Read from the source with `ast` (nothing is imported), so it costs milliseconds.
"""

import ast
import graphlib
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEAVY = ("tensorflow", "tensorflow_datasets")  # what `--help` and flag parsing must not wait for


def package_modules(folder):
    """Dotted name inside the package -> file, for every module below `folder`; a
    subpackage is its `__init__.py` (`builtin`), its modules `builtin.drawing`."""
    modules = {}
    for directory, _, files in os.walk(folder):
        for file in sorted(files):
            if not file.endswith(".py"):
                continue
            parts = os.path.relpath(os.path.join(directory, file[:-3]), folder).split(os.sep)
            parts = parts[:-1] if parts[-1] == "__init__" else parts
            if parts:
                modules[".".join(parts)] = os.path.join(directory, file)
    return modules


def _imported(name, package, modules):
    """The package's modules that importing `name` runs (the module and the packages above
    it), or, for another package, its top-level name (`tensorflow_datasets`)."""
    parts = name.split(".")
    if parts[0] != package:
        return {parts[0]}
    inner = [".".join(parts[1:i]) for i in range(2, len(parts) + 1)]
    return {module for module in inner if module in modules}


def _ancestors(module):
    parts = module.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts))}


def package_imports(folder):
    """module -> {"top": imported modules at module level, "nested": (module, line) inside a
    function}, for the modules of the package in `folder` (subpackages included); imports
    of other packages are kept by their top-level name (`tensorflow_datasets`). A module's
    own packages run before it, so they are no edge of it."""
    package = os.path.basename(folder)
    modules = package_modules(folder)
    graph = {}
    for module, path in modules.items():
        with open(path) as source:
            tree = ast.parse(source.read())
        top, nested = set(), []
        nested_nodes = {
            id(inner)
            for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            for inner in ast.walk(node)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            else:
                continue
            targets = set().union(*(_imported(name, package, modules) for name in names))
            targets -= _ancestors(module) | {module}
            for target in sorted(targets):
                if id(node) in nested_nodes:
                    nested.append((target, node.lineno))
                else:
                    top.add(target)
        graph[module] = {"top": top, "nested": nested}
    return graph


def import_cycle(graph):
    """A cycle among the package's modules (every import counts, nested ones too), or None."""
    edges = {
        module: {target for target in imports["top"] | {t for t, _ in imports["nested"]} if target in graph}
        for module, imports in graph.items()
    }
    try:
        tuple(graphlib.TopologicalSorter(edges).static_order())
    except graphlib.CycleError as error:
        return error.args[1]
    return None


def imports_heavy(graph, module, seen=()):
    """Whether importing `module` imports TensorFlow or TFDS (through module-level imports)."""
    if module not in graph:
        return module in HEAVY
    runs = graph[module]["top"] | _ancestors(module)  # importing a.b runs a first
    return any(imports_heavy(graph, target, seen + (module,)) for target in runs - set(seen))


def needless_nested_imports(graph):
    """`module:line imports target` for each import inside a function that defers nothing
    heavy: the target imports no TensorFlow/TFDS, or the module imports them anyway."""
    return [
        f"{module}:{line} imports {target}"
        for module, imports in graph.items()
        for target, line in imports["nested"]
        if not imports_heavy(graph, target) or imports_heavy(graph, module)
    ]


def test_the_datasets_package_has_no_import_cycle():
    graph = package_imports(os.path.join(ROOT, "datasets"))
    assert {"tasks", "pipeline", "user_folders", "pix2pix", "errors", "layout", "images"} <= set(graph)
    assert {"builtin", "builtin.catalogue", "builtin.toyn", "builtin.builder"} <= set(graph)
    assert import_cycle(graph) is None


def test_imports_inside_functions_only_defer_tensorflow():
    graph = package_imports(os.path.join(ROOT, "datasets"))
    assert needless_nested_imports(graph) == []
    # What stays light: the task registry, parsed with the flags before TensorFlow, and
    # the toy tasks it names; only their TFDS builder imports TFDS.
    assert not imports_heavy(graph, "tasks")
    assert not imports_heavy(graph, "builtin") and not imports_heavy(graph, "builtin.catalogue")
    assert imports_heavy(graph, "builtin.builder")


def test_the_datasets_package_imports_nothing_of_the_model_package():
    # pipeline.py (its file lock) and prepare.py (the commands' quiet start) still borrow
    # two small dependency-free modules of hyper_lifelong_gan; no other module may.
    borrowing = {"pipeline", "prepare"}
    graph = package_imports(os.path.join(ROOT, "datasets"))
    for module, imports in graph.items():
        targets = imports["top"] | {target for target, _ in imports["nested"]}
        assert module in borrowing or "hyper_lifelong_gan" not in targets, module


def test_the_checks_find_a_cycle_and_a_needless_nested_import(tmp_path):
    folder = tmp_path / "pkg"
    folder.mkdir()
    (folder / "a.py").write_text("from pkg import b\n")
    (folder / "b.py").write_text("import os\n\ndef f():\n    from pkg.a import X\n    import json\n")
    graph = package_imports(str(folder))
    assert graph["b"] == {"top": {"os"}, "nested": [("a", 4), ("json", 5)]}
    assert sorted(import_cycle(graph)[:2]) == ["a", "b"]
    assert needless_nested_imports(graph) == ["b:4 imports a", "b:5 imports json"]
    # Deferring TFDS (directly or through a module of the package) is what a nested import is for.
    (folder / "c.py").write_text("import tensorflow_datasets\n")
    (folder / "b.py").write_text("def f():\n    from pkg import c\n    import tensorflow\n")
    graph = package_imports(str(folder))
    assert import_cycle(graph) is None and needless_nested_imports(graph) == []
    (folder / "b.py").write_text("import tensorflow\n\ndef f():\n    from pkg import c\n")
    assert needless_nested_imports(package_imports(str(folder))) == ["b:4 imports c"]


def test_subpackages_are_modules_and_their_parents_run_first(tmp_path):
    folder = tmp_path / "pkg"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "__init__.py").write_text("from pkg.sub import light\n")
    (folder / "sub" / "light.py").write_text("import numpy\n")
    (folder / "sub" / "heavy.py").write_text("import tensorflow_datasets\nfrom pkg.sub import light\n")
    (folder / "user.py").write_text("from pkg.sub.light import X\n")
    graph = package_imports(str(folder))
    assert set(graph) == {"sub", "sub.light", "sub.heavy", "user"}
    # Importing pkg.sub.light runs pkg.sub, yet a module's own package is no edge of a cycle.
    assert graph["user"]["top"] == {"sub", "sub.light"}
    assert graph["sub.heavy"]["top"] == {"tensorflow_datasets", "sub.light"}
    assert import_cycle(graph) is None
    assert not imports_heavy(graph, "user") and imports_heavy(graph, "sub.heavy")
    (folder / "sub" / "__init__.py").write_text("from pkg.sub import heavy\n")
    assert imports_heavy(package_imports(str(folder)), "user")
