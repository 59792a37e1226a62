"""The one source of truth for class names, label colours and input normalisation.

Training, checkpoints, the app and the tests all read these; checkpoints also
store a copy so that a file is self-describing.
"""

FASHION_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
# Mean and std of the 60k Fashion-MNIST training pixels in [0, 1].
FASHION_MEAN = 0.2860
FASHION_STD = 0.3530
FASHION_SIZE = 28

FACADE_CLASSES = ("others", "facade", "pillar", "window", "balcony")
# Colours of the dataset's palette PNGs (see mini_facade/README.md).
FACADE_COLORS = (
    (0, 0, 0),
    (0, 128, 255),
    (128, 255, 128),
    (255, 128, 0),
    (255, 0, 0),
)
# ImageNet statistics: the facade photos are ordinary RGB photographs.
FACADE_MEAN = (0.485, 0.456, 0.406)
FACADE_STD = (0.229, 0.224, 0.225)
FACADE_SIZE = 256  # training images are 256x256 crops of facades
