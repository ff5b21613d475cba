"""The architecture, checked: layering and acyclicity contracts (import-linter), a classifier that reads no
environment variables, no module over 450 lines.

``.importlinter`` holds the contracts: supportdesk -> tgbot -> tickets -> knowledge -> classifier with nothing
running back up; the classifier free of Django; inside it, the command line -> fitting -> faq -> runtime
-> config/types/errors; the desk importing only the classifier's top-level names; no import cycles in the
classifier or the desk (imports inside functions count: grimp sees them).
"""
from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
MAX_LINES = 450


def lint_imports(cwd: Path, *contracts: str) -> subprocess.CompletedProcess:
    args = [str(LINT_IMPORTS), "--config", str(cwd / ".importlinter"), "--no-cache"]
    for contract in contracts:
        args += ["--contract", contract]
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=120)


def test_import_contracts_are_kept():
    out = lint_imports(ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 broken" in out.stdout


def test_the_contracts_catch_runtime_importing_fitting_and_a_cycle(tmp_path):
    """The guard bites: runtime code importing fitting code, and a cycle, break the contracts."""
    copy = tmp_path / "repo"
    shutil.copytree(ROOT / "classifier", copy / "classifier", ignore=shutil.ignore_patterns("__pycache__"))
    for package in ("supportdesk", "tgbot", "tickets", "knowledge"):
        (copy / package).mkdir()
        (copy / package / "__init__.py").write_text("")
    shutil.copy(ROOT / ".importlinter", copy / ".importlinter")
    pipeline = copy / "classifier" / "runtime" / "pipeline.py"
    pipeline.write_text(pipeline.read_text() + "\nfrom ..fitting import metrics  # noqa\n")
    signals = copy / "classifier" / "runtime" / "signals.py"
    signals.write_text(signals.read_text() + "\nfrom . import pipeline  # noqa\n")
    out = lint_imports(copy, "classifier-inside", "classifier-acyclic")
    assert out.returncode != 0
    assert "classifier.runtime.pipeline -> classifier.fitting.metrics" in out.stdout
    assert "2 broken" in out.stdout



def test_the_contracts_catch_a_circle_in_the_desk_even_inside_a_function(tmp_path):
    """A lazy import hides a circle from Python, not from the contract."""
    copy = tmp_path / "repo"
    for package in ("supportdesk", "tgbot", "tickets", "knowledge", "classifier"):
        shutil.copytree(ROOT / package, copy / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / ".importlinter", copy / ".importlinter")
    enqueue = copy / "tickets" / "services" / "enqueue.py"
    enqueue.write_text(enqueue.read_text() + "\n\ndef _late():\n    from . import intake  # noqa\n")
    out = lint_imports(copy, "desk-acyclic")
    assert out.returncode != 0
    assert ".enqueue -> .intake" in out.stdout

ENV_READERS = {("os", "environ"), ("os", "getenv"), ("os", "putenv"), ("os", "unsetenv")}
# The only places that may touch the environment: the command line, and Tesseract's child process
# (it gets ours, e.g. PATH and TESSDATA_PREFIX, plus OMP_THREAD_LIMIT=1).
ENV_ALLOWED = {"classifier/__main__.py", "classifier/runtime/ocr.py:run_tesseract"}


class _EnvironmentUses(ast.NodeVisitor):
    def __init__(self, rel: str) -> None:
        self.rel, self.where, self.found = rel, [], []

    def _owner(self) -> str:
        return f"{self.rel}:{self.where[-1]}" if self.where else self.rel

    def visit_FunctionDef(self, node):  # noqa: N802 (ast API)
        self.where.append(node.name)
        self.generic_visit(node)
        self.where.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Attribute(self, node):  # noqa: N802
        if isinstance(node.value, ast.Name) and (node.value.id, node.attr) in ENV_READERS:
            self.found.append(self._owner())
        self.generic_visit(node)

    def visit_ImportFrom(self, node):  # noqa: N802
        if node.module == "os" and any(a.name in ("environ", "getenv") for a in node.names):
            self.found.append(self._owner())


def _environment_uses(source: str, rel: str) -> list[str]:
    visitor = _EnvironmentUses(rel)
    visitor.visit(ast.parse(source))
    return visitor.found


def test_the_classifier_reads_no_environment_variables():
    offenders = set()
    for path in (ROOT / "classifier").rglob("*.py"):
        for owner in _environment_uses(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix()):
            if owner not in ENV_ALLOWED and owner.split(":")[0] not in ENV_ALLOWED:
                offenders.add(owner)
    assert not offenders, f"read the environment (take a parameter or RuntimeConfig instead): {sorted(offenders)}"


def test_the_environment_check_finds_a_reader():
    source = "import os\nfrom os import getenv\n\ndef threads():\n    return os.environ.get('X', '1')\n"
    assert _environment_uses(source, "classifier/probe.py") == ["classifier/probe.py", "classifier/probe.py:threads"]


PACKAGES = ["supportdesk", "tgbot", "tickets", "knowledge", "classifier", "scripts", "bench"]


@pytest.mark.parametrize("package", PACKAGES)
def test_no_module_over_450_lines(package):
    long = {p.relative_to(ROOT).as_posix(): n for p in (ROOT / package).rglob("*.py")
            if "migrations" not in p.parts and (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, long


def test_import_classifier_loads_no_django():
    code = "import sys, classifier, classifier.__main__; print(any(m.split('.')[0] == 'django' for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT,
                         env={k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"})
    assert out.returncode == 0 and out.stdout.strip() == "False", out.stderr
