import pytest
import torch

from fashseg.models import FacadeUNet, FashionCNN, build_model


def test_classifier_outputs_ten_logits_and_plain_first_conv():
    m = FashionCNN().eval()
    assert m(torch.randn(3, 1, 28, 28)).shape == (3, 10)
    assert isinstance(m.stem, torch.nn.Conv2d) and m.stem.in_channels == 1


@pytest.mark.parametrize("hw", [(256, 256), (64, 96), (100, 37), (17, 33)])
def test_segmenter_keeps_any_input_size(hw):
    m = FacadeUNet(base=4).eval()
    with torch.no_grad():
        assert m(torch.randn(2, 3, *hw)).shape == (2, 5, *hw)


def test_build_model_rebuilds_from_config_and_rejects_unknown():
    m = FacadeUNet(base=4, depth=3)
    assert build_model("facade", **m.config).config == m.config
    with pytest.raises(ValueError, match="unknown model kind"):
        build_model("resnet")


@pytest.mark.parametrize("kind", ["fashion", "facade"])
def test_for_inference_folds_every_batch_norm_and_computes_the_same(kind):
    """The served copy has no batch norm left, answers as the trained network does, and leaves that network intact."""
    from torch import nn

    from fashseg.models import for_inference

    torch.manual_seed(0)
    model = FashionCNN(widths=(8, 16, 16)) if kind == "fashion" else FacadeUNet(base=8, depth=2)
    for m in model.modules():  # running statistics that are not the identity, as a trained network's are
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(-1.5, 1.5)
    model.eval()
    x = torch.randn(3, 1, 28, 28) if kind == "fashion" else torch.randn(2, 3, 40, 52)
    fast = for_inference(model)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in fast.modules())
    assert sum(isinstance(m, nn.BatchNorm2d) for m in model.modules()) > 0  # the original is a copy's source, untouched
    with torch.no_grad():
        assert torch.allclose(fast(x), model(x), atol=1e-4, rtol=1e-4)


def test_for_inference_divides_the_classifiers_logits_by_its_temperature():
    """Calibration folded into the last layer: the served copy's logits are the trained network's over T."""
    from fashseg.models import fashion_probs, for_inference

    torch.manual_seed(0)
    model = FashionCNN(widths=(8, 16, 16)).eval()
    x = torch.randn(4, 1, 28, 28)
    with torch.no_grad():
        raw = model(x)
        assert torch.allclose(for_inference(model, 0.5)(x), raw / 0.5, atol=1e-4)
        sharper, plain = fashion_probs(for_inference(model, 0.5), x), fashion_probs(for_inference(model), x)
    assert torch.equal(sharper.argmax(1), plain.argmax(1)) and (sharper.max(1).values > plain.max(1).values).all()
    with torch.no_grad():
        assert torch.equal(model(x), raw)  # the trained network is left as it was
