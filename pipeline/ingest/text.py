"""Decode text files: UTF-8 (with or without BOM), UTF-16 with a BOM, GB18030/GBK; reject binary data."""

from __future__ import annotations

from pipeline.errors import InputError


def decode_text(data: bytes, name: str) -> tuple[str, str]:
    """Decode text bytes: UTF-8 (with or without BOM) first, then GB18030; reject binary data."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if b"\x00" in data[:4096]:
        raise InputError(name, "binary data, not a text file")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as e:
        raise InputError(name, f"cannot decode as UTF-8 or GB18030 ({e.reason} at byte {e.start})") from e
    if _looks_binary(text):
        raise InputError(name, "binary data, not a text file")
    return text, "gb18030"


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f")
    return controls > max(8, len(sample) // 100)
