"""The rule of the house: imports run one way, pages → derivs_app → derivs, never back, and no
module imports itself round a cycle. Read from the source (every import statement, also those
inside functions), so a wrong-way arrow fails here before it can work by accident at run time."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: Each layer may import the layers below it, never one above.
LAYERS = {"derivs": 0, "derivs_app": 1, "pages": 2, "app": 2}
#: What the library may import from outside the standard library.
LIBRARY_THIRD_PARTY = {"numpy", "scipy", "sympy", "mpmath"}
STDLIB = set(sys.stdlib_module_names)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def sources() -> dict[str, Path]:
    files = [*ROOT.glob("app.py"), *ROOT.glob("pages/*.py"), *ROOT.glob("derivs/**/*.py"),
             *ROOT.glob("derivs_app/**/*.py")]
    return {module_name(p): p for p in files}


def imports_of(path: Path, name: str) -> set[str]:
    """Every module path.py imports, relative imports resolved, anywhere in the file."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            # "from derivs_app import ui" imports the module derivs_app.ui
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return found


def layer(module: str) -> int | None:
    return LAYERS.get(module.split(".")[0])


def own_graph() -> dict[str, set[str]]:
    mods = sources()
    return {name: {m for m in imports_of(path, name) if m in mods and m != name}
            for name, path in mods.items()}


def test_the_scan_sees_every_package():
    mods = sources()
    assert {"app", "derivs", "derivs.numeric", "derivs_app.ui", "derivs_app.figures",
            "derivs_app.i18n", "pages.activations"} <= set(mods)


@pytest.mark.parametrize("name", sorted(sources()))
def test_arrows_run_one_way(name):
    path = sources()[name]
    wrong = sorted(m for m in imports_of(path, name)
                   if layer(m) is not None and layer(m) > layer(name))
    assert not wrong, f"{name} (layer {layer(name)}) imports upward: {wrong}"


@pytest.mark.parametrize("name", sorted(n for n in sources() if n.split(".")[0] == "derivs"))
def test_the_library_imports_numpy_scipy_sympy_and_the_standard_library_only(name):
    outside = {m.split(".")[0] for m in imports_of(sources()[name], name)} - {"derivs", "__future__"}
    extra = sorted(outside - STDLIB - LIBRARY_THIRD_PARTY)
    assert not extra, f"{name} imports {extra}"


def test_plotly_is_imported_by_the_figures_module_alone():
    users = sorted(n for n, p in sources().items()
                   if any(m.split(".")[0] == "plotly" for m in imports_of(p, n)))
    assert users == ["derivs_app.figures"]


def test_there_are_no_import_cycles():
    graph = own_graph()
    state: dict[str, int] = {}  # 1 on the current path, 2 finished

    def visit(node, path):
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt):] + [nxt]
                pytest.fail("import cycle: " + " → ".join(cycle))
            if nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])


def test_the_cycle_finder_finds_a_planted_cycle(tmp_path, monkeypatch):
    """The check above can fail: two modules that import each other are caught."""
    pkg = tmp_path / "derivs"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from derivs import b\n")
    (pkg / "b.py").write_text("def f():\n    from derivs.a import x\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    with pytest.raises(pytest.fail.Exception, match="derivs.a → derivs.b → derivs.a"):
        test_there_are_no_import_cycles()


def test_import_derivs_loads_no_web_stack_and_no_ui_text():
    code = ("import json, sys, derivs; "
            "print(json.dumps(sorted(m for m in sys.modules "
            "if m.split('.')[0] in ('streamlit', 'plotly', 'tornado', 'derivs_app'))))")
    out = subprocess.run([sys.executable, "-c", code], check=True, timeout=120, cwd=ROOT,
                         capture_output=True, text=True).stdout
    assert json.loads(out) == []


def test_the_package_metadata_keeps_the_web_stack_in_the_app_extra():
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    required = {dep.split(">")[0].split("=")[0].split("[")[0].strip().lower()
                for dep in project["dependencies"]}
    assert required == {"numpy", "scipy", "sympy", "mpmath"}
    app = {dep.split(">")[0].split("=")[0].strip().lower()
           for dep in project["optional-dependencies"]["app"]}
    assert {"streamlit", "plotly"} <= app


@pytest.mark.slow
def test_pip_install_dot_in_a_fresh_venv_gives_the_library_alone(tmp_path):
    """What a notebook user gets from `pip install .`: numpy, scipy, sympy, mpmath, no web
    stack, and the README's example runs there. Uses the pip cache; needs the registry once."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    py = venv / ("Scripts" if sys.platform == "win32" else "bin") / "python"
    build = tmp_path / "src"  # a copy, so the build leaves nothing in the work tree
    shutil.copytree(ROOT, build, ignore=shutil.ignore_patterns(
        ".venv", ".git", "artifacts", "*.egg-info", "build", "__pycache__", "tests", "bench"))
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                    str(build)], check=True, timeout=900)
    listed = subprocess.run([str(py), "-m", "pip", "list", "--format", "json"], check=True,
                            capture_output=True, text=True, timeout=120).stdout
    names = {p["name"].lower() for p in json.loads(listed)}
    assert not names & {"streamlit", "plotly", "tornado", "pandas", "altair"}, names
    assert {"derivs", "numpy", "scipy", "sympy", "mpmath"} <= names
    example = _readme_python_example()
    run = subprocess.run([str(py), "-c", example], cwd=tmp_path, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    site = subprocess.run([str(py), "-c", "import derivs; print(derivs.__file__)"],
                          cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    assert str(ROOT) not in site and "site-packages" in site


def _readme_python_example() -> str:
    text = (ROOT / "README.md").read_text()
    start = text.index("```python\nimport numpy as np\nimport derivs")
    return text[start + len("```python\n"): text.index("```", start + 10)]
