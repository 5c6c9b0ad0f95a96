"""champion runs without pyspark: only champion.spark imports it, and only when called."""

from __future__ import annotations

import subprocess
import sys


def test_the_command_line_and_the_api_do_not_import_pyspark() -> None:
    code = (
        "import sys, champion, champion.cli.main, champion.evaluation, champion.spark; "
        "print(','.join(m for m in ('pyspark', 'py4j') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_without_pyspark_the_error_names_the_extra_and_java() -> None:
    code = (
        "import sys; sys.modules['pyspark'] = None\n"
        "from champion.spark import SparkUnavailable, local_session\n"
        "try:\n"
        "    local_session()\n"
        "except SparkUnavailable as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install 'champion[spark]'" in out.stdout
    assert "Java 17" in out.stdout
