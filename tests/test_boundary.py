"""The statistics core never imports Great Expectations (directly or through a sibling module)."""

import ast
import pathlib

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "gx_poison_guard"
PURE = ["stats", "_version.py", "artifact.py", "baseline.py", "calibration.py", "exceptions.py", "frames.py", "scoring.py"]


def _pure_files():
    for entry in PURE:
        path = PACKAGE / entry
        yield from (sorted(path.rglob("*.py")) if path.is_dir() else [path])


def _imports(path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from ((a.name, 0) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield (node.module or "", node.level)


def test_pure_core_does_not_import_great_expectations():
    for path in _pure_files():
        for module, level in _imports(path):
            assert not module.startswith("great_expectations"), f"{path.name} imports {module}"
            if level:  # relative import: must stay inside the pure core
                base = path.parent if level == 1 else path.parent.parent
                target = (base / module.replace(".", "/")) if module else base
                top = target.relative_to(PACKAGE).parts[0] if target != PACKAGE else ""
                allowed = {p.removesuffix(".py") for p in PURE}
                assert top in allowed or top == "", f"{path.name} imports non-pure {module!r}"

