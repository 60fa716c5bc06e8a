"""The package the image installs (``pip install .``, not editable) holds every module of the
source tree, and the data files the code reads: a sub-package left out breaks only the image."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
FOLDERS = ("cckpi", "producers", "streams", "schemas", "sql", "dashboards")


def test_the_wheel_holds_every_module_and_data_file(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                    "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True)  # fmt: skip
    (wheel,) = tmp_path.glob("*.whl")
    packed = set(zipfile.ZipFile(wheel).namelist())
    source = {
        path.relative_to(ROOT).as_posix()
        for folder in FOLDERS
        for pattern in ("*.py", "*.sql", "*.html")
        for path in (ROOT / folder).rglob(pattern)
        if "__pycache__" not in path.parts
        and not path.relative_to(ROOT).as_posix().startswith("dashboards/provisioning")
    }
    assert source and source <= packed, sorted(source - packed)
    # cckpi demo's default SLA file travels in the wheel (there is no checkout beside it), as the
    # file itself, not a link; and the licence named by pyproject.toml is in the metadata.
    example = zipfile.ZipFile(wheel).read("cckpi/sla.example.yaml")
    assert example == (ROOT / "sla.example.yaml").read_bytes()
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in packed), sorted(packed)[-8:]


def test_the_demo_finds_the_packaged_example() -> None:
    from cckpi.commands.demo import EXAMPLE_SLA

    assert EXAMPLE_SLA.parent == ROOT / "cckpi" and EXAMPLE_SLA.is_file()
