"""Writing a decision record to a file: the format from the file's extension (or as asked), the
text rendered in that format, and the file replaced atomically (a reader sees the old file or
the whole new one, never a part)."""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

from champion.errors import DataError
from champion.reports.record import DecisionRecord

FORMATS = ("html", "markdown", "json")
EXTENSIONS = {
    ".html": "html",
    ".htm": "html",
    ".md": "markdown",
    ".markdown": "markdown",
    ".json": "json",
}


def format_of(path: str | Path, chosen: str | None = None) -> str:
    """The format to write: chosen, else the one path's extension names; DataError when
    neither says."""
    if chosen is not None:
        if chosen not in FORMATS:
            raise DataError(f"--format {chosen!r} is not one of {', '.join(FORMATS)}.")
        return chosen
    found = EXTENSIONS.get(Path(path).suffix.lower())
    if found is None:
        known = ", ".join(EXTENSIONS)
        raise DataError(
            f"cannot tell the format of {str(path)!r} from its extension ({known}); add "
            "--format html|markdown|json."
        )
    return found


def html_sibling(path: str | Path) -> str:
    """The name of the HTML report beside path: report.md -> report.html."""
    return Path(path).with_suffix(".html").name


def _strict(value: Any) -> Any:
    """value with every non-finite float as None (strict JSON)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _strict(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_strict(item) for item in value]
    return value


def render(record: DecisionRecord, fmt: str, lang: str = "en", html_name: str | None = None) -> str:
    """The record's text in fmt ("html", "markdown" or "json")."""
    if fmt == "json":
        return json.dumps(_strict(record.to_dict()), indent=2, allow_nan=False) + "\n"
    if fmt == "markdown":
        from champion.reports.markdown import render_markdown

        return render_markdown(record, lang, html_name)
    from champion.reports.html import render_html

    return render_html(record, lang)


def write_atomic(path: str | Path, text: str) -> Path:
    """Write text (UTF-8) to path through a temporary file in the same folder and a rename;
    the file gets the permissions a new file gets (the umask's). DataError when the folder is
    missing or not writable."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise DataError(f"cannot write {str(target)!r}: no folder {str(folder)!r}.")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=folder)
    except OSError as err:
        raise DataError(f"cannot write {str(target)!r}: {err.strerror or err}.") from err
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(temporary, 0o666 & ~mask)
        os.replace(temporary, target)
    except OSError as err:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise DataError(f"cannot write {str(target)!r}: {err.strerror or err}.") from err
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return target
