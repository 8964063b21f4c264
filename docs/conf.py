"""Sphinx configuration of the symkit documentation (``make docs``: warnings are errors).

The API reference is generated here, at every build, from the packages themselves: one page per
package (``api/liegeom.rst``, ...), one section per public module, and in each section the names
of the module's ``__all__``. A name is documented where it is defined: re-exports from another
public module are skipped (no duplicates), names defined in private modules (``_x.py``) are
documented under the public module that exports them. New modules and names appear without
editing any page.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import symkit  # noqa: E402

project = "symkit"
author = "symkit authors"
copyright = "2026, symkit authors"
release = version = symkit.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build"]
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3

napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
autodoc_member_order = "bysource"
autodoc_typehints = "none"  # the numpydoc sections state types and shapes
autodoc_default_options = {"show-inheritance": True}
# Type fields such as ``shape=[..., n, n]`` become cross-references word by word; a word that
# names several attributes (``n``, ``dim``, ``B``) is ambiguous. Such references stay plain text.
suppress_warnings = ["ref.python"]

html_theme = "alabaster"
html_static_path = []
html_theme_options = {"description": "Symmetry in Python: Lie groups, symmetries, networks",
                      "fixed_sidebar": True}

PACKAGES = {
    "liegeom": "Lie groups as batched, differentiable torch objects.",
    "fieldsym": "Symmetries, conservation laws and asymptotic charges with sympy.",
    "nets": "torch modules on liegeom: equilibrium propagation, frames, affine convolutions.",
    "symkit": "The version, defined once, and the command-line helper the three commands share.",
}


def _private(name: str) -> bool:
    return any(part.startswith("_") for part in name.split("."))


def _public_modules(package: str) -> list[str]:
    pkg = importlib.import_module(package)
    names = [package]
    for info in pkgutil.walk_packages(pkg.__path__, prefix=package + "."):
        if not _private(info.name):
            names.append(info.name)
    return sorted(names)


def _defined_in(obj) -> str | None:
    return getattr(obj, "__module__", None)


def _exports(modname: str) -> list[tuple[str, object]]:
    """``[(name, object)]`` a public module exports: its ``__all__``, or else the classes and
    functions it defines."""
    mod = importlib.import_module(modname)
    names = getattr(mod, "__all__", None)
    if names is None:
        names = [n for n, v in vars(mod).items() if not n.startswith("_")
                 and _defined_in(v) == modname and (inspect.isclass(v) or inspect.isfunction(v))]
    return [(n, getattr(mod, n)) for n in names if not inspect.ismodule(getattr(mod, n))]


def _homes(modules: list[str]) -> dict[int, str]:
    """Where each class or function is documented: the module that defines it when that one is
    public, else the deepest public module that exports it (``fieldsym.asymptotic_pipeline``
    rather than ``fieldsym`` for a name defined in ``fieldsym._pipeline_steps``)."""
    public, homes = set(modules), {}
    for modname in sorted(modules, key=lambda m: (-m.count("."), m)):
        for _, obj in _exports(modname):
            if not (inspect.isclass(obj) or callable(obj)):
                continue
            defined = _defined_in(obj)
            homes.setdefault(id(obj), defined if defined in public else modname)
    return homes


def _members(modname: str, homes: dict[int, str]) -> list[tuple[str, str]]:
    """``[(directive, name)]`` for the names this module documents (see the module docstring)."""
    out = []
    for name, obj in _exports(modname):
        if inspect.isclass(obj) or callable(obj):
            if homes.get(id(obj)) != modname:
                continue  # documented in its home module
            directive = "autoclass" if inspect.isclass(obj) else "autofunction"
        else:
            directive = "autodata"
        out.append((directive, name))
    return out


def _write_api_pages(app) -> None:
    folder = Path(app.srcdir) / "api"
    folder.mkdir(exist_ok=True)
    for package, blurb in PACKAGES.items():
        modules = _public_modules(package)
        homes = _homes(modules)
        lines = [f"{package}", "=" * len(package), "", blurb, ""]
        for modname in modules:
            lines += [f"``{modname}``", "-" * (len(modname) + 4), "",
                      f".. automodule:: {modname}", "   :no-members:", ""]
            for directive, name in _members(modname, homes):
                lines.append(f".. {directive}:: {modname}.{name}")
                if directive == "autoclass":
                    lines.append("   :members:")
                elif directive == "autodata":
                    lines.append("   :no-value:")
                lines.append("")
        text = "\n".join(lines)
        path = folder / f"{package}.rst"
        if not path.exists() or path.read_text() != text:  # unchanged pages stay cached
            path.write_text(text)


#: Docstrings left out of the site, with the reason (each reported to the package's owner).
EXCLUDED_DOCSTRINGS = {
    "nets.gnn.GNN": "its 'Shapes:' paragraph sits inside the Parameters section, which numpydoc "
                    "parses as parameters named 'Shapes' and 'n'; read it in the source",
}

_LITERAL = re.compile(r"(``.*?``|:[a-z:]+:`[^`]*`|`[^`]*`_?)")


def _escape_plain(text: str) -> str:
    """Outside literals and roles: a ``*`` that opens a shape (``[*batch, n]``) and the bars of
    an absolute value (``|X|``) are text, not emphasis or substitution references."""
    parts = _LITERAL.split(text)
    for i in range(0, len(parts), 2):
        parts[i] = re.sub(r"(?<=[\[(,\s])\*(?=\w)", r"\\*", parts[i])
        parts[i] = parts[i].replace("|", r"\|")
    return "".join(parts)


def _process_docstring(app, what, name, obj, options, lines):
    if name in EXCLUDED_DOCSTRINGS:
        lines[:] = [f"(This docstring is not rendered here: {EXCLUDED_DOCSTRINGS[name]}.)"]
        return
    doc = getattr(type(obj), "__doc__", None)
    if (what in ("data", "attribute") and isinstance(doc, str) and doc and lines
            and lines[0] == doc.splitlines()[0]):
        lines[:] = []  # a constant without its own doc comment: not the docstring of dict/tuple
        return
    in_block = False
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith((">>>", "...")) or stripped.endswith("::"):
            in_block = stripped.endswith("::")
            continue
        if in_block and (not stripped or line.startswith(" ")):
            continue
        in_block = False
        if stripped.startswith(("|", "+", ".. ")) or set(stripped) <= set("=-~^ "):
            continue  # tables, directives, rules
        lines[i] = _escape_plain(line)


def setup(app):
    app.connect("builder-inited", _write_api_pages)
    app.connect("autodoc-process-docstring", _process_docstring)
