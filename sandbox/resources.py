"""Where the specs and the default fixtures are: inside the installed package, or the checkout."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """`specs` or `fixtures`: the copy shipped in the wheel, else the checkout's own folder."""
    packaged = PACKAGE / "_data" / name
    return packaged if packaged.is_dir() else PACKAGE.parent / name


def spec_path(name: str) -> Path:
    return data_dir("specs") / f"{name}.yaml"


def default_fixtures() -> Path:
    return data_dir("fixtures") / "default.yaml"
