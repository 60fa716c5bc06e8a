"""The image builds from what it should and nothing else: a base pinned by digest, every file
pyproject.toml names copied in, a pinned build backend, and no secret or local data in the
build context."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def _copied() -> set[str]:
    return {name for line in re.findall(r"^COPY (.+)$", DOCKERFILE, re.M) for name in line.split()[:-1]}


def test_the_base_image_is_pinned_by_digest() -> None:
    (base,) = re.findall(r"^FROM (\S+)", DOCKERFILE, re.M)
    assert re.fullmatch(r"python:3\.11\.\d+-slim-bookworm@sha256:[0-9a-f]{64}", base), base


def test_every_file_the_package_names_is_in_the_build() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert {project["readme"], *project["license-files"]} <= _copied()
    assert (ROOT / "cckpi" / "sla.example.yaml").resolve().name in _copied()  # the link's target
    assert re.search(r"pip install [^\n]*--no-build-isolation", DOCKERFILE)  # no unpinned setuptools
    assert re.search(r"setuptools==\d", DOCKERFILE)


def test_secrets_and_local_data_stay_out_of_the_build_context() -> None:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    ignored = {line.strip() for line in lines if line.strip() and not line.startswith("#")}
    assert {".env", "data/", ".venv/", ".git/", "sla.yaml"} <= ignored
    assert not ignored & _copied()
