"""How long a picture file would keep the decoders busy, judged from its bytes before Pillow opens it.

Pillow decodes pixels in C, but walks a file's structure in Python, one step per
PNG chunk, JPEG marker, GIF block or TIFF strip, and for a GIF or JPEG one step per
stray byte between them. A hostile file made of nothing else held a core for seconds
to minutes (measured here at 24 MB, the upload limit being 25: 8,000,000 empty GIF
comments over 10 minutes, 6,000,000 empty JPEG segments 10.3 s, 2,000,000 empty PNG
chunks 6.8 s, a TIFF whose every row is a strip 9.2 s), while the largest real
pictures need a few thousand: ``pieces`` walks the same structure, with a cap. And
each scan of a progressive JPEG is a pass over the whole picture, in C: ``refusal``
counts those too.
"""

from __future__ import annotations

import contextlib
import mmap
import re
import struct
from pathlib import Path

MAX_PIECES = 20_000  # steps Pillow may take in Python: about 0.1-0.2 s; a 25 MB PNG written in 8 KB chunks has 3,200
MAX_SCANS = 100  # passes over a progressive JPEG's every block, in C: libjpeg and mozjpeg write 10 to 20

TIFF_LAYOUTS = {  # magic: byte order, first-page offset, tag count, tag entry (classic TIFF and BigTIFF)
    b"II*\0": ("<", "I", "H", "HHI"),
    b"MM\0*": (">", "I", "H", "HHI"),
    b"II+\0": ("<", "Q", "Q", "HHQ"),
    b"MM\0+": (">", "Q", "Q", "HHQ"),
}
GIF_TAG = re.compile(rb"[!,;]")  # what Pillow looks for between a GIF's blocks, stepping over any other byte


def refusal(data, name: str) -> str | None:
    """Why ``data`` (a path or a BytesIO) would take the decoders far too long, in one sentence; None when it would not."""
    with _bytes(data) as b:
        if pieces(b) > MAX_PIECES:  # Pillow would walk them in Python
            return f"{name} is cut into over {MAX_PIECES:,} pieces, far more than a picture needs: save it as PNG or JPEG and upload that."
        if b[:2] == b"\xff\xd8" and _scans(b) > MAX_SCANS:
            return (
                f"{name} is a JPEG drawn in over {MAX_SCANS} passes, far more than a photo needs: save it as PNG or JPEG and upload that."
            )
        if _overlapping_values(b):
            return f"{name} has tags that point at more data than the file holds: save it as PNG or JPEG and upload that."
    return None


def orientation(exif) -> int:
    """The EXIF orientation (1-8; 1 when absent or unreadable), read from the first directory's entries alone.

    Pillow's ``getexif`` copies every tag's value, and values may all point at the same
    bytes: 200 tags over one megabyte in a PNG's EXIF cost 192 MB, 400 over ten 3.8 GB.
    """
    if not exif:
        return 1
    t = exif[6:] if exif[:6] == b"Exif\0\0" else exif
    try:
        end = {b"II": "<", b"MM": ">"}[bytes(t[:2])]
        at = struct.unpack_from(end + "I", t, 4)[0]
        for i in range(min(struct.unpack_from(end + "H", t, at)[0], 1_000)):  # entries are sorted: 274 comes early
            tag, kind = struct.unpack_from(end + "HH", t, at + 2 + 12 * i)
            if tag == 274 and kind == 3:  # Orientation, a SHORT held in the entry itself
                value = struct.unpack_from(end + "H", t, at + 2 + 12 * i + 8)[0]
                return value if 1 <= value <= 8 else 1
    except (KeyError, struct.error):
        pass
    return 1


def pieces(b) -> int:
    """Python steps (capped a little over MAX_PIECES) to open a file's bytes; 0 when unsure.

    A broken or truncated file counts 0 here: Pillow refuses it in its own words.
    """
    try:
        if b[:4] in TIFF_LAYOUTS:
            return _tiff(b)
        if b[:8] == b"\x89PNG\r\n\x1a\n":
            return _png(b)
        if b[:2] == b"\xff\xd8":
            return _jpeg(b)
        if b[:6] in (b"GIF87a", b"GIF89a"):
            return _gif(b)
    except (struct.error, IndexError, ValueError, OverflowError):
        pass
    return 0


UNIT = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 16: 8, 17: 8, 18: 8}  # TIFF types


def _overlapping_values(b) -> bool:
    """Whether a TIFF's first page, or a JPEG's EXIF or multi-picture index, lists more value bytes than it holds.

    Pillow reads each tag's value as it opens a TIFF (and a JPEG's EXIF, for its
    resolution, and an MPO's index), a copy each: values that all point at the same bytes make a small file
    a large allocation. Real files' values lie side by side, so they never add up to more.
    """
    try:
        if b[:4] in TIFF_LAYOUTS:
            return _ifd_values(b) > len(b)
        if b[:2] == b"\xff\xd8":
            for _, marker, at in _segments(b):  # EXIF in APP1, a phone's multi-picture index in APP2
                head = 6 if marker == 0xE1 and b[at : at + 6] == b"Exif\0\0" else 4 if marker == 0xE2 and b[at : at + 4] == b"MPF\0" else 0
                if head:
                    data = b[at + head : at - 2 + struct.unpack_from(">H", b, at - 2)[0]]
                    if _ifd_values(data) > len(data):
                        return True
    except (struct.error, IndexError, ValueError, OverflowError, KeyError):
        pass
    return False


def _first_directory(b) -> tuple[int, list[tuple[int, int, int]], bool] | None:
    """(tags listed, their (tag, type, count) entries, BigTIFF) of a TIFF structure's first directory;
    no entries over MAX_PIECES tags, None where the directory is cut short."""
    end, offset, number, entry = TIFF_LAYOUTS[bytes(b[:4])]
    big = offset == "Q"
    at = struct.unpack_from(end + offset, b, 8 if big else 4)[0]
    (tags,) = struct.unpack_from(end + number, b, at)
    if tags > MAX_PIECES:
        return tags, [], big
    first, width = at + struct.calcsize(end + number), 20 if big else 12
    if first + tags * width > len(b):
        return None
    return tags, [struct.unpack_from(end + entry, b, first + i * width) for i in range(tags)], big


def _ifd_values(b) -> int:
    """Bytes of the values that a TIFF structure's first directory keeps outside its entries."""
    found = _first_directory(b)
    if found is None:
        return 0
    _, entries, big = found
    sizes = (count * UNIT.get(kind, 1) for _, kind, count in entries)
    return sum(size for size in sizes if size > (8 if big else 4))


def _scans(b) -> int:
    """Start-of-scan markers (up to one over MAX_SCANS): each is a pass over every block of the picture, even when
    decoding at 1/8 scale; 2,000 copies of one small scan made a 160 KB 4000x4000 JPEG take 34 s. Entropy-coded
    data never holds the marker's bytes; a thumbnail's own scan or an ICC profile's bytes may add a few."""
    n, pos = 0, b.find(b"\xff\xda")
    while pos >= 0 and n <= MAX_SCANS:
        n, pos = n + 1, b.find(b"\xff\xda", pos + 2)
    return n


@contextlib.contextmanager
def _bytes(data):
    """The file's bytes without copying a file (mapped into memory), or the BytesIO's own."""
    if not isinstance(data, Path):
        yield data.getvalue()
        return
    with data.open("rb") as f:
        if not data.stat().st_size:
            yield b""
            return
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as b:
            yield b


def _tiff(b) -> int:
    """The most strips or tiles (or tags) the first page lists: Pillow builds a Python list of them as it opens."""
    found = _first_directory(b)
    if found is None:
        return 0
    tags, entries, _ = found
    return tags if tags > MAX_PIECES else max((count for tag, _, count in entries if tag in (273, 324)), default=0)


def _png(b) -> int:
    """Chunks, up to IEND: each is a Python step, opening (before the image data) and decoding (the rest)."""
    pos, n = 8, 0
    while n <= MAX_PIECES and pos + 8 <= len(b):
        n += 1
        if b[pos + 4 : pos + 8] == b"IEND":
            break
        pos += 12 + struct.unpack_from(">I", b, pos)[0]
    return n


def _jpeg(b) -> int:
    """Markers and stray bytes before the scan (what follows it is decoded in C)."""
    return sum(steps for steps, _, _ in _segments(b))


def _segments(b):
    """(Pillow's steps, marker, where its payload starts) for each segment before the scan, up to MAX_PIECES steps."""
    pos, n = 2, 0
    while n <= MAX_PIECES and pos + 2 <= len(b):
        if b[pos] != 0xFF:  # a stray byte: Pillow steps over each one
            nxt = b.find(b"\xff", pos)
            nxt = nxt if nxt >= 0 else len(b)
            yield nxt - pos, 0, pos
            n, pos = n + nxt - pos, nxt
            continue
        n += 1
        marker = b[pos + 1]
        yield 1, marker, pos + 4
        if marker == 0xDA:  # start of scan
            return
        if marker == 0xFF:  # a fill byte
            pos += 1
        elif marker in (0x00, 0x01) or 0xD0 <= marker <= 0xD9:  # no length follows
            pos += 2
        else:
            pos += 2 + struct.unpack_from(">H", b, pos + 2)[0]


def _gif(b) -> int:
    """Extensions, their sub-blocks and stray bytes before the first image (its pixels are decoded in C)."""
    flags = b[10]
    pos, n = 13 + ((3 << ((flags & 7) + 1)) if flags & 0x80 else 0), 0
    while n <= MAX_PIECES and pos < len(b):
        tag = GIF_TAG.search(b, pos)
        if tag is None:
            return n + len(b) - pos
        n += tag.start() - pos + 1
        pos = tag.start()
        if b[pos] != ord("!"):  # the first image, or the end
            break
        pos += 2  # "!" and the label
        while n <= MAX_PIECES and pos < len(b) and b[pos]:  # sub-blocks, up to the empty one
            n += 1
            pos += 1 + b[pos]
        pos += 1
    return n
