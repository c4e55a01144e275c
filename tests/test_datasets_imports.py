"""The datasets package's import graph: acyclic, and lazy imports only where they defer TensorFlow.

Read from the source with `ast` (nothing is imported), so it costs milliseconds.
"""

import ast
import graphlib
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEAVY = ("tensorflow", "tensorflow_datasets")  # what `--help` and flag parsing must not wait for


def package_imports(folder):
    """module -> {"top": imported modules at module level, "nested": (module, line) inside a
    function}, for the modules of the package in `folder`; imports of other packages are
    kept by their top-level name (`tensorflow_datasets`)."""
    package = os.path.basename(folder)
    modules = {name[:-3] for name in os.listdir(folder) if name.endswith(".py")}
    graph = {}
    for module in sorted(modules):
        with open(os.path.join(folder, f"{module}.py")) as source:
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
                names = [node.module]
                if node.module == package:  # from datasets import pipeline
                    names = [f"{package}.{alias.name}" for alias in node.names]
            else:
                continue
            for name in names:
                parts = name.split(".")
                target = parts[1] if parts[0] == package and len(parts) > 1 else parts[0]
                if parts[0] == package and target not in modules:
                    continue
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
    return any(imports_heavy(graph, target, seen + (module,)) for target in graph[module]["top"] - set(seen))


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
    assert import_cycle(graph) is None


def test_imports_inside_functions_only_defer_tensorflow():
    graph = package_imports(os.path.join(ROOT, "datasets"))
    assert needless_nested_imports(graph) == []
    # What stays light: the task registry, parsed with the flags before TensorFlow.
    assert not imports_heavy(graph, "tasks")


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
