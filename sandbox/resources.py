"""Where the specs and the default fixtures are (inside the installed package, or the checkout), and
how their YAML is read."""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import yaml

PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """`specs` or `fixtures`: the copy shipped in the wheel, else the checkout's own folder."""
    packaged = PACKAGE / "_data" / name
    return packaged if packaged.is_dir() else PACKAGE.parent / name


def spec_path(name: str) -> Path:
    return data_dir("specs") / f"{name}.yaml"


def default_fixtures() -> Path:
    return data_dir("fixtures") / "default.yaml"


def read_yaml(source: str | IO[str]) -> Any:
    """A YAML document's data, read safely, with libyaml's C parser when PyYAML has it (several
    times as fast as the pure-Python one, which a large spec or fixtures file feels at start)."""
    return yaml.load(source, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
