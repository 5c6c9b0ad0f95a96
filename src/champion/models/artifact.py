"""What a local MLflow model directory holds, read from its ``MLmodel`` file without loading it.

``inspect_model_dir`` parses the MLmodel YAML (never the model files) and returns a frozen
:class:`ModelArtifact`: the flavours present, the native flavour champion scores with, how the
model file is serialized, which files hold it, the pyfunc ``predict_fn``, the input and output
signature and a checksum of every file in the directory.

How MLflow 3.17 writes the flavours champion knows (checked by saving models; see the tests):

- ``mlflow.sklearn``: ``sklearn: {pickled_model: model.skops | model.pkl,
  serialization_format: skops | pickle | cloudpickle, skops_trusted_types: [...] | null}``;
  skops is the default outside Databricks. ``python_function.predict_fn`` records
  ``pyfunc_predict_fn`` ("predict" by default, "predict_proba" when asked).
- ``mlflow.lightgbm``: ``lightgbm: {data, model_class, serialization_format}``. A native
  ``lightgbm.basic.Booster`` is written as LightGBM's text format (``model.lgb``, no code runs on
  load) although ``serialization_format`` still says "skops"; a scikit-learn API model
  (``LGBMClassifier``) goes through the sklearn serializer: ``model.skops`` by default, else
  ``model.pkl`` (pickle / cloudpickle; "cloudpickle" when the key is missing, as MLflow assumes).
- ``mlflow.xgboost``: ``xgboost: {data: model.ubj | model.json | model.xgb, model_class,
  model_format}``: always XGBoost's own format (``model_class`` is imported by name on load).
- ``mlflow.catboost``: ``catboost: {data, model_type, save_format}``: CatBoost's own format.
- ``mlflow.pyfunc`` with a ``PythonModel``: only ``python_function: {loader_module:
  mlflow.pyfunc.model, python_model: python_model.pkl, cloudpickle_version, artifacts}``: the
  model object is cloudpickled. Models-from-code carry ``model_code_path`` (Python source).
- Any flavour may carry ``code`` (a directory of ``code_paths`` put on ``sys.path`` on load).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Literal, cast

import yaml

from champion.errors import ModelError

Flavour = Literal["sklearn", "xgboost", "lightgbm", "catboost", "pyfunc"]
SerializationFormat = Literal["skops", "pickle", "cloudpickle", "native", "code", "unknown"]

#: native flavours champion can score with, in order of preference
NATIVE_FLAVOURS: tuple[Flavour, ...] = ("sklearn", "lightgbm", "xgboost", "catboost")
PYFUNC = "python_function"
_PICKLE_FORMATS = ("pickle", "cloudpickle")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class ColumnSpec:
    """One entry of an MLflow signature schema.

    ``name`` is None for an unnamed column or a tensor; ``type`` is MLflow's type name ("double",
    "long", "string", ...), "array<double>" for arrays, or "tensor float64 [-1, 2]" for tensors.
    """

    name: str | None
    type: str
    required: bool = True


@dataclass(frozen=True)
class ModelArtifact:
    """A local MLflow model directory, as its MLmodel file describes it.

    ``flavors``: every flavour key of the MLmodel file (e.g. ("python_function", "sklearn")).
    ``flavor``: the flavour champion loads for scoring. ``serialization_format``: how the model
    file is stored ("code" for models-from-code, "unknown" for a pyfunc whose loader champion
    does not know). ``model_files``: paths, relative to ``path``, of the file(s) holding the model.
    ``input_schema`` / ``output_schema``: the signature, or None without one.
    ``checksum``: hex sha256 over every file of the directory (sorted relative paths and bytes).
    """

    path: Path
    flavors: tuple[str, ...]
    flavor: Flavour
    serialization_format: SerializationFormat
    model_files: tuple[str, ...]
    model_class: str | None
    predict_fn: str | None
    loader_module: str | None
    code_paths: tuple[str, ...]
    declared_skops_trusted_types: tuple[str, ...]
    input_schema: tuple[ColumnSpec, ...] | None
    output_schema: tuple[ColumnSpec, ...] | None
    mlflow_version: str | None
    checksum: str


def inspect_model_dir(path: str | Path) -> ModelArtifact:
    """Describe the MLflow model in the local directory ``path`` (ModelError if it is not one)."""
    root = Path(path)
    mlmodel = _read_mlmodel(root)
    flavors = mlmodel.get("flavors")
    if not isinstance(flavors, Mapping) or not flavors:
        raise ModelError(f"{str(root / 'MLmodel')!r} lists no flavours; it is not an MLflow model.")
    names = tuple(str(name) for name in flavors)
    pyfunc_conf = _conf(flavors, PYFUNC)
    flavor, conf = _choose_flavour(root, flavors)
    if flavor == "pyfunc":
        fmt, files, model_class = _pyfunc_files(conf)
    else:
        fmt, files, model_class = _native_files(flavor, conf)
    code_paths = tuple(
        dict.fromkeys(
            _inside(root, c)
            for c in (conf.get("code"), pyfunc_conf.get("code"))
            if isinstance(c, str) and c
        )
    )
    model_files = tuple(dict.fromkeys(_inside(root, f) for f in files))
    for rel in model_files:
        if not (root / rel).exists():
            raise ModelError(
                f"the {flavor} model in {str(root)!r} names the file {rel!r}, which is missing; "
                "download the model again."
            )
    declared = conf.get("skops_trusted_types")
    declared = declared if isinstance(declared, list) else []
    signature = mlmodel.get("signature") if isinstance(mlmodel.get("signature"), Mapping) else {}
    predict_fn = pyfunc_conf.get("predict_fn")
    loader = pyfunc_conf.get("loader_module")
    version = mlmodel.get("mlflow_version")
    return ModelArtifact(
        path=root,
        flavors=names,
        flavor=flavor,
        serialization_format=fmt,
        model_files=model_files,
        model_class=model_class,
        predict_fn=str(predict_fn) if predict_fn else None,
        loader_module=str(loader) if loader else None,
        code_paths=code_paths,
        declared_skops_trusted_types=tuple(str(t) for t in declared),
        input_schema=_schema(root, cast(Mapping[str, Any], signature).get("inputs")),
        output_schema=_schema(root, cast(Mapping[str, Any], signature).get("outputs")),
        mlflow_version=str(version) if version else None,
        checksum=directory_checksum(root),
    )


def directory_checksum(root: Path) -> str:
    """Hex sha256 of every regular file under ``root``: for each, in sorted order of its
    relative POSIX path, the path, a NUL byte, its size (8 bytes, big-endian) and its bytes."""
    digest = hashlib.sha256()
    files = sorted((p.relative_to(root).as_posix(), p) for p in root.rglob("*") if p.is_file())
    for rel, file in files:
        digest.update(rel.encode() + b"\0" + file.stat().st_size.to_bytes(8, "big"))
        with file.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
    return digest.hexdigest()


def _read_mlmodel(root: Path) -> Mapping[str, Any]:
    file = root / "MLmodel"
    if not file.is_file():
        raise ModelError(f"{str(root)!r} is not an MLflow model directory: it has no MLmodel file.")
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ModelError(f"cannot read {str(file)!r}: {exc}") from None
    if not isinstance(data, Mapping):
        raise ModelError(f"{str(file)!r} is not an MLmodel file (expected a YAML mapping).")
    return cast(Mapping[str, Any], data)


def _conf(flavors: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    conf = flavors.get(name)
    return cast(Mapping[str, Any], conf) if isinstance(conf, Mapping) else {}


def _choose_flavour(root: Path, flavors: Mapping[str, Any]) -> tuple[Flavour, Mapping[str, Any]]:
    for flavour in NATIVE_FLAVOURS:
        if flavour in flavors:
            return flavour, _conf(flavors, flavour)
    if PYFUNC in flavors:
        return "pyfunc", _conf(flavors, PYFUNC)
    raise ModelError(
        f"the model in {str(root)!r} has the flavours {', '.join(map(str, flavors))}; champion "
        f"scores only {', '.join(NATIVE_FLAVOURS)} or python_function (pyfunc) models."
    )


def _required(conf: Mapping[str, Any], key: str, flavour: str) -> str:
    value = conf.get(key)
    if not isinstance(value, str) or not value:
        raise ModelError(f"the {flavour} flavour of the MLmodel file has no {key!r} entry.")
    return value


def _native_files(
    flavour: Flavour, conf: Mapping[str, Any]
) -> tuple[SerializationFormat, tuple[str, ...], str | None]:
    """(format, model files, model class) for a native flavour."""
    if flavour == "sklearn":
        fmt = str(conf.get("serialization_format") or "pickle")
        return _sklearn_format(fmt), (_required(conf, "pickled_model", flavour),), None
    data = _required(conf, "data", flavour)
    if flavour == "lightgbm":
        model_class = str(conf.get("model_class") or "lightgbm.basic.Booster")
        if model_class == "lightgbm.basic.Booster":
            return "native", (data,), model_class
        fmt = str(conf.get("serialization_format") or "cloudpickle")
        return _sklearn_format(fmt), (data,), model_class
    if flavour == "xgboost":
        return "native", (data,), str(conf.get("model_class") or "xgboost.core.Booster")
    model_type = conf.get("model_type")
    return "native", (data,), str(model_type) if model_type else None


def _sklearn_format(fmt: str) -> SerializationFormat:
    if fmt in ("skops", *_PICKLE_FORMATS):
        return cast(SerializationFormat, fmt)
    return "unknown"


def _pyfunc_files(
    conf: Mapping[str, Any],
) -> tuple[SerializationFormat, tuple[str, ...], str | None]:
    """(format, model files, model class) for a model scored through python_function."""
    loader = conf.get("loader_module")
    if isinstance(conf.get("model_code_path"), str):
        # MLflow records the path the code had when logged, copies the file into the model
        # directory and loads it from there by its base name
        return "code", (PurePosixPath(str(conf["model_code_path"])).name,), None
    if isinstance(conf.get("python_model"), str):
        files = [str(conf["python_model"])]
        artifacts = conf.get("artifacts")
        if isinstance(artifacts, Mapping):
            for spec in artifacts.values():
                if isinstance(spec, Mapping) and isinstance(spec.get("path"), str):
                    files.append(str(spec["path"]))
        return "cloudpickle", tuple(files), None
    data = conf.get("data") or conf.get("model_path")
    files_found = (str(data),) if isinstance(data, str) and data else ()
    return "unknown", files_found, str(loader) if loader else None


def _inside(root: Path, rel: str) -> str:
    """``rel`` normalised, refusing any path that leaves ``root``."""
    target = (root / rel).resolve()
    base = root.resolve()
    if target != base and base not in target.parents:
        raise ModelError(
            f"the MLmodel file in {str(root)!r} names {rel!r}, outside the model directory; "
            "champion refuses such a model."
        )
    return target.relative_to(base).as_posix() if target != base else "."


def _schema(root: Path, raw: Any) -> tuple[ColumnSpec, ...] | None:
    if raw is None:
        return None
    try:
        entries = json.loads(raw) if isinstance(raw, str) else raw
    except json.JSONDecodeError as exc:
        raise ModelError(f"the signature in {str(root / 'MLmodel')!r} is not JSON: {exc}") from None
    if not isinstance(entries, list):
        return None
    return tuple(_column(entry) for entry in entries if isinstance(entry, Mapping))


def _column(entry: Mapping[str, Any]) -> ColumnSpec:
    name = entry.get("name")
    return ColumnSpec(
        name=str(name) if name is not None else None,
        type=_type_name(entry),
        required=bool(entry.get("required", True)),
    )


def _type_name(entry: Mapping[str, Any]) -> str:
    kind = str(entry.get("type", "unknown"))
    if kind == "tensor":
        spec = entry.get("tensor-spec")
        spec = spec if isinstance(spec, Mapping) else {}
        return f"tensor {spec.get('dtype', '?')} {list(spec.get('shape') or [])}"
    if kind == "array" and isinstance(entry.get("items"), Mapping):
        return f"array<{_type_name(entry['items'])}>"
    return kind
