"""Hostile picture files, small on disk and costly to open: for the tests and the load test.

Each was measured against Pillow alone before ``fashseg/headers.py`` refused it (figures there).
"""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

from fashseg.headers import MAX_PIECES


def saved(fmt: str, picture: Image.Image | None = None, **kw) -> bytes:
    """``picture`` (a flat 640x480 orange one by default) saved as ``fmt``."""
    buf = io.BytesIO()
    (picture or Image.new("RGB", (640, 480), (200, 120, 40))).save(buf, fmt, **kw)
    return buf.getvalue()


def chunk(kind: bytes, data: bytes = b"") -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def tiff_header(magic: bytes, tag: int, count: int) -> bytes:
    """A first page listing ``count`` values of ``tag`` (only the header: the values are never read)."""
    end, big = ("<" if magic[:1] == b"I" else ">"), magic[2:] in (b"+\0", b"\0+")
    entry = (lambda t, n: struct.pack(end + "HHQQ", t, 16, n, 0)) if big else (lambda t, n: struct.pack(end + "HHII", t, 4, n, 0))
    entries = [entry(256, 1), entry(tag, count), entry(257, 1)]
    head = magic + (struct.pack(end + "HHQ", 8, 0, 16) + struct.pack(end + "Q", 3) if big else struct.pack(end + "IH", 8, 3))
    return head + b"".join(entries)


def first_image(gif: bytes) -> int:
    """Where the first image descriptor starts: past the colour table and any extensions."""
    pos = 13 + ((3 << ((gif[10] & 7) + 1)) if gif[10] & 0x80 else 0)
    while gif[pos] == 0x21:
        pos += 2
        while gif[pos]:
            pos += 1 + gif[pos]
        pos += 1
    assert gif[pos : pos + 1] == b","
    return pos


def structure_bombs(many: int = 3 * MAX_PIECES):
    """(name, file) for files made of little but structure: Pillow took seconds over each (fashseg/headers.py)."""
    jpeg, gif, png = saved("JPEG"), saved("GIF"), saved("PNG")
    image = first_image(gif)
    idat = png.index(b"IDAT") - 4
    yield "empty JPEG segments", jpeg[:2] + b"\xff\xe5\x00\x02" * many + jpeg[2:]
    yield "stray bytes in a JPEG", jpeg[:2] + b"\x00" * many + jpeg[2:]
    yield "JPEG fill bytes", jpeg[:2] + b"\xff" * many + jpeg[2:]
    yield "empty GIF comments", gif[:image] + b"\x21\xfe\x00" * many + gif[image:]
    yield "one-byte GIF sub-blocks", gif[:image] + b"\x21\xfe" + b"\x01x" * many + b"\x00" + gif[image:]
    yield "stray bytes in a GIF", gif[:image] + b"x" * many + gif[image:]
    yield "empty PNG chunks", png[:idat] + chunk(b"quuX") * many + png[idat:]
    yield "PNG image data in one-byte chunks", png[:idat] + chunk(b"IDAT", b"x") * many + png[idat:]
    yield "a TIFF whose every row is a strip", tiff_header(b"II*\0", 273, many)


def overlapping_exif(tags: int = 300, blob: int = 20_000) -> bytes:
    """A TIFF structure whose every tag's value is the same ``blob`` bytes: Pillow copies it once per tag."""
    start = 8 + 2 + 12 * tags + 4
    entries = b"".join(struct.pack("<HHII", 0x8000 + i, 7, blob, start) for i in range(tags))
    return b"II*\0" + struct.pack("<IH", 8, tags) + entries + b"\0" * 4 + b"\0" * blob
