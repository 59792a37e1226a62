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
