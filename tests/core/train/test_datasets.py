"""Datasets: IDX/CIFAR readers (dataset_files), downloads (faked), digits and image folders, all on tiny data."""

from __future__ import annotations

import gzip
import socket
import struct

import numpy as np
import pytest
from PIL import Image

from explorer.core.train import dataset_files, datasets
from explorer.core.train.datasets import DatasetError, load_dataset, read_idx


def write_idx(path, array, gz=False, magic=None):
    array = np.asarray(array, dtype=np.uint8)
    header = magic if magic is not None else bytes([0, 0, 8, array.ndim])
    data = header + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def mnist_folder(folder, n_train=7, n_test=3, gz=(True, False, True, False), size=28):
    rng = np.random.default_rng(1)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (n_train, size, size)),
        "train-labels-idx1-ubyte": rng.integers(0, 10, n_train),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, size, size)),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, n_test),
    }
    for zipped, (name, array) in zip(gz, arrays.items()):
        write_idx(folder / (name + (".gz" if zipped else "")), array, zipped)
    return {name: array.astype(np.uint8) for name, array in arrays.items()}


def assert_frozen(ds: datasets.Dataset):
    for array in (ds.x_train, ds.y_train, ds.x_test, ds.y_test):
        assert not array.flags.writeable
    assert ds.x_train.dtype == np.float32 and ds.y_train.dtype == np.int64
    assert ds.x_train.shape[1:] == ds.input_shape and ds.num_classes == len(ds.class_names)
    assert 0.0 <= ds.x_train.min() and ds.x_train.max() <= 1.0


# ---------------------------------------------------------------------- IDX
@pytest.mark.parametrize("gz", [False, True])
def test_read_idx_round_trip(tmp_path, gz):
    array = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    out = read_idx(write_idx(tmp_path / "x-idx3-ubyte", array, gz))
    np.testing.assert_array_equal(out, array)
    assert out.dtype == np.uint8 and not out.flags.writeable
    np.testing.assert_array_equal(read_idx(write_idx(tmp_path / "y", [3, 1, 4], gz)), [3, 1, 4])


@pytest.mark.parametrize(
    "content, needle",
    [
        (b"", "is not an IDX file"),
        (b"\x01\x00\x08\x01" + struct.pack(">I", 1) + b"\x05", "is not an IDX file"),
        (b"\x00\x00\x0d\x01" + struct.pack(">I", 1) + b"\x00\x00\x00\x00", "data type 0x0D"),
        (b"\x00\x00\x08\x03" + struct.pack(">2I", 2, 2), "header is incomplete"),
        (b"\x00\x00\x08\x01" + struct.pack(">I", 5) + b"\x01\x02", "is truncated"),
        (b"\x00\x00\x08\x01" + struct.pack(">I", 1) + b"\x01\x02", "extra bytes"),
        (b"\x00\x00\x08\x03" + struct.pack(">3I", 60000, 60000, 60000), "probably damaged"),
    ],
)
def test_read_idx_rejects_damaged_files(tmp_path, content, needle):
    for gz in (False, True):
        path = tmp_path / f"bad{gz}"
        path.write_bytes(gzip.compress(content) if gz else content)
        with pytest.raises(DatasetError, match=needle):
            read_idx(path)


def test_read_idx_unreadable_and_broken_gzip(tmp_path):
    with pytest.raises(DatasetError, match="cannot read"):
        read_idx(tmp_path / "missing")
    path = tmp_path / "cut.gz"
    path.write_bytes(gzip.compress(b"\x00\x00\x08\x01" + struct.pack(">I", 3) + b"abc")[:-6])
    with pytest.raises(DatasetError, match="cannot read"):
        read_idx(path)


# ----------------------------------------------------- MNIST-style folders
def test_mnist_from_idx_folder(tmp_path):
    arrays = mnist_folder(tmp_path)
    ds = load_dataset("mnist", data_dir=tmp_path, limit=5)
    assert_frozen(ds)
    assert ds.x_train.shape == (5, 28, 28, 1) and ds.x_test.shape == (3, 28, 28, 1)
    np.testing.assert_allclose(ds.x_train[..., 0], arrays["train-images-idx3-ubyte"][:5] / 255, atol=1e-7)
    np.testing.assert_array_equal(ds.y_test, arrays["t10k-labels-idx1-ubyte"])
    assert ds.class_names == tuple("0123456789") and ds.input_shape == (28, 28, 1)
    assert str(tmp_path) in ds.source


def test_fashion_mnist_names_and_alternative_file_names(tmp_path):
    arrays = mnist_folder(tmp_path, gz=(False,) * 4, size=5)
    (tmp_path / "train-images-idx3-ubyte").rename(tmp_path / "train-images.idx3-ubyte")
    ds = load_dataset("fashion-mnist", data_dir=tmp_path)
    assert ds.class_names[:2] == ("T-shirt/top", "Trouser") and ds.class_names[-1] == "Ankle boot"
    assert ds.input_shape == (5, 5, 1) and len(ds.x_train) == len(arrays["train-labels-idx1-ubyte"])


def test_idx_folder_problems(tmp_path):
    with pytest.raises(DatasetError, match="does not exist"):
        load_dataset("mnist", data_dir=tmp_path / "nowhere")
    mnist_folder(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(DatasetError, match="has no t10k-labels-idx1-ubyte"):
        load_dataset("mnist", data_dir=tmp_path)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", [1, 2])
    with pytest.raises(DatasetError, match="3 images but 2 labels"):
        load_dataset("mnist", data_dir=tmp_path)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", [1, 2, 11])
    with pytest.raises(DatasetError, match="label 11 found"):
        load_dataset("mnist", data_dir=tmp_path)


def test_mnist_npz_in_the_folder(tmp_path):
    rng = np.random.default_rng(2)
    np.savez(tmp_path / "mnist.npz", x_train=rng.integers(0, 256, (4, 28, 28), dtype=np.uint8),
             y_train=np.array([0, 1, 2, 3], np.uint8), x_test=np.zeros((2, 28, 28), np.uint8),
             y_test=np.array([9, 9], np.uint8))
    ds = load_dataset("mnist", data_dir=tmp_path)
    assert ds.x_train.shape == (4, 28, 28, 1) and list(ds.y_test) == [9, 9]


# ---------------------------------------------------------------- CIFAR-10
def test_cifar10_binary_batches(tmp_path):
    folder = tmp_path / "cifar-10-batches-bin"
    folder.mkdir()
    rng = np.random.default_rng(3)
    images = rng.integers(0, 256, (5, 32, 32, 3), dtype=np.uint8)
    labels = np.array([0, 9, 3, 4, 5], np.uint8)
    records = [np.concatenate([[label], image.transpose(2, 0, 1).ravel()]) for image, label in zip(images, labels)]
    (folder / "data_batch_1.bin").write_bytes(np.array(records[:2], np.uint8).tobytes())
    (folder / "data_batch_2.bin").write_bytes(np.array(records[2:4], np.uint8).tobytes())
    (folder / "test_batch.bin").write_bytes(np.array(records[4:], np.uint8).tobytes())
    ds = load_dataset("cifar10", data_dir=tmp_path)
    assert_frozen(ds)
    np.testing.assert_allclose(ds.x_train, images[:4] / 255, atol=1e-7)
    assert list(ds.y_train) == [0, 9, 3, 4] and ds.class_names[9] == "truck" and ds.input_shape == (32, 32, 3)
    (folder / "test_batch.bin").write_bytes(b"\x01" * 100)
    with pytest.raises(DatasetError, match="not a CIFAR-10 binary batch"):
        load_dataset("cifar10", data_dir=tmp_path)


# -------------------------------------------------------- downloads (faked)
@pytest.fixture(scope="module")
def keras():
    from explorer.core import tf_backend

    tf_backend.load()
    import keras

    return keras


def test_failed_download_explains_the_offline_options(keras, monkeypatch):
    seen = []

    def offline():
        seen.append(socket.getdefaulttimeout())
        raise OSError("URL fetch failure: [Errno -2] Name or service not known")

    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    with pytest.raises(DatasetError) as info:
        load_dataset("mnist")
    message = str(info.value)
    for needle in ("could not download MNIST", "Name or service not known", "--data-dir", "Data folder",
                   "'digits'", "train-images-idx3-ubyte"):
        assert needle in message
    assert "\n" not in message
    assert seen == [datasets.DOWNLOAD_TIMEOUT_S] and socket.getdefaulttimeout() is None  # restored


def test_keras_loaders_are_converted(keras, monkeypatch):
    x = np.full((6, 32, 32, 3), 255, np.uint8)
    y = np.arange(6, dtype=np.uint8).reshape(6, 1)  # CIFAR-10's labels are (N, 1)
    monkeypatch.setattr(keras.datasets.cifar10, "load_data", lambda: ((x, y), (x[:2], y[:2])))
    ds = load_dataset("cifar10", limit=4)
    assert_frozen(ds)
    assert ds.x_train.shape == (4, 32, 32, 3) and ds.x_train.max() == 1.0 and list(ds.y_train) == [0, 1, 2, 3]
    assert ds.class_names[0] == "airplane" and "keras.datasets" in ds.source
    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data", lambda: (_ for _ in ()).throw(ValueError("bad")))
    with pytest.raises(DatasetError, match="could not download Fashion-MNIST"):
        load_dataset("fashion-mnist")


# ------------------------------------------------------------------- digits
def test_digits_look_like_mnist():
    ds = load_dataset("digits")
    assert_frozen(ds)
    assert ds.input_shape == datasets.INPUT_SHAPES["digits"] == (28, 28, 1) and ds.class_names == tuple("0123456789")
    assert (len(ds.x_train), len(ds.x_test)) == (1437, 360)
    assert np.bincount(ds.y_test).min() >= 35  # stratified: every digit tested
    border = np.ones((28, 28), bool)
    border[4:24, 4:24] = False
    assert not ds.x_train[:, border].any() and ds.x_train.max() == 1.0
    again, other = load_dataset("digits", limit=10), load_dataset("digits", seed=1, limit=10)
    np.testing.assert_array_equal(again.x_train, ds.x_train[:10])
    assert not np.array_equal(other.y_train, again.y_train)


def test_digits_to_mnist_scales_into_a_centred_box():
    full = datasets.digits_to_mnist(np.full((1, 8, 8), 16.0))
    assert full.shape == (1, 28, 28) and full[0, 4:24, 4:24].min() == 1.0 and full.sum() == 400
    half = np.zeros((1, 8, 8))
    half[0, :, 4:] = 16
    row = datasets.digits_to_mnist(half)[0, 14]
    assert row[4:13].max() == 0 and row[15:24].min() == 1 and 0 < row[13] < row[14] < 1  # a smooth edge


# ------------------------------------------------------------------ folders
def image_folder(root, classes, size=(10, 12), mode="L", count=3):
    rng = np.random.default_rng(4)
    for name in classes:
        (root / name).mkdir(parents=True)
        for i in range(count):
            shape = (size[0], size[1], 3) if mode == "RGB" else size
            Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8)).save(root / name / f"{i}.png")
    return root


def test_grayscale_folder_becomes_28x28(keras, tmp_path):
    root = image_folder(tmp_path / "shapes", ["circle", "square"], count=5)
    (root / "empty").mkdir()
    (root / ".thumbnails").mkdir()
    ds = load_dataset("folder", data_dir=root, seed=3)
    assert_frozen(ds)
    assert ds.class_names == ("circle", "square") and ds.input_shape == (28, 28, 1)
    assert (len(ds.x_train), len(ds.x_test)) == (8, 2)
    assert sorted(ds.y_train.tolist() + ds.y_test.tolist()) == [0] * 5 + [1] * 5
    assert "2 classes, 10 images (grayscale, 28×28)" in ds.source


def test_colour_folder_keeps_the_first_image_size(keras, tmp_path):
    root = image_folder(tmp_path / "pics", ["a", "b", "c"], size=(9, 13), mode="RGB", count=2)
    Image.fromarray(np.zeros((40, 20, 3), np.uint8)).save(root / "c" / "tall.png")
    ds = load_dataset("folder", data_dir=root, limit=3)
    assert ds.input_shape == (9, 13, 3) and len(ds.x_train) == 3 and len(ds.x_test) == 1
    (root / "0-first").mkdir()  # sorts before "a": its image sets the size
    Image.fromarray(np.zeros((40, 200), np.uint8)).save(root / "0-first" / "wide.png")
    assert load_dataset("folder", data_dir=root).input_shape == (13, 64, 3)  # scaled down, still RGB


@pytest.mark.parametrize(
    "setup, needle",
    [
        (lambda root: None, "does not exist"),
        (lambda root: image_folder(root, ["only"]), "1 class folder(s) with images"),
        (lambda root: image_folder(root, ["a", "b"], count=2), "only 4 images"),
    ],
)
def test_folder_problems(tmp_path, setup, needle):
    root = tmp_path / "data"
    setup(root)
    with pytest.raises(DatasetError) as info:
        load_dataset("folder", data_dir=root)
    assert needle in str(info.value)


def test_folder_needs_a_folder_and_readable_images(keras, tmp_path):
    with pytest.raises(DatasetError, match="--data-dir"):
        load_dataset("folder")
    root = image_folder(tmp_path / "d", ["a", "b"])
    (root / "b" / "broken.png").write_bytes(b"not a png")
    with pytest.raises(DatasetError, match="broken.png"):
        load_dataset("folder", data_dir=root)


def test_unknown_names_and_limits():
    with pytest.raises(DatasetError, match="unknown dataset 'imagenet'"):
        load_dataset("imagenet")
    with pytest.raises(DatasetError, match="limit"):
        load_dataset("digits", limit=0)


# ---------------------------------------------------------------- found in review
import struct as _struct  # noqa: E402


@pytest.mark.parametrize("dims", [(0, 4294967295, 4294967295), (2,) * 70, (3, 0, 5)])
def test_idx_headers_with_impossible_dimensions_are_dataset_errors(tmp_path, dims):
    path = tmp_path / "train-images-idx3-ubyte"
    ndim = min(len(dims), 255)
    path.write_bytes(bytes([0, 0, 8, ndim]) + _struct.pack(f">{ndim}I", *dims[:ndim]))
    with pytest.raises(datasets.DatasetError):
        datasets.read_idx(path)


def test_a_damaged_mnist_npz_is_a_dataset_error(tmp_path):
    (tmp_path / "mnist.npz").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(datasets.DatasetError):
        datasets.load_dataset("mnist", data_dir=str(tmp_path))


# ------------------------------------------------- files that lie about their size
def _npy_header(shape, descr="|u1"):
    import io

    out = io.BytesIO()
    np.lib.format.write_array_header_1_0(out, {"descr": descr, "fortran_order": False, "shape": shape})
    return out.getvalue()


def _fast_and_small(call):
    """Run `call`; it must raise DatasetError quickly without allocating much. Returns the message."""
    import time
    import tracemalloc

    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(DatasetError) as info:
            call()
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert time.perf_counter() - start < 2.0
    assert peak < 16 * 2**20, f"{peak / 2**20:.0f} MiB allocated for a tiny file"
    message = str(info.value)
    assert message and "\n" not in message and "Unable to allocate" not in message
    return message


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("dims, needle", [
    ((99999, 99999, 1), "probably damaged"),       # absurd: over the limit, refused from the header alone
    ((9999, 9999, 9), "is truncated"),              # 900 MB claimed, within the limit, 8 bytes held
])
def test_idx_headers_that_lie_about_the_size_are_refused_before_allocating(tmp_path, gz, dims, needle):
    content = b"\x00\x00\x08\x03" + struct.pack(">3I", *dims) + b"\x07" * 8
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(content) if gz else content)
    message = _fast_and_small(lambda: read_idx(path))
    assert needle in message and "train-images-idx3-ubyte.gz" in message


def test_a_plain_idx_file_is_measured_before_its_data_is_read(tmp_path, monkeypatch):
    path = write_idx(tmp_path / "t10k-labels-idx1-ubyte", [1, 2, 3])
    path.write_bytes(path.read_bytes()[:-1])
    monkeypatch.setattr(dataset_files, "_read_up_to", lambda stream, size: pytest.fail(f"read {size} bytes")
                        if size > 16 else stream.read(size))
    with pytest.raises(DatasetError, match=r"is truncated \(it holds 2 bytes of data\).*announces 3 bytes"):
        read_idx(path)


def _write_npz(path, **members):
    import zipfile

    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for key, payload in members.items():
            archive.writestr(f"{key}.npy", payload)
    return path


def _npy(array):
    import io

    out = io.BytesIO()
    np.save(out, array, allow_pickle=True)
    return out.getvalue()


@pytest.mark.parametrize("shape, needle", [
    ((99999, 99999, 9), "more than the 1 GiB allowed"),
    ((9999, 9999, 9), "is truncated"),
])
def test_mnist_npz_members_that_lie_about_their_size_are_refused(tmp_path, shape, needle):
    good = {"y_train": _npy(np.zeros(2, np.uint8)), "x_test": _npy(np.zeros((1, 28, 28), np.uint8)),
            "y_test": _npy(np.zeros(1, np.uint8))}
    _write_npz(tmp_path / "mnist.npz", x_train=_npy_header(shape) + b"\x00" * 64, **good)
    message = _fast_and_small(lambda: load_dataset("mnist", data_dir=tmp_path))
    assert needle in message and "mnist.npz: x_train" in message


def test_mnist_npz_pickles_and_missing_members_are_refused(tmp_path):
    arrays = {"x_train": _npy(np.zeros((2, 28, 28), np.uint8)), "y_train": _npy(np.array([1, None], object)),
              "x_test": _npy(np.zeros((1, 28, 28), np.uint8)), "y_test": _npy(np.zeros(1, np.uint8))}
    _write_npz(tmp_path / "mnist.npz", **arrays)
    with pytest.raises(DatasetError, match="y_train holds Python objects"):
        load_dataset("mnist", data_dir=tmp_path)
    del arrays["y_train"]
    _write_npz(tmp_path / "mnist.npz", **arrays)
    with pytest.raises(DatasetError, match="has no y_train array"):
        load_dataset("mnist", data_dir=tmp_path)


def test_a_cifar_batch_far_too_large_is_refused_unread(tmp_path, monkeypatch):
    folder = tmp_path / "cifar-10-batches-bin"
    folder.mkdir()
    for name in ("data_batch_1.bin", "test_batch.bin"):
        (folder / name).write_bytes(b"\x00" * dataset_files.CIFAR_RECORD)
    monkeypatch.setattr(dataset_files, "MAX_ARRAY_BYTES", dataset_files.CIFAR_RECORD - 1)
    with pytest.raises(DatasetError, match="far larger than a CIFAR-10 batch"):
        load_dataset("cifar10", data_dir=tmp_path)


def test_a_failed_download_is_told_from_other_failures(keras, monkeypatch):
    reason = "URL fetch failure on https://x/mnist.npz: None -- [Errno -3] Temporary failure (in) name resolution"
    monkeypatch.setattr(keras.datasets.mnist, "load_data", lambda: (_ for _ in ()).throw(Exception(reason)))
    with pytest.raises(DatasetError) as info:
        load_dataset("mnist")
    assert datasets.failed_download_reason(str(info.value)) == reason
    assert datasets.failed_download_reason("MNIST: the folder /x does not exist") is None
    assert set(datasets.DOWNLOADED) == {"mnist", "fashion-mnist", "cifar10"} <= set(datasets.DATASET_NAMES)
