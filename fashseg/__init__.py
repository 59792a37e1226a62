"""FashSeg: Fashion-MNIST classification and Mini Facade segmentation, trained and served."""

__version__ = "0.1.0"
