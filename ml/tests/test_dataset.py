import numpy as np
import pytest
from PIL import Image

from skin_classifier.dataset import decode_images, scan_image_folder, split_by_group, tidy_class_name


@pytest.mark.parametrize(
    ("folder", "expected"),
    [
        ("1. Eczema 1677", "Eczema"),
        ("2. Melanoma 15.75k", "Melanoma"),
        ("Tinea_Ringworm", "Tinea Ringworm"),
        ("4. Basal Cell Carcinoma (BCC) 3323", "Basal Cell Carcinoma (BCC)"),
        ("10. Warts Molluscum and other Viral Infections - 2103", "Warts Molluscum and other Viral Infections"),
        ("Actinic keratoses", "Actinic keratoses"),
        ("  Vascular   lesions ", "Vascular lesions"),
    ],
)
def test_tidy_class_name(folder, expected):
    assert tidy_class_name(folder) == expected


def _write(path, colour=(120, 60, 30)):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (16, 16), colour).save(path)


def test_scan_uses_tidy_sorted_names_and_metadata_groups(tmp_path):
    for name in ("a1", "a2", "a3"):
        _write(tmp_path / "2. Melanoma 15.75k" / f"{name}.jpg")
    _write(tmp_path / "Tinea_Ringworm" / "b1.png")
    (tmp_path / "notes.txt").write_text("not a class folder")
    (tmp_path / "metadata.csv").write_text("lesion_id,image_id\nL1,a1\nL1,a2\nL2,a3\n")
    folder = scan_image_folder(tmp_path)
    assert folder.class_names == ["Melanoma", "Tinea Ringworm"]
    groups = dict(zip([p.stem for p in folder.paths], folder.groups, strict=True))
    assert groups["a1"] == groups["a2"] == "L1" and groups["a3"] == "L2"
    assert groups["b1"].startswith("image:")  # not in the CSV: its own group


def test_unreadable_files_are_skipped_and_counted(tmp_path, caplog):
    good = tmp_path / "good.png"
    _write(good)
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 truncated nonsense")
    text = tmp_path / "text.png"
    text.write_text("hello")
    images, kept = decode_images([good, broken, text], image_size=8)
    assert images.shape == (1, 8, 8, 3) and kept.tolist() == [0]
    assert "Skipped 2 unreadable file(s) of 3" in caplog.text


def test_group_split_has_no_leakage_keeps_classes_and_is_reproducible():
    rng = np.random.default_rng(1)
    groups = np.repeat(np.arange(300), rng.integers(1, 4, 300))  # 1-3 images per lesion
    group_label = rng.choice(4, 300, p=[0.7, 0.15, 0.1, 0.05])
    labels = group_label[groups]
    splits = split_by_group(labels, groups.astype(str), {"val": 0.15, "test": 0.15}, seed=7)
    assert sorted(np.concatenate(list(splits.values())).tolist()) == list(range(len(labels)))
    seen = [set(groups[index]) for index in splits.values()]
    assert not (seen[0] & seen[1]) and not (seen[0] & seen[2]) and not (seen[1] & seen[2])
    for name, share in (("val", 0.15), ("test", 0.15), ("train", 0.7)):
        assert abs(len(splits[name]) / len(labels) - share) < 0.04
        assert set(labels[splits[name]]) == {0, 1, 2, 3}  # even the 5% class appears everywhere
    again = split_by_group(labels, groups.astype(str), {"val": 0.15, "test": 0.15}, seed=7)
    assert all(np.array_equal(splits[k], again[k]) for k in splits)
    other = split_by_group(labels, groups.astype(str), {"val": 0.15, "test": 0.15}, seed=8)
    assert not np.array_equal(splits["val"], other["val"])
