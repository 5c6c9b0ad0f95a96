"""Check the wheel and sdist that `make dist` built: they hold what champion needs at run time.

    python scripts/check-dist.py dist

Every file of the package in src/champion (modules, and the files that are not Python: the
dashboard's CSS, py.typed, ...) must be in the wheel and in the sdist, the wheel must hold
nothing else but its metadata, and the metadata must carry the version of champion.__version__,
the licence, the extras and the entry points the command line and MLflow look up. Exits 1
naming what is missing.
"""

from __future__ import annotations

import ast
import sys
import tarfile
import zipfile
from email.parser import HeaderParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "champion"
EXTRAS = {"dashboard", "demo", "postgres", "s3", "server", "spark", "dev"}
ENTRY_POINTS = {
    "[console_scripts]": "champion = champion.cli.main:main",
    "[champion.commands]": "serve = champion.dashboard.commands:serve",
    "[mlflow.request_auth_provider]": "champion-user = champion.models.user_auth:UserAuthProvider",
}


def package_files() -> set[str]:
    """Paths (from src/) of the files the package is made of: no caches, no hidden files."""
    found = set()
    for path in PACKAGE.rglob("*"):
        parts = path.relative_to(PACKAGE).parts
        if (
            path.is_file()
            and path.suffix != ".pyc"
            and "__pycache__" not in parts
            and not any(part.startswith(".") for part in parts)
        ):
            found.add(path.relative_to(PACKAGE.parent).as_posix())
    return found


def source_version() -> str:
    """champion.__version__ as written in src/champion/__init__.py (without importing it)."""
    tree = ast.parse((PACKAGE / "__init__.py").read_text())
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and [getattr(t, "id", None) for t in node.targets] == ["__version__"]
            and isinstance(node.value, ast.Constant)
        ):
            return str(node.value.value)
    raise SystemExit("src/champion/__init__.py assigns no __version__ string")


def check_wheel(wheel: Path, version: str, wanted: set[str]) -> list[str]:
    problems = []
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        info = f"champion-{version}.dist-info"
        metadata = HeaderParser().parsestr(archive.read(f"{info}/METADATA").decode())
        entry_points = archive.read(f"{info}/entry_points.txt").decode()
    problems += [f"{wheel.name} lacks {name}" for name in sorted(wanted - names)]
    extra = {n for n in names - wanted if not n.startswith(f"{info}/")}
    problems += [f"{wheel.name} holds {name}, which is not in src/champion" for name in extra]
    if metadata["Version"] != version:
        problems.append(f"{wheel.name} says version {metadata['Version']}, not {version}")
    if metadata["License-Expression"] != "MIT" or f"{info}/licenses/LICENSE" not in names:
        problems.append(f"{wheel.name} lacks the MIT License-Expression or the LICENSE file")
    missing_extras = EXTRAS - set(metadata.get_all("Provides-Extra") or [])
    if missing_extras:
        problems.append(f"{wheel.name} lacks the extras {sorted(missing_extras)}")
    for section, line in ENTRY_POINTS.items():
        if section not in entry_points or line not in entry_points:
            problems.append(f"{wheel.name} lacks the entry point {section} {line}")
    return problems


def check_sdist(sdist: Path, version: str, wanted: set[str]) -> list[str]:
    top = f"champion-{version}"
    with tarfile.open(sdist) as archive:
        names = {name.removeprefix(f"{top}/") for name in archive.getnames()}
    needed = {f"src/{name}" for name in wanted} | {"LICENSE", "README.md", "pyproject.toml"}
    return [f"{sdist.name} lacks {name}" for name in sorted(needed - names)]


def main(folder: Path) -> int:
    version = source_version()
    wanted = package_files()
    wheel = folder / f"champion-{version}-py3-none-any.whl"
    sdist = folder / f"champion-{version}.tar.gz"
    missing = [p.name for p in (wheel, sdist) if not p.is_file()]
    if missing:
        print(f"check-dist: {', '.join(missing)} not in {folder}/ (run make dist)", file=sys.stderr)
        return 1
    problems = check_wheel(wheel, version, wanted) + check_sdist(sdist, version, wanted)
    for problem in problems:
        print(f"check-dist: {problem}", file=sys.stderr)
    if problems:
        print(
            "check-dist: files that are not Python go in [tool.setuptools.package-data] "
            "(pyproject.toml)",
            file=sys.stderr,
        )
        return 1
    data = sorted(name for name in wanted if not name.endswith(".py"))
    print(
        f"check-dist: champion {version}: wheel and sdist hold all {len(wanted)} files of the "
        f"package ({', '.join(data)}), the licence, extras and entry points"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "dist")))
