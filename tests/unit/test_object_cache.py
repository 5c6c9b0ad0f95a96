"""The pieces of the shared cache tier that need no object store: which --cache-dir values name
one, the local folder beside it, the signing of results and the key's length."""

from __future__ import annotations

from pathlib import Path

import pytest

from champion.cache import default_cache_dir
from champion.errors import ChampionError
from champion.object_cache import cache_key, is_shared_location, sign, verified
from champion.options import split_cache_location


def test_object_store_uris_name_the_shared_tier() -> None:
    assert split_cache_location("s3://bucket/prefix") == (None, "s3://bucket/prefix")
    assert split_cache_location("gs://bucket") == (None, "gs://bucket")
    assert split_cache_location("cache") == (Path("cache"), None)
    assert split_cache_location(None) == (None, None)
    assert not is_shared_location("https://host/cache")


def test_the_local_folder_stays_local_when_the_environment_names_a_bucket(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CHAMPION_CACHE_DIR", "s3://bucket/prefix")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "champion"


def test_only_data_signed_with_the_key_verifies() -> None:
    key = b"k" * 32
    blob = sign(b"payload", key)
    assert verified(blob, key) == b"payload"
    assert verified(blob, b"o" * 32) is None
    assert verified(blob[:-1] + b"X", key) is None
    assert verified(b"short", key) is None


def test_a_short_key_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHAMPION_CACHE_KEY", raising=False)
    assert cache_key() is None
    monkeypatch.setenv("CHAMPION_CACHE_KEY", "short")
    with pytest.raises(ChampionError, match="at least 32"):
        cache_key()
