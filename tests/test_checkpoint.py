import pytest
import torch

from fashseg import checkpoint as C
from fashseg.models import FacadeUNet, FashionCNN


def _ckpt(model, kind):
    return {
        "kind": kind,
        "model_config": dict(model.config),
        "state_dict": model.state_dict(),
        "classes": ["a"],
        "versions": C.library_versions(),
    }


def test_round_trip_restores_identical_outputs(tmp_path):
    m = FashionCNN(widths=(8, 8, 8)).eval()
    C.save_torch(_ckpt(m, "fashion"), tmp_path / "f.pt")
    m2, ck = C.load_model(tmp_path / "f.pt", "fashion")
    x = torch.randn(2, 1, 28, 28)
    assert torch.equal(m(x), m2(x)) and ck["classes"] == ["a"]


def test_atomic_save_leaves_old_file_when_writing_crashes(tmp_path):
    path = tmp_path / "f.pt"
    m = FashionCNN(widths=(8, 8, 8))
    C.save_torch(_ckpt(m, "fashion"), path)
    before = path.read_bytes()

    def crash(f):
        f.write(b"half a checkpoint")
        raise KeyboardInterrupt("killed mid-write")

    with pytest.raises(KeyboardInterrupt):
        C.atomic_write(path, crash)
    assert path.read_bytes() == before
    assert list(tmp_path.iterdir()) == [path]  # no temp file left behind
    C.load_model(path, "fashion")


def test_missing_truncated_foreign_and_mismatched_files_are_explained(tmp_path):
    with pytest.raises(C.CheckpointError, match="missing.*python train.py fashion"):
        C.load_checkpoint(tmp_path / "nope.pt", "fashion")

    m = FacadeUNet(base=4)
    C.save_torch(_ckpt(m, "facade"), tmp_path / "s.pt")
    data = (tmp_path / "s.pt").read_bytes()
    (tmp_path / "t.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises(C.CheckpointError, match="truncated or corrupt"):
        C.load_checkpoint(tmp_path / "t.pt", "facade")

    with pytest.raises(C.CheckpointError, match="holds a 'facade' model, expected 'fashion'"):
        C.load_checkpoint(tmp_path / "s.pt", "fashion")

    torch.save({"weights": torch.zeros(1)}, tmp_path / "x.pt")
    with pytest.raises(C.CheckpointError, match="not a FashSeg checkpoint"):
        C.load_checkpoint(tmp_path / "x.pt")

    bad = _ckpt(m, "facade")
    bad["model_config"] = dict(bad["model_config"], base=8)
    C.save_torch(bad, tmp_path / "m.pt")
    with pytest.raises(C.CheckpointError, match="do not fit the stored architecture"):
        C.load_model(tmp_path / "m.pt", "facade")


def test_corrupt_artefacts_are_explained(tmp_path):
    (tmp_path / "a.json").write_text("{not json")
    with pytest.raises(C.CheckpointError, match="corrupt.*train.py evaluate"):
        C.load_json(tmp_path / "a.json")
    with pytest.raises(C.CheckpointError, match="missing"):
        C.load_npz(tmp_path / "b.npz")
