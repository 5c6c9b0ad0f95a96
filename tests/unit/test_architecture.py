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
    "spark": {"numpy", "pandas", "pyarrow", "pyspark"},
}
# champion sub-packages a layer must never import
FORBIDDEN_INTERNAL = {
    "evaluation": {
        "data",
        "models",
        "workspace",
        "cache",
        "presentation",
        "dashboard",
        "cli",
        "reports",
        "actions",
        "spark",
    },
    "data": {
        "models",
        "evaluation",
        "workspace",
        "presentation",
        "dashboard",
        "cli",
        "reports",
        "actions",
        "spark",
    },
    "presentation": {"dashboard", "cli", "reports", "actions", "spark"},
    "models": {"actions", "workspace", "presentation", "dashboard", "cli", "reports", "spark"},
    "actions": {"workspace", "presentation", "dashboard", "cli", "reports", "spark"},
    "workspace": {"actions", "presentation", "dashboard", "cli", "reports"},
    "reports": {"actions", "dashboard", "cli", "spark"},
    # the Spark engine stands on the in-memory one (evaluation, data) and nothing else
    "spark": {
        "models",
        "workspace",
        "cache",
        "presentation",
        "dashboard",
        "cli",
        "reports",
        "actions",
    },
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
        if top in ("pyspark", "py4j"):
            assert layer == "spark", f"only champion.spark may import pyspark ({path.name})"


def module_name(path: Path) -> str:
    parts = ("champion", *path.relative_to(PACKAGE).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def top_level_imports(path: Path, known: set[str]) -> set[str]:
    """champion modules path imports when it is loaded (statements at module level, those under
    ``if TYPE_CHECKING:`` included; imports inside functions run later and are left out)."""
    found: set[str] = set()
    tree = ast.parse(path.read_text(), filename=str(path))
    nodes = list(tree.body)
    while nodes:
        node = nodes.pop()
        if isinstance(node, ast.If | ast.Try):
            nodes.extend(ast.iter_child_nodes(node))
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name in known)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in known else node.module)
    return {name for name in found if name in known}


def test_no_import_cycles() -> None:
    paths = {module_name(p): p for p in modules()}
    known = set(paths)
    graph = {name: top_level_imports(path, known) - {name} for name, path in paths.items()}
    # a package's __init__ re-exporting its own modules is not a cycle between parts
    for name in graph:
        graph[name] = {t for t in graph[name] if not (name.startswith(f"{t}.") and t in paths)}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                cycle = [*stack[stack.index(target) :], target]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if target not in state:
                visit(target)
        stack.pop()
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name)


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
