"""Write the app's clickable examples into examples/ (run once: ``python -m tools.examples``).

Fashion-MNIST test images are enlarged to 280x280; drawn examples come from
``tools.sketches``; three Mini Facade test_dev photos are copied with their
attribution (examples/ATTRIBUTION.md).
"""

from __future__ import annotations

import shutil

from PIL import Image

from fashseg.data import PROJECT_DIR, load_fashion, resolve_facade_dir
from fashseg.labels import FASHION_CLASSES

from .sketches import draw

OUT = PROJECT_DIR / "examples"
FASHION_PICKS = ("Ankle boot", "Trouser", "Bag", "Pullover", "Sneaker")
FACADE_PICKS = ("eecs442_0005.jpg", "eecs442_0042.jpg", "eecs442_0087.jpg")


def main() -> None:
    (OUT / "fashion").mkdir(parents=True, exist_ok=True)
    (OUT / "facade").mkdir(parents=True, exist_ok=True)
    x, y = load_fashion(train=False)
    for name in FASHION_PICKS:
        i = int((y == FASHION_CLASSES.index(name)).nonzero()[0, 0])
        slug = name.lower().replace(" ", "_").replace("/", "_")
        Image.fromarray(x[i].numpy()).resize((280, 280), Image.Resampling.NEAREST).save(OUT / "fashion" / f"test{i:04d}_{slug}.png")
    draw("Trouser", filled=False).save(OUT / "fashion" / "drawn_trousers_outline.png")
    draw("Bag", filled=True).save(OUT / "fashion" / "drawn_bag_filled.png")
    src = resolve_facade_dir() / "test_dev"
    for name in FACADE_PICKS:
        shutil.copyfile(src / name, OUT / "facade" / name)
    print(f"wrote {len(list(OUT.rglob('*.png')) + list(OUT.rglob('*.jpg')))} files under {OUT}")


if __name__ == "__main__":
    main()
