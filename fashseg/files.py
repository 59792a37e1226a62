"""A bounded folder of output files, each written atomically (temp file, then rename)."""

from __future__ import annotations

import tempfile
import threading
import uuid
from pathlib import Path

from PIL import Image


class Shelf:
    """New files in a temp folder of their own; the oldest go once there are more than ``keep``."""

    def __init__(self, prefix: str = "fashseg-", keep: int = 256):
        self.dir = Path(tempfile.mkdtemp(prefix=prefix))
        self._keep, self._files, self._lock = keep, [], threading.Lock()

    def put(self, im: Image.Image, prefix: str, fmt: str, name: str | None = None) -> str:
        """Save ``im``; a ``name`` (for downloads) goes in a folder of its own so that it can stay readable."""
        key = uuid.uuid4().hex[:12]
        if name:
            (self.dir / key).mkdir()
            path = self.dir / key / name
        else:
            path = self.dir / f"{prefix}-{key}.{'jpg' if fmt == 'jpeg' else fmt}"
        tmp = path.with_suffix(".tmp")
        # zlib level 6 was 1/4 of /classify's server time
        im.save(tmp, format=fmt, **({"quality": 90} if fmt == "jpeg" else {"compress_level": 1}))
        tmp.replace(path)
        with self._lock:
            self._files.append(path)
            while len(self._files) > self._keep:
                old = self._files.pop(0)
                old.unlink(missing_ok=True)
                if old.parent != self.dir:
                    old.parent.rmdir()
        return str(path)
