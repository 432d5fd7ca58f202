"""Every registry entry builds, and its table agrees with the model it builds."""

import pytest

from skin_classifier.backbones.registry import BACKBONES, get_backbone
from skin_classifier.model import base_of, build_model
from skin_classifier.train import TrainConfig


@pytest.mark.parametrize("name", sorted(BACKBONES))
def test_blocks_cover_the_base_in_order(name):
    entry = get_backbone(name)
    base = base_of(build_model(3, name, image_size=64, weights="none", head_units=0))
    blocks = [entry.block_of(layer.name) for layer in base.layers[1:]]  # [0] is the input
    assert None not in blocks, [layer.name for layer in base.layers[1:] if entry.block_of(layer.name) is None]
    positions = [entry.blocks.index(block) for block in blocks]
    assert positions == sorted(positions) and set(blocks) == set(entry.blocks)
    assert set(entry.phase_blocks) <= set(entry.blocks)
    assert entry.blocks.index(entry.phase_blocks[1]) < entry.blocks.index(entry.phase_blocks[0])
    assert base.get_layer(entry.last_conv_layer) is not None
    assert entry.channel_order in ("rgb", "bgr") and len(entry.mean_rgb) == len(entry.std_rgb) == 3


def test_phases_follow_the_backbone():
    config = TrainConfig(data_dir=".", output_dir=".", backbone="efficientnet-lite0")
    assert [phase.first_trainable_block for phase in config.phases()] == [None, "block7a", "block5a"]
    assert config.image_size == 224
    assert TrainConfig(data_dir=".", output_dir=".", backbone="efficientnet-lite2").image_size == 260
    with pytest.raises(ValueError, match="Unknown backbone"):
        get_backbone("resnet50")


def test_phase_blocks_can_reach_deeper_but_only_into_real_blocks():
    config = TrainConfig(
        data_dir=".", output_dir=".", backbone="efficientnet-lite0", phase_blocks=("block6a", "block2a")
    )
    assert [phase.first_trainable_block for phase in config.phases()] == [None, "block6a", "block2a"]
    with pytest.raises(ValueError, match="no block"):
        TrainConfig(data_dir=".", output_dir=".", backbone="vgg16", phase_blocks=("block5", "block9"))
