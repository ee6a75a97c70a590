"""The payload codec: every payload the engine hands Temporal (workflow inputs, activity inputs
and results, Update arguments, query answers, memos) is encrypted with AES-256-GCM, so Temporal's
history holds no freelancer's name, address or purpose in clear text.

The keys come from `LIFECYCLE_CODEC_KEYS`, a ring of `id:base64key` entries (32-byte keys),
comma-separated: the first encrypts, any of them decrypts. A payload names the id of the key that
encrypted it (metadata `encryption-key-id`), so keys rotate without breaking running assignments:
put the new key first, keep the old ones for as long as histories written with them live.

An encrypted payload:

    metadata  encoding = binary/encrypted, encryption-key-id = <id>
    data      12-byte nonce || AES-GCM(the original Payload, serialised; the key id as AAD)

A payload written with a key the ring does not hold, or altered, is refused with a one-line
reason (`CodecError`), never decoded into garbage.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, PayloadCodec

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
NONCE_BYTES = 12
_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class CodecError(ValueError):
    """A key ring that cannot be used, or a payload that cannot be decrypted: why, in one line."""


@dataclass(frozen=True)
class KeyRing:
    keys: tuple[tuple[str, bytes], ...]  # (id, 32-byte key); the first encrypts

    @classmethod
    def parse(cls, text: str) -> KeyRing:
        """`id:base64key,…` as LIFECYCLE_CODEC_KEYS holds it."""
        keys: list[tuple[str, bytes]] = []
        for entry in filter(None, (e.strip() for e in text.split(","))):
            key_id, colon, encoded = entry.partition(":")
            if not colon or not _ID.match(key_id):
                raise CodecError(
                    f"LIFECYCLE_CODEC_KEYS: {key_id or entry!r} is not `id:base64key` (an id of"
                    " letters, digits, '.', '_' or '-')"
                )
            try:
                key = base64.b64decode(encoded, validate=True)
            except (binascii.Error, ValueError):
                raise CodecError(
                    f"LIFECYCLE_CODEC_KEYS: the key {key_id!r} is not base64"
                ) from None
            if len(key) != 32:
                raise CodecError(
                    f"LIFECYCLE_CODEC_KEYS: the key {key_id!r} has {len(key)} bytes,"
                    " AES-256 needs 32"
                )
            if any(known == key_id for known, _ in keys):
                raise CodecError(f"LIFECYCLE_CODEC_KEYS: the id {key_id!r} is used twice")
            keys.append((key_id, key))
        if not keys:
            raise CodecError("LIFECYCLE_CODEC_KEYS holds no key")
        return cls(tuple(keys))

    @staticmethod
    def new_entry(key_id: str) -> str:
        """A fresh `id:base64key` entry (what `lifecycle dev` generates)."""
        return f"{key_id}:{base64.b64encode(os.urandom(32)).decode('ascii')}"


class EncryptionCodec(PayloadCodec):
    def __init__(self, ring: KeyRing) -> None:
        self._encrypting_id, key = ring.keys[0]
        self._encrypting = AESGCM(key)
        self._by_id = {key_id: AESGCM(k) for key_id, k in ring.keys}

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self._encrypt(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self._decrypt(p) for p in payloads]

    def _encrypt(self, payload: Payload) -> Payload:
        nonce = os.urandom(NONCE_BYTES)
        key_id = self._encrypting_id
        sealed = self._encrypting.encrypt(nonce, payload.SerializeToString(), key_id.encode())
        return Payload(
            metadata={"encoding": ENCODING, KEY_ID: key_id.encode()}, data=nonce + sealed
        )

    def _decrypt(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload  # written before the codec (or by something else): as it is
        key_id = payload.metadata.get(KEY_ID, b"").decode("utf-8", "replace")
        aead = self._by_id.get(key_id)
        if aead is None:
            raise CodecError(
                f"a payload is encrypted with the key {key_id!r}, which LIFECYCLE_CODEC_KEYS does"
                " not hold"
            )
        data = payload.data
        try:
            plain = aead.decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], key_id.encode())
        except InvalidTag:
            raise CodecError(f"a payload encrypted with the key {key_id!r} was altered") from None
        return Payload.FromString(plain)


def data_converter(codec_keys: str | None) -> DataConverter:
    """The engine's data converter: pydantic's, with the encryption codec when keys are set."""
    if not codec_keys:
        return pydantic_data_converter
    return replace(
        pydantic_data_converter, payload_codec=EncryptionCodec(KeyRing.parse(codec_keys))
    )
