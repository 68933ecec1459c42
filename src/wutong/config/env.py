"""Typed readers for ``WUTONG_*`` environment variables (settings come from nowhere else)."""

from __future__ import annotations

import os
from pathlib import Path

PREFIX = "WUTONG_"


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(PREFIX + name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(PREFIX + name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(PREFIX + name, "").strip()
    return int(raw) if raw else default


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(PREFIX + name, "").strip()
    return [item.strip() for item in raw.split(",") if item.strip()] if raw else default


def secret_key(data_dir: Path) -> str:
    """The secret key from the environment, or one generated once into the data directory."""
    explicit = env_str("SECRET_KEY")
    if explicit:
        return explicit
    key_file = data_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    from django.core.management.utils import get_random_secret_key

    data_dir.mkdir(parents=True, exist_ok=True)
    key = get_random_secret_key()
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key
