"""The lock-file check of `make audit` and `make test`.

1. Every dependency in pyproject.toml (runtime and every extra) is pinned with ``==``.
2. Each of those pins is in requirements.lock, at the same version.
3. The environment running this script (the project's .venv) has exactly the lock installed:
   every locked package at its version, and nothing installed that the lock does not name
   (besides pip/setuptools/wheel and the project itself).

Exit status 1 with one line per problem; 0 and a one-line summary otherwise.
``--no-env`` skips 3 (to check the files alone).
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Tools of the environment itself, and the project (installed editable), are not in the lock.
NOT_LOCKED = frozenset({"pip", "setuptools", "wheel", "merchant-portal"})
REQUIREMENT = re.compile(r"^\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(?P<spec>[^;#]*)")


def canonical(name: str) -> str:
    """PEP 503 normalisation: Django, django, pip_api and pip-api are one name each."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pin_of(requirement: str) -> tuple[str, str | None]:
    """(name, version) of ``name[extras]==version ; marker``; version None when not pinned exactly."""
    match = REQUIREMENT.match(requirement)
    if not match:
        raise ValueError(f"cannot read requirement {requirement!r}")
    spec = match["spec"].strip()
    if spec.startswith("==") and "," not in spec and "*" not in spec:
        return canonical(match["name"]), spec[2:].strip()
    return canonical(match["name"]), None


def pyproject_requirements(path: Path) -> list[str]:
    project = tomllib.loads(path.read_text())["project"]
    requirements = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        requirements.extend(extra)
    return requirements


def lock_pins(path: Path) -> tuple[dict[str, str], list[str]]:
    pins: dict[str, str] = {}
    problems: list[str] = []
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("-"):
            problems.append(f"{path.name}:{number}: options have no place in the lock: {line!r}")
            continue
        name, version = pin_of(line)
        if version is None:
            problems.append(f"{path.name}:{number}: not an exact pin: {line!r}")
        elif name in pins:
            problems.append(f"{path.name}:{number}: {name} is locked twice")
        else:
            pins[name] = version
    return pins, problems


def installed_versions() -> dict[str, str]:
    versions: dict[str, str] = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            versions[canonical(name)] = dist.version
    return versions


def check(*, pyproject: Path, lock: Path, environment: dict[str, str] | None) -> list[str]:
    locked, problems = lock_pins(lock)
    for requirement in pyproject_requirements(pyproject):
        name, version = pin_of(requirement)
        if version is None:
            problems.append(f"{pyproject.name}: {requirement!r} is not pinned with ==")
        elif name not in locked:
            problems.append(f"{pyproject.name}: {name}=={version} is missing from {lock.name}")
        elif locked[name] != version:
            problems.append(f"{pyproject.name}: {name}=={version} but {lock.name} has {name}=={locked[name]}")
    if environment is not None:
        for name, version in sorted(locked.items()):
            if name not in environment:
                problems.append(f"environment: {name}=={version} is locked but not installed")
            elif environment[name] != version:
                problems.append(
                    f"environment: {name} {environment[name]} is installed, {lock.name} has {version}"
                )
        for name in sorted(set(environment) - set(locked) - NOT_LOCKED):
            problems.append(f"environment: {name}=={environment[name]} is installed but not in {lock.name}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pyproject", type=Path, default=ROOT / "pyproject.toml")
    parser.add_argument("--lock", type=Path, default=ROOT / "requirements.lock")
    parser.add_argument("--no-env", action="store_true", help="check the files only, not the environment")
    args = parser.parse_args(argv)
    environment = None if args.no_env else installed_versions()
    problems = check(pyproject=args.pyproject, lock=args.lock, environment=environment)
    for problem in problems:
        print(f"lock check: {problem}", file=sys.stderr)
    if problems:
        print(f"lock check: {len(problems)} problem(s); re-pin with `make lock`", file=sys.stderr)
        return 1
    where = "" if environment is None else f" and {sys.prefix} matches it"
    print(f"lock check: ok ({len(lock_pins(args.lock)[0])} pins in {args.lock.name}{where})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
