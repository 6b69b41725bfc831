"""The package's layout holds: what each part may import, no path tricks, documented model code.

Each checker takes a folder and returns what breaks the rule there; every check runs on the
repository and on a deliberately bad example written to a temporary folder, so each can fail.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
import tomllib

REPO = Path(__file__).resolve().parents[1]
SKIPPED_DIRS = {".venv", ".git", "test-artifacts", "build", "__pycache__", "node_modules"}
UI_MODULES = ("streamlit", "plotly", "attnviz.i18n")


def python_files(root: Path, under: str = "") -> list[Path]:
    """The .py files below ``root / under``, outside virtual environments and build output."""
    return sorted(p for p in (root / under).rglob("*.py") if not SKIPPED_DIRS & set(p.relative_to(root).parts))


def walk_at_import(node: ast.AST):
    """The nodes Python runs when it imports a module: all but the bodies of functions and lambdas."""
    for child in ast.iter_child_nodes(node):
        if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            yield child
            yield from walk_at_import(child)


def imported_modules(path: Path, root: Path, at_import: bool = False) -> set[str]:
    """Every module ``path`` imports (``at_import``: only when it is imported, not inside functions).

    ``import a.b`` gives a.b; ``from a import b`` gives a and a.b. Relative imports are resolved
    against the file's package (``from ..loading import x`` in attnviz/analysis/steps.py gives
    attnviz.loading and attnviz.loading.x).
    """
    package = list(path.relative_to(root).parent.parts)
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node in walk_at_import(tree) if at_import else ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found |= {module} | {f"{module}.{alias.name}" for alias in node.names}
    return found


def is_module(name: str, module: str) -> bool:
    return name == module or name.startswith(module + ".")


def imports_of(root: Path, under: str, module: str) -> list[str]:
    """The files below ``root / under`` that import ``module`` or one of its submodules."""
    return [str(p.relative_to(root)) for p in python_files(root, under) if any(is_module(m, module) for m in imported_modules(p, root))]


def streamlit_outside_app(root: Path) -> list[str]:
    return [f for f in imports_of(root, "attnviz", "streamlit") if not f.startswith("attnviz/app/")]


def loading_in_readers(root: Path) -> list[str]:
    return [f for part in ("analysis", "plots", "lessons") for f in imports_of(root, f"attnviz/{part}", "attnviz.loading")]


def streamlit_in_plots(root: Path) -> list[str]:
    return imports_of(root, "attnviz/plots", "streamlit")


def is_sys_path(node: ast.AST) -> bool:
    """``sys.path`` itself, or an item or slice of it."""
    while isinstance(node, ast.Subscript):
        node = node.value
    return isinstance(node, ast.Attribute) and node.attr == "path" and isinstance(node.value, ast.Name) and node.value.id == "sys"


def sys_path_edits(root: Path) -> list[str]:
    """Files that change ``sys.path`` (a method call on it, an assignment or deletion) or call ``site.addsitedir``."""
    found = []
    for path in python_files(root):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            call = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            if (
                (call and is_sys_path(node.func.value))
                or (call and node.func.attr == "addsitedir")
                or (isinstance(node, (ast.Assign, ast.Delete)) and any(is_sys_path(t) for t in node.targets))
                or (isinstance(node, ast.AugAssign) and is_sys_path(node.target))
            ):
                found.append(f"{path.relative_to(root)}:{node.lineno}")
    return found


def is_st_cache(node: ast.AST) -> bool:
    """``st.cache_data``, ``st.cache_resource`` (or any ``st.cache_*``), called or not."""
    node = node.func if isinstance(node, ast.Call) else node
    return isinstance(node, ast.Attribute) and node.attr.startswith("cache") and isinstance(node.value, ast.Name) and node.value.id == "st"


def caching_in_pages(root: Path) -> list[str]:
    """Page scripts that decorate a function with ``@st.cache_*`` or wrap one in it."""
    found = []
    for path in python_files(root, "pages"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            decorators = node.decorator_list if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) else []
            if any(is_st_cache(d) for d in decorators) or (isinstance(node, ast.Call) and is_st_cache(node.func)):
                found.append(f"{path.relative_to(root)}:{node.lineno}")
    return found


def torch_nn_in_pages(root: Path) -> list[str]:
    return imports_of(root, "pages", "torch.nn")


def undocumented_in_model(root: Path) -> list[str]:
    """Public module-level functions and classes of attnviz/model/ without a docstring."""
    found = []
    for path in python_files(root, "attnviz/model"):
        for node in ast.parse(path.read_text(), filename=str(path)).body:
            public = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and not node.name.startswith("_")
            if public and not ast.get_docstring(node):
                found.append(f"{path.relative_to(root)}:{node.name}")
    return found


STATIC_CHECKS = {
    "only attnviz/app imports streamlit": (streamlit_outside_app, {"attnviz/plots/maps.py": "import streamlit as st\n"}),
    "analysis, plots and lessons never load models": (
        loading_in_readers,
        {
            "attnviz/analysis/steps.py": "from attnviz.loading import load_model\n",
            "attnviz/lessons/search.py": "from attnviz import loading\n",
            "attnviz/plots/maps.py": "from ..loading.registry import REGISTRY\n",
        },
    ),
    "plots import no streamlit": (streamlit_in_plots, {"attnviz/plots/steps.py": "from streamlit import plotly_chart\n"}),
    "no sys.path edits": (
        sys_path_edits,
        {
            "benchmarks/a.py": "import sys\nsys.path.insert(0, 'x')\n",
            "benchmarks/b.py": "import sys\nsys.path[:0] = ['x']\n",
            "tests/c.py": "import sys, site\nsys.path += ['x']\nsite.addsitedir('x')\n",
        },
    ),
    "pages keep no st.cache_*": (
        caching_in_pages,
        {"pages/a.py": "import streamlit as st\n\n@st.cache_data\ndef f():\n    pass\n", "pages/b.py": "import streamlit as st\n\nf = st.cache_resource(max_entries=2)(len)\n"},
    ),
    "pages import no torch.nn": (torch_nn_in_pages, {"pages/a.py": "from torch import nn\n", "pages/lessons/b.py": "import torch.nn.functional as F\n"}),
    "public model code has docstrings": (
        undocumented_in_model,
        {"attnviz/model/a.py": '"""A module."""\n\ndef f(x):\n    return x\n\nclass C:\n    pass\n\ndef _private():\n    pass\n'},
    ),
}


# files that keep every rule: a check must not report them
GOOD = {
    "attnviz/app/ui.py": "import sys\n\nimport streamlit as st\n\n\n@st.cache_data\ndef f():\n    return list(sys.path)\n",
    "attnviz/analysis/ok.py": "from attnviz.model.capture import Capture\nfrom . import steps_ok\n",
    "attnviz/model/ok.py": '"""A module."""\n\n\ndef f(x):\n    """Doc."""\n\n\nclass C:\n    """Doc."""\n\n\ndef _private():\n    pass\n',
    "pages/ok.py": "import streamlit as st\nimport torch\n\nfrom attnviz.app import ui\n\nst.write(torch.zeros(1))\n",
}


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@pytest.mark.parametrize("rule", STATIC_CHECKS)
def test_the_repository_keeps_the_rule(rule):
    check, _ = STATIC_CHECKS[rule]
    assert check(REPO) == []


@pytest.mark.parametrize("rule", STATIC_CHECKS)
def test_the_check_finds_every_file_that_breaks_the_rule_and_no_other(rule, tmp_path):
    check, bad = STATIC_CHECKS[rule]
    found = check(write_tree(tmp_path, {**GOOD, **bad}))
    assert {entry.split(":")[0] for entry in found} == set(bad)


def test_the_docstring_check_names_each_undocumented_function_and_class(tmp_path):
    _, bad = STATIC_CHECKS["public model code has docstrings"]
    assert undocumented_in_model(write_tree(tmp_path, bad)) == ["attnviz/model/a.py:f", "attnviz/model/a.py:C"]


def module_file(root: Path, name: str) -> Path | None:
    base = root.joinpath(*name.split("."))
    return next((f for f in (base.with_suffix(".py"), base / "__init__.py") if f.is_file()), None)


def ui_imports_reached(root: Path, start: list[str]) -> list[str]:
    """Import chains from ``start`` to streamlit, plotly or attnviz.i18n, through what the repository's modules import at import time.

    Importing ``a.b.c`` runs ``a`` and ``a.b`` first, so every parent package is followed too.
    Read from the source, so it is fast and names the chain; ``ui_modules_after_import`` checks the same at run time.
    """
    queue, seen, found = [[name] for name in start], set(), []
    while queue:
        chain = queue.pop(0)
        ui = next((ui for ui in UI_MODULES if is_module(chain[-1], ui)), None)
        if ui:
            if ui not in seen:  # the first (shortest) chain to each
                seen.add(ui)
                found.append(" -> ".join(chain))
            continue
        parts = chain[-1].split(".")
        for module in (".".join(parts[: i + 1]) for i in range(len(parts))):
            if module not in seen and (path := module_file(root, module)):
                seen.add(module)
                here = chain if module == chain[-1] else [*chain, module]
                queue += [[*here, m] for m in sorted(imported_modules(path, root, at_import=True))]
    return found


def model_modules(root: Path) -> list[str]:
    return [".".join(p.relative_to(root).with_suffix("").parts).removesuffix(".__init__") for p in python_files(root, "attnviz/model")]


def test_nothing_the_model_package_imports_reaches_streamlit_plotly_or_translations():
    assert len(model_modules(REPO)) > 5
    assert ui_imports_reached(REPO, model_modules(REPO)) == []


def test_the_import_chain_check_follows_packages_and_modules_but_not_function_bodies(tmp_path):
    write_tree(
        tmp_path,
        {
            "attnviz/__init__.py": "from attnviz.loading import load\n",
            "attnviz/loading/__init__.py": "from . import progress\n",
            "attnviz/loading/progress.py": "import streamlit as st\n",
            "attnviz/model/__init__.py": "",
            "attnviz/model/runner.py": "from attnviz.i18n.core import STRINGS\n\n\ndef plot():\n    import plotly\n",
            "attnviz/i18n/__init__.py": "",
        },
    )
    found = ui_imports_reached(tmp_path, model_modules(tmp_path))
    assert sorted(found) == ["attnviz.model -> attnviz -> attnviz.loading -> attnviz.loading.progress -> streamlit", "attnviz.model.runner -> attnviz.i18n.core"]


def ui_modules_after_import(modules: list[str], pythonpath: Path | None = None) -> list[str]:
    """Which of streamlit, plotly, attnviz.i18n a fresh Python has loaded after importing ``modules``."""
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n    importlib.import_module(name)\n"
        f"print(json.dumps(sorted(m for m in sys.modules if any(m == u or m.startswith(u + '.') for u in {UI_MODULES!r}))))"
    )
    env = {**os.environ, "PYTHONPATH": str(pythonpath)} if pythonpath else None
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env, cwd=pythonpath or REPO)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.slow  # a fresh Python importing torch: about 5 s on the 2-core machine
def test_importing_the_model_package_loads_no_streamlit_plotly_or_translations():
    modules = ["attnviz.model", *[f"attnviz.model.{p.stem}" for p in sorted((REPO / "attnviz" / "model").glob("*.py")) if p.stem != "__init__"]]
    assert len(modules) > 5
    assert ui_modules_after_import(modules) == []


def test_the_import_check_sees_a_module_that_pulls_in_plotly(tmp_path):
    write_tree(tmp_path, {"leaky/__init__.py": "", "leaky/model.py": "import plotly.graph_objects\n"})
    assert "plotly" in ui_modules_after_import(["leaky.model"], pythonpath=tmp_path)


def test_attnviz_is_installed_not_found_through_a_path():
    """make install puts attnviz into the environment (pip install -e .), so nothing needs sys.path."""
    with open(REPO / "pyproject.toml", "rb") as f:
        version = tomllib.load(f)["project"]["version"]
    assert metadata.version("attnviz") == version
