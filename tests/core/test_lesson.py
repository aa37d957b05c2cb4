"""Lesson files: exact round trips, and damaged or foreign files refused with a sentence."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer.core.lab.pipeline import KernelBank, LabSettings
from explorer.core.lesson import (
    LabState,
    Lesson,
    LessonError,
    model_path_for,
    read_lesson,
    write_lesson,
)
from explorer.core.model.specs import LayerSpec
from explorer.core.train.config import Augmentation, TrainConfig


def _lesson(**changes) -> Lesson:
    rng = np.random.default_rng(1)
    image = rng.random((37, 53, 3), dtype=np.float32)  # values that 8-bit PNG could not keep
    bank = KernelBank.of([np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]]), rng.normal(size=(3, 3))],
                         [0.25, -1e-7])
    lab = LabState(image=image, origin="sample “china”", crop=(3, 4, 20, 30), bank=bank,
                   settings=LabSettings(mode="layer", padding=((1, 2), (0, 3)), stride=2, dilation=2,
                                        activation="relu", pool="max", pool_size=3, pool_stride=2,
                                        depth_pool=1, global_pool="average"),
                   levels="per-map", signed=True, selected=1)
    training = TrainConfig(model="custom", layers=(LayerSpec("conv2d", filters=8, kernel=(3, 5)),
                                                   LayerSpec("maxpool", pool=2), LayerSpec("flatten"),
                                                   LayerSpec("dropout", rate=0.25)),
                           dataset="digits", optimizer="adam", learning_rate=3e-4, batch_size=32, epochs=3,
                           validation_split=0.2, patience=2, augmentation=Augmentation(0.05, 0.1, 0.15),
                           limit=500, seed=7)
    values = dict(part="training", lab=lab, training=training, model_file="class.keras")
    values.update(changes)
    return Lesson(**values)


def _archive(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _members(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _assert_same(a: Lesson, b: Lesson) -> None:
    assert a.part == b.part and a.model_file == b.model_file and a.training == b.training
    assert np.array_equal(a.lab.image, b.lab.image) and a.lab.image.dtype == b.lab.image.dtype
    assert a.lab.bank.biases == b.lab.bank.biases
    assert all(np.array_equal(x, y) for x, y in zip(a.lab.bank.kernels, b.lab.bank.kernels, strict=True))
    for name in ("origin", "crop", "settings", "levels", "signed", "selected"):
        assert getattr(a.lab, name) == getattr(b.lab, name), name


def test_round_trip_is_exact(tmp_path):
    lesson = _lesson()
    path = write_lesson(tmp_path / "week 3.fmlesson", lesson)
    assert path.name == "week 3.fmlesson"
    _assert_same(read_lesson(path), lesson)


def test_round_trip_of_defaults_and_no_model(tmp_path):
    lab = LabState(image=np.zeros((5, 6, 1), np.float32), origin="", crop=None,
                   bank=KernelBank.of([np.ones((1, 1))]))
    lesson = Lesson(part="kernel-lab", lab=lab)
    _assert_same(read_lesson(write_lesson(tmp_path / "a.fmlesson", lesson)), lesson)


@settings(max_examples=25, deadline=None)
@given(kernels=st.integers(1, 4), side=st.integers(1, 15), seed=st.integers(0, 2**16),
       padding=st.one_of(st.sampled_from(["same", "valid"]), st.integers(0, 5)),
       stride=st.integers(1, 4), pool=st.sampled_from(["none", "max", "average"]))
def test_any_bank_and_settings_round_trip(tmp_path_factory, kernels, side, seed, padding, stride, pool):
    rng = np.random.default_rng(seed)
    bank = KernelBank.of([rng.normal(size=(side, side)) * 10.0 ** rng.integers(-8, 8) for _ in range(kernels)],
                         rng.normal(size=kernels))
    lab = LabState(image=rng.random((8, 9, 1), dtype=np.float32), origin="x", crop=None, bank=bank,
                   settings=LabSettings(padding=padding, stride=stride, pool=pool))
    lesson = Lesson(part="draw", lab=lab)
    path = tmp_path_factory.mktemp("lesson") / "l.fmlesson"
    _assert_same(read_lesson(write_lesson(path, lesson)), lesson)


def test_model_lives_beside_the_lesson(tmp_path):
    assert model_path_for(tmp_path / "week 3.fmlesson") == tmp_path / "week 3.keras"


def test_write_refuses_a_wrong_suffix_and_keeps_nothing(tmp_path):
    with pytest.raises(LessonError, match=r"\.fmlesson"):
        write_lesson(tmp_path / "lesson.zip", _lesson())
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_keeps_the_previous_file(tmp_path):
    path = write_lesson(tmp_path / "a.fmlesson", _lesson())
    before = path.read_bytes()
    bad = _lesson(model_file="../elsewhere.keras")  # would not open again, so it is never written
    with pytest.raises(LessonError):
        write_lesson(path, bad)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["a.fmlesson"]  # no temporary file left behind


# ----------------------------------------------------------------- damaged
@pytest.fixture
def good(tmp_path):
    return _members(write_lesson(tmp_path / "good.fmlesson", _lesson()))


def _write(tmp_path, data: bytes):
    path = tmp_path / "bad.fmlesson"
    path.write_bytes(data)
    return path


def _with_json(good, change) -> bytes:
    document = json.loads(good["lesson.json"])
    change(document)
    return _archive({**good, "lesson.json": json.dumps(document).encode()})


@pytest.mark.parametrize("data, message", [
    (b"", "not a lesson file"),
    (b"PNG\x89 not a zip at all", "not a lesson file"),
    (_archive({"other.txt": b"hello"}), "not a lesson file"),
    (_archive({"lesson.json": b"{\"format\": \"something-else\"}", "image.npy": b""}), "not a Feature Map"),
    (_archive({"lesson.json": b"[1, 2]", "image.npy": b""}), "not a Feature Map"),
    (_archive({"lesson.json": b"{not json", "image.npy": b""}), "not valid JSON"),
    (_archive({"lesson.json": b"\xff\xfe", "image.npy": b""}), "not valid JSON"),
])
def test_foreign_files_are_refused(tmp_path, data, message):
    with pytest.raises(LessonError, match=message):
        read_lesson(_write(tmp_path, data))


def test_a_missing_file_is_a_lesson_error(tmp_path):
    with pytest.raises(LessonError, match="cannot read"):
        read_lesson(tmp_path / "nowhere.fmlesson")


def test_a_truncated_file_is_refused(tmp_path, good):
    data = _archive(good)
    with pytest.raises(LessonError):
        read_lesson(_write(tmp_path, data[: len(data) // 2]))


def test_a_corrupted_byte_is_refused(tmp_path, good):
    data = bytearray(_archive(good))
    offset = data.index(b"image.npy") + 40  # inside the image member's compressed data
    data[offset] ^= 0xFF
    with pytest.raises(LessonError, match="damaged|not a lesson"):
        read_lesson(_write(tmp_path, bytes(data)))


def test_a_newer_format_asks_for_an_update(tmp_path, good):
    data = _with_json(good, lambda d: d.update(version=99))
    with pytest.raises(LessonError, match="newer"):
        read_lesson(_write(tmp_path, data))


@pytest.mark.parametrize("change, message", [
    (lambda d: d.update(part="settings"), "part"),
    (lambda d: d.pop("lab"), "'lab' is missing"),
    (lambda d: d["lab"].update(kernels=[[[1, 2], [3]]]), "grid of numbers"),
    (lambda d: d["lab"].update(kernels=[]), "kernels"),
    (lambda d: d["lab"].update(kernels=[[[1.0] * 40] * 40], biases=[0.0]), "15"),
    (lambda d: d["lab"].update(biases=[0.0]), "biases"),
    (lambda d: d["lab"].update(biases=["a", 1]), "bias"),
    (lambda d: d["lab"]["settings"].update(stride=0), "stride"),
    (lambda d: d["lab"]["settings"].update(mode="3d"), "mode"),
    (lambda d: d["lab"]["settings"].update(warp=9), "unknown layer settings"),
    (lambda d: d["lab"].update(crop=[100, 0, 5, 5]), "outside"),
    (lambda d: d["lab"].update(selected=5), "selected kernel"),
    (lambda d: d["lab"].update(levels="loud"), "levels"),
    (lambda d: d["training"].update(model="resnet"), "unknown model"),
    (lambda d: d["training"].update(optimizer="magic"), "optimizer"),
    (lambda d: d["training"].update(batch_size=-1), "batch size"),
    (lambda d: d["training"].update(epochs=True), "epochs"),
    (lambda d: d["training"].update(learning_rate=0), "learning rate"),
    (lambda d: d["training"].update(validation_split=1.0), "validation split"),
    (lambda d: d["training"].update(devices=0), "devices"),
    (lambda d: d["training"].update(devices="most"), "devices"),
    (lambda d: d["training"]["layers"].insert(0, {"kind": "dense", "units": 4}), "conv|Dense|spatial|flatten"),
    (lambda d: d["training"]["layers"].append({"kind": "conv2d", "wobble": 1}), "unknown layer field"),
    (lambda d: d.update(model_file="/etc/passwd.keras"), "beside the lesson"),
    (lambda d: d.update(model_file="../up.keras"), "beside the lesson"),
    (lambda d: d.update(model_file="model.h5"), "beside the lesson"),
])
def test_impossible_values_are_explained(tmp_path, good, change, message):
    with pytest.raises(LessonError, match=message) as info:
        read_lesson(_write(tmp_path, _with_json(good, change)))
    assert "bad.fmlesson" in str(info.value)


def test_nan_in_json_is_refused(tmp_path, good):
    data = _archive({**good, "lesson.json": good["lesson.json"].replace(b"0.25", b"NaN", 1)})
    with pytest.raises(LessonError, match="NaN"):
        read_lesson(_write(tmp_path, data))


@pytest.mark.parametrize("image, message", [
    (np.zeros((4, 4, 3), np.float64), "float32"),
    (np.zeros((4, 4), np.float32), "float32"),
    (np.zeros((4, 4, 2), np.float32), "float32"),
    (np.full((4, 4, 1), np.nan, np.float32), "NaN"),
    (np.zeros((0, 4, 1), np.float32), "impossible image size"),
    (np.zeros((1025, 4, 1), np.float32), "impossible image size"),  # larger than the lab's view
])
def test_bad_images_are_refused(tmp_path, good, image, message):
    buffer = io.BytesIO()
    np.save(buffer, image)
    data = _archive({**good, "image.npy": buffer.getvalue()})
    with pytest.raises(LessonError, match=message):
        read_lesson(_write(tmp_path, data))


@pytest.mark.parametrize("shape, message", [
    ((99999, 99999, 3), r"99999×99999×3 float32 array \(112 GiB\), more than the 13 MiB allowed"),
    ((64, 64, 3), "truncated"),
])
def test_an_image_whose_header_lies_is_refused_before_allocating(tmp_path, good, shape, message):
    from tests.core.test_npy_files import lying_npy

    data = _archive({**good, "image.npy": lying_npy(shape)})
    with pytest.raises(LessonError, match=f"image.npy cannot be read: it .*{message}"):
        read_lesson(_write(tmp_path, data))


def test_pickled_objects_are_never_loaded(tmp_path, good):
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"evil": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(LessonError, match="image.npy cannot be read"):
        read_lesson(_write(tmp_path, _archive({**good, "image.npy": buffer.getvalue()})))


def test_a_member_that_claims_to_be_huge_is_not_unpacked(tmp_path, good, monkeypatch):
    import explorer.core.lesson as lesson_module

    monkeypatch.setattr(lesson_module, "MAX_JSON_BYTES", 100)
    with pytest.raises(LessonError, match="too large"):
        read_lesson(_write(tmp_path, _archive(good)))


@pytest.mark.parametrize("devices", [1, 3, "all"])
def test_the_devices_setting_round_trips(tmp_path, devices):
    lesson = _lesson(training=TrainConfig(devices=devices))
    write_lesson(tmp_path / "d.fmlesson", lesson)
    assert read_lesson(tmp_path / "d.fmlesson").training.devices == devices


def test_a_lesson_without_devices_trains_on_one(tmp_path, good):
    """Lessons written before multi-device training have no "devices": they mean the default."""
    read = read_lesson(_write(tmp_path, _with_json(good, lambda d: d["training"].pop("devices"))))
    assert read.training.devices == 1


def test_the_transfer_and_subset_settings_round_trip(tmp_path):
    training = TrainConfig(dataset="digits", base="/models/base.keras", keep_up_to="conv2d_1",
                           head=(LayerSpec("dense", units=64, activation="relu"), LayerSpec("dropout", rate=0.5)),
                           frozen_layers=("conv2d", "conv2d_1"), warmup_epochs=2, epochs=5, classes=(5, 6, 7),
                           per_class=10)
    write_lesson(tmp_path / "t.fmlesson", _lesson(training=training))
    assert read_lesson(tmp_path / "t.fmlesson").training == training
    scratch = TrainConfig(base="keras:MobileNetV2", reinitialise=True)
    write_lesson(tmp_path / "s.fmlesson", _lesson(training=scratch))
    assert read_lesson(tmp_path / "s.fmlesson").training == scratch


def test_a_lesson_from_before_transfer_learning_trains_from_scratch(tmp_path, good):
    keys = ("base", "keep_up_to", "head", "frozen_layers", "warmup_epochs", "reinitialise", "classes", "per_class")

    def drop(document):
        for key in keys:
            document["training"].pop(key)

    read = read_lesson(_write(tmp_path, _with_json(good, drop)))
    assert read.training == _lesson().training and read.training.base == "" and read.training.classes == ()


@pytest.mark.parametrize(("key", "value", "message"), [("classes", [1, "two"], "class"),
                                                       ("per_class", 0, "images per class"),
                                                       ("head", [{"kind": "dense", "bogus": 1}], "unknown layer"),
                                                       ("reinitialise", "yes", "reinitialise")])
def test_bad_transfer_settings_are_refused(tmp_path, good, key, value, message):
    def change(document):
        document["training"][key] = value

    with pytest.raises(LessonError, match=message):
        read_lesson(_write(tmp_path, _with_json(good, change)))
