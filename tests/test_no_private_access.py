"""No reaching into a library's private attributes (the house style; issue 17).

Reads the project's Python code (the product, benchmarks, scripts and the tests) and lists every
access to a ``_private`` name that the project does not define itself — ``obj._attr``,
``getattr(obj, "_attr")`` and ``from lib import _name`` — so, by elimination, a private name of
Django, DRF, redis-py, psycopg, Celery or another library. A private name the project defines (an
attribute it sets, a function, a class, a module-level name) is the project's own business,
wherever it is used.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("portal", "payments", "simulators", "credit", "budgets", "bench", "scripts", "tests")
PROJECT_PACKAGES = {
    "portal",
    "payments",
    "simulators",
    "credit",
    "budgets",
    "bench",
    "scripts",
    "tests",
    "manage",
}

# Private-looking names that their library documents as public API → where.
DOCUMENTED = {
    "_meta": "Django's Model _meta API (docs.djangoproject.com/en/5.2/ref/models/meta/)",
    "_state": "Django's Model._state: adding, db (docs.djangoproject.com/en/5.2/ref/models/instances/)",
    "_default_manager": "Django's Model._default_manager (docs.djangoproject.com/en/5.2/topics/db/managers/)",
    "_replace": "a named tuple's _replace, urlparse's results' too (docs.python.org/3/library/collections.html)",
    "_exit": "os._exit, for a forked child (docs.python.org/3/library/os.html#os._exit)",
}
# (expression as written, attribute) → why it is allowed.
ALLOWED = {
    ("request._request", "_request"): (
        "DRF's Request wraps Django's HttpRequest, which DRF's documentation names "
        "`request._request` (attributes set by middleware before DRF's Request exists)."
    ),
}


def _files() -> list[Path]:
    return sorted(
        path
        for folder in SCANNED
        if (ROOT / folder).exists()
        for path in (ROOT / folder).rglob("*.py")
        if "migrations" not in path.parts
    )


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _defined(trees: dict[Path, ast.AST]) -> set[str]:
    """Every private name the project defines: what it assigns, declares or names itself."""
    names: set[str] = set()
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.arg):
                names.add(node.arg)
            elif isinstance(node, ast.alias) and node.asname:
                names.add(node.asname)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) and _own(node):
                names.add(node.attr)  # an object's own attribute (not one set on a library's object)
            elif isinstance(node, ast.Call) and _setter(node):
                names.add(node.args[1].value)
    return {name for name in names if _private(name)}


def _own(node: ast.Attribute) -> bool:
    return isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")


def _setter(node: ast.Call) -> bool:
    return (
        isinstance(node.func, ast.Name)
        and node.func.id == "setattr"
        and len(node.args) >= 2
        and isinstance(node.args[0], ast.Name)
        and node.args[0].id in ("self", "cls")
        and isinstance(node.args[1], ast.Constant)
        and isinstance(node.args[1].value, str)
    )


def _accesses(tree: ast.AST):
    """(line, expression, private name) of each private access in ``tree``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            yield node.lineno, ast.unparse(node), node.attr
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "hasattr", "setattr", "delattr")
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
            and _private(node.args[1].value)
        ):
            yield node.lineno, ast.unparse(node), node.args[1].value
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] in PROJECT_PACKAGES:
                continue
            for alias in node.names:
                if _private(alias.name) or any(_private(part) for part in node.module.split(".")):
                    yield node.lineno, f"from {node.module} import {alias.name}", alias.name


def private_accesses() -> list[str]:
    trees = {path: ast.parse(path.read_text(), filename=str(path)) for path in _files()}
    own = _defined(trees)
    found = []
    for path, tree in trees.items():
        for line, expression, name in _accesses(tree):
            if (expression, name) in ALLOWED or name in DOCUMENTED:
                continue
            if name in own and not expression.startswith("from "):
                continue
            found.append(f"{path.relative_to(ROOT)}:{line}: {expression}")
    return sorted(found)


def test_no_private_attribute_of_a_library_is_used():
    found = private_accesses()
    assert not found, "private names of libraries used:\n" + "\n".join(found)


def test_the_check_finds_what_it_looks_for():
    tree = ast.parse(
        "response._resource_closers.append(f)\n"
        "getattr(connection, '_sock')\n"
        "from django.db.models.sql import _private\n"
        "from redis._parsers import x\n"
        "self.__class__\n"
    )
    assert sorted(name for _, _, name in _accesses(tree)) == ["_private", "_resource_closers", "_sock", "x"]
