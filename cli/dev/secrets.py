"""What `lifecycle dev` keeps private in its home: the generated admin key, webhook secret,
secret key and payload codec key (`secrets.json`), and while it runs the record other commands
find it by (`dev.json`). Both are written readable by this user only."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli.checks import dev_record_path
from cli.errors import CliError, one_line
from core.codec import KeyRing

if TYPE_CHECKING:
    from core.settings import Settings


def _new_secrets(prefix: str) -> dict[str, str]:
    return {
        "admin_key": prefix + secrets.token_urlsafe(32),
        # The Standard Webhooks format: whsec_ and the base64 of the key's bytes.
        "webhook_secret": "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode("ascii"),
        "secret_key": secrets.token_urlsafe(32),
        # The payload codec's key ring (core/codec.py): Temporal's history in dev is encrypted too.
        "codec_keys": KeyRing.new_entry("dev-1"),
    }


def bootstrap_secrets(home: Path, settings: Settings) -> dict[str, str]:
    """The admin key, webhook secret and secret key: the settings' when set, else the ones saved
    in `$LIFECYCLE_HOME/secrets.json` (0600), generated there on the first start."""
    from db.api_keys import PREFIX

    path = home / "secrets.json"
    saved: dict[str, str] = {}
    if path.exists():
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CliError(f"cannot read {path}: {one_line(exc)}") from None
        if not isinstance(loaded, dict):
            raise CliError(f"cannot read {path}: not a JSON object")
        saved = {k: v for k, v in loaded.items() if isinstance(v, str) and v}
    fresh = _new_secrets(PREFIX)
    missing = {k: v for k, v in fresh.items() if k not in saved}
    if missing:
        saved.update(missing)
        write_private(path, saved)
    os.chmod(path, 0o600)
    return {k: getattr(settings, k) or saved[k] for k in fresh}


def write_private(path: Path, content: dict[str, Any]) -> None:
    """Writes JSON readable by this user only, in one step (a reader never sees half of it)."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(content, out, indent=2)
        out.write("\n")
    os.replace(tmp, path)


def write_dev_record(home: Path, record: dict[str, Any]) -> None:
    """How the other commands (`keys create`, `migrate`, ...) reach this stack: kept in the
    home (0600: the database URL may hold a password) while `dev` runs."""
    write_private(dev_record_path(home), {"pid": os.getpid(), **record})


def remove_dev_record(home: Path) -> None:
    """Removes the record, when it is this process's."""
    path = dev_record_path(home)
    with contextlib.suppress(OSError, ValueError):
        if json.loads(path.read_text(encoding="utf-8")).get("pid") == os.getpid():
            path.unlink()
