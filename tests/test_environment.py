"""The conda route and the pip route install the same requirements."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _normalise(requirement: str) -> tuple[str, str]:
    name, spec = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", requirement).groups()
    return re.sub(r"[-_.]+", "-", name).lower(), spec.replace(" ", "")


def test_environment_yml_lists_the_same_requirements_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_normalise(r) for r in project["dependencies"]}
    wanted |= {_normalise(r) for r in project["optional-dependencies"]["dev"]}

    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    listed = {_normalise(d) for d in conda} - {("pip", "")}
    python = {r for r in listed if r[0] == "python"}
    assert python == {("python", ">=" + project["requires-python"].removeprefix(">="))}
    # a package conda-forge lacks comes from PyPI, in the pip section; the project last,
    # installed by pip without letting pip pull other packages
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert pip_section[-1] == "--no-deps -e ."
    from_pypi = {_normalise(d) for d in pip_section[:-1]}
    assert not from_pypi & listed
    assert (listed - python) | from_pypi == wanted


def test_every_package_under_helpers_is_shipped():
    # setuptools ships the packages its `find` patterns match (fnmatch on dotted names); a
    # subpackage left out (helpers.plots, helpers.exercises) would be missing from a wheel
    from fnmatch import fnmatchcase

    find = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    patterns = find["packages"]["find"]["include"]
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "helpers").rglob("__init__.py")
    }
    assert {"helpers", "helpers.plots", "helpers.exercises"} <= on_disk
    missing = {p for p in on_disk if not any(fnmatchcase(p, pattern) for pattern in patterns)}
    assert not missing
