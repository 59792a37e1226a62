import numpy as np
import pytest
import torch
from conftest import make_fake_facade, make_fake_fashion
from PIL import Image

import fashseg.data as D


def test_explicit_folder_comes_first(tmp_path):
    explicit = make_fake_fashion(tmp_path / "explicit")
    make_fake_fashion(tmp_path / "deb_src", gz_dir=tmp_path / "debian")
    raw = sorted((explicit / "FashionMNIST" / "raw").iterdir())
    before = [f.stat().st_mtime_ns for f in raw]
    assert D.resolve_fashion_root(explicit, download=False, debian_dir=tmp_path / "debian") == explicit
    assert [f.stat().st_mtime_ns for f in raw] == before  # used as it is: nothing unpacked over it
    # the Debian copy was a real alternative: without the explicit folder it is the one used
    assert D.resolve_fashion_root(tmp_path / "other", download=False, debian_dir=tmp_path / "debian") == tmp_path / "other"


def test_project_data_folder_is_used_without_arguments(tmp_path, monkeypatch):
    project = make_fake_fashion(tmp_path / "data")
    monkeypatch.setattr(D, "DEFAULT_DATA_DIR", project)
    assert D.resolve_fashion_root(None, download=False, debian_dir=tmp_path / "nothing") == project


def test_debian_gz_files_are_decompressed_into_torchvision_layout(tmp_path):
    make_fake_fashion(tmp_path / "src", gz_dir=tmp_path / "debian")
    root = D.resolve_fashion_root(tmp_path / "root", download=False, debian_dir=tmp_path / "debian")
    assert root == tmp_path / "root"
    x, y = D.load_fashion(root, train=True, download=False)
    assert x.shape == (300, 28, 28) and x.dtype == torch.uint8
    assert y.tolist()[:12] == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]
    assert not list((root / "FashionMNIST" / "raw").glob("*.tmp"))


def test_several_first_runs_unpack_the_debian_files_at_once(tmp_path):
    """Eight runs started together on a fresh machine all unpack (the GPU sweep started four; one used to find its temp file renamed away)."""
    from concurrent.futures import ThreadPoolExecutor

    make_fake_fashion(tmp_path / "src", gz_dir=tmp_path / "debian", n_train=20000)
    with ThreadPoolExecutor(8) as pool:
        roots = list(
            pool.map(lambda _: D.resolve_fashion_root(tmp_path / "root", download=False, debian_dir=tmp_path / "debian"), range(8))
        )
    assert roots == [tmp_path / "root"] * 8
    x, _ = D.load_fashion(tmp_path / "root", train=True, download=False)
    assert x.shape == (20000, 28, 28)
    assert not list((tmp_path / "root" / "FashionMNIST" / "raw").glob("*.tmp"))


def test_missing_everywhere_names_all_three_ways(tmp_path, monkeypatch):
    import torchvision.datasets

    def offline(*a, **k):
        raise RuntimeError("network unreachable")

    monkeypatch.setattr(torchvision.datasets, "FashionMNIST", offline)
    with pytest.raises(D.DataMissingError) as e:
        D.resolve_fashion_root(tmp_path / "empty", download=True, debian_dir=tmp_path / "nodeb")
    msg = str(e.value)
    assert "--data-dir" in msg and "apt-get install -y dataset-fashion-mnist" in msg and "download" in msg
    assert "network unreachable" in msg


def test_split_is_fixed_by_seed_and_disjoint():
    a_tr, a_va = D.split_indices(100, 10, seed=3)
    b_tr, b_va = D.split_indices(100, 10, seed=3)
    assert torch.equal(a_va, b_va) and len(a_tr) == 90
    assert not set(a_tr.tolist()) & set(a_va.tolist())
    assert not torch.equal(D.split_indices(100, 10, seed=4)[1], a_va)


def test_fashion_augmentation_keeps_shape_and_changes_pixels():
    x = D.normalize_fashion(torch.randint(0, 255, (16, 28, 28), dtype=torch.uint8))
    out = D.augment_fashion(x, torch.Generator().manual_seed(0))
    assert out.shape == (16, 1, 28, 28)
    assert not torch.equal(out, x)


def test_facade_split_shapes_and_label_range(fake_facade):
    s = D.load_facade(fake_facade, "train")
    assert s.images.shape == (12, 3, 64, 64) and s.images.dtype == torch.uint8
    assert s.labels.shape == (12, 64, 64) and int(s.labels.min()) >= 0 and int(s.labels.max()) <= 4
    assert s.names[0] == "eecs442_0000.jpg"


def test_facade_augmentation_crops_and_marks_outside_as_ignored(fake_facade):
    s = D.load_facade(fake_facade, "train")
    x, y = D.augment_facade(D.normalize_facade(s.images[:4]), s.labels[:4], torch.Generator().manual_seed(0), crop=48, scale=(0.5, 0.6))
    assert x.shape == (4, 3, 48, 48) and y.shape == (4, 48, 48)
    assert int(y.min()) >= -1 and int(y.max()) <= 4
    assert (y == -1).any()  # zoomed out past the border


def test_facade_missing_folder_is_explained(tmp_path, monkeypatch):
    monkeypatch.delenv("FASHSEG_FACADE_DIR", raising=False)
    with pytest.raises(D.DataMissingError, match="--facade-dir"):
        D.resolve_facade_dir(tmp_path / "nope")


def test_facade_image_without_label(tmp_path):
    root = make_fake_facade(tmp_path, n_train=2, n_test=1)
    (root / "train" / "eecs442_0001.png").unlink()
    with pytest.raises(ValueError, match="has no label map"):
        D.load_facade(root, "train")


def test_facade_label_of_wrong_size(tmp_path):
    root = make_fake_facade(tmp_path, n_train=2, n_test=1)
    Image.fromarray(np.zeros((10, 10), np.uint8), "L").save(root / "train" / "eecs442_0000.png")
    with pytest.raises(ValueError, match="differs from image size"):
        D.load_facade(root, "train")


def test_facade_label_value_out_of_range(tmp_path):
    root = make_fake_facade(tmp_path, n_train=2, n_test=1)
    Image.fromarray(np.full((64, 64), 7, np.uint8), "L").save(root / "train" / "eecs442_0000.png")
    with pytest.raises(ValueError, match="outside 0-4"):
        D.load_facade(root, "train")
