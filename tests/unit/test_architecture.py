"""The layers of champion import only what they may (see README, "Architecture")."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import champion

PACKAGE = Path(champion.__file__).parent
STDLIB = set(sys.stdlib_module_names)

# top-level packages each layer may import, besides the standard library and champion itself
ALLOWED_THIRD_PARTY = {
    "evaluation": {"numpy", "scipy"},
}
# champion sub-packages a layer must never import
FORBIDDEN_INTERNAL = {
    "evaluation": {
        "data",
        "models",
        "service",
        "cache",
        "presentation",
        "dashboard",
        "cli",
        "reports",
        "actions",
    },
    "data": {
        "models",
        "evaluation",
        "service",
        "presentation",
        "dashboard",
        "cli",
        "reports",
        "actions",
    },
    "presentation": {"dashboard", "cli", "reports", "actions"},
    "models": {"actions", "service", "presentation", "dashboard", "cli", "reports"},
    "actions": {"presentation", "dashboard", "cli", "reports"},
}
NOBODY_IMPORTS = {"dashboard", "cli"}  # only their own package (and __main__) may


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def layer_of(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0].removesuffix(".py") if len(relative.parts) > 1 else relative.stem


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_layer_imports(path: Path) -> None:
    layer = layer_of(path)
    for name in imported(path):
        top = name.split(".")[0]
        if top == "champion":
            parts = name.split(".")
            internal = parts[1] if len(parts) > 1 else ""
            assert internal not in FORBIDDEN_INTERNAL.get(layer, set()), (
                f"{path.name} ({layer}) imports {name}"
            )
            if internal in NOBODY_IMPORTS:
                assert layer in (internal, "__main__"), f"{path.name} imports {name}"
        elif layer in ALLOWED_THIRD_PARTY and top not in STDLIB:
            assert top in ALLOWED_THIRD_PARTY[layer], f"{path.name} ({layer}) imports {name}"
        if top == "mlflow":
            assert layer == "models", f"only champion.models may import mlflow ({path.name})"


def test_evaluation_loads_without_heavy_dependencies() -> None:
    code = (
        "import sys, champion.evaluation; "
        "bad = [m for m in ('pandas', 'mlflow', 'plotly', 'dash', 'sklearn') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_public_api_is_what_all_says() -> None:
    for name in champion.__all__:
        assert hasattr(champion, name), name
    assert {"evaluate", "compare"} <= set(champion.__all__)
    # every public top-level name is either exported or one of champion's own modules
    extra = {
        name
        for name, value in vars(champion).items()
        if not name.startswith("_")
        and name not in champion.__all__
        and not (isinstance(value, ModuleType) and value.__name__.startswith("champion."))
    }
    assert not extra, extra


# registry writes: RegistryWriter's methods and MlflowClient's alias / registered-model writes
WRITE_METHODS = {
    "set_alias",
    "set_model_tag",
    "create_lock",
    "delete_lock",
    "set_registered_model_alias",
    "delete_registered_model_alias",
    "set_registered_model_tag",
    "delete_registered_model_tag",
    "delete_registered_model",
}
WRITERS = {"actions", "models"}  # models implements the writes, actions decides them


def written(path: Path) -> set[str]:
    """Names of registry write methods the module calls (``x.set_alias(...)``)."""
    return {
        node.func.attr
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path)))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in WRITE_METHODS
    }


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_only_actions_write_to_the_registry(path: Path) -> None:
    calls = written(path)
    if layer_of(path) not in WRITERS:
        assert not calls, f"{path.name} writes to the registry ({', '.join(sorted(calls))})"


def test_the_write_check_sees_writes() -> None:
    writers = {p.name for p in modules() if written(p)}
    assert {"steps.py", "lock.py", "registry_writer.py"} <= writers
