"""read_npy: honest arrays load; lying, truncated, pickled or foreign files get a sentence."""

from __future__ import annotations

import io

import numpy as np
import pytest

from explorer.core.npy_files import NpyError, read_npy


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def lying_npy(shape: tuple[int, ...], dtype: str = "<f4", data: bytes = b"\0" * 64) -> bytes:
    """A .npy file whose header claims `shape` but which holds only `data`."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": dtype, "fortran_order": False, "shape": shape})
    return buffer.getvalue() + data  # the header writer also writes the magic string


@pytest.mark.parametrize("array", [np.arange(12, dtype=np.float32).reshape(3, 4),
                                   np.asfortranarray(np.ones((5, 2, 3), np.float64)),
                                   np.zeros((0, 3), np.int16), np.float32(2.5)])
def test_an_honest_array_reads_back_equal(array, tmp_path):
    assert np.array_equal(read_npy(_npy(array)), array)
    path = tmp_path / "a.npy"
    path.write_bytes(_npy(array))
    loaded = read_npy(path)
    assert loaded.dtype == array.dtype and np.array_equal(loaded, array)


def test_a_header_claiming_112_gib_is_refused_before_allocating():
    with pytest.raises(NpyError, match=r"99999×99999×3 float32 .*112 GiB.*more than"):
        read_npy(lying_npy((99999, 99999, 3)), what="image.npy")


def test_a_header_claiming_more_than_the_file_holds_is_refused():
    with pytest.raises(NpyError, match=r"truncated: .*100×100 float32 \(39.1 KiB\).*64 bytes"):
        read_npy(lying_npy((100, 100)))


def test_the_limit_is_the_callers():
    data = _npy(np.zeros((64, 64), np.float32))  # 16 KiB
    assert read_npy(data, max_bytes=16 * 1024).shape == (64, 64)
    with pytest.raises(NpyError, match="more than the 16 KiB allowed"):
        read_npy(data, max_bytes=16 * 1024 - 1)


def test_object_arrays_are_never_unpickled():
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(NpyError, match="Python objects"):
        read_npy(buffer.getvalue())


@pytest.mark.parametrize("raw", [b"", b"not an array at all", b"\x93NUMPY\x01\x00\xff\xff{'descr'"])
def test_a_file_that_is_not_npy_gets_a_sentence(raw):
    with pytest.raises(NpyError, match="not a .npy array|cannot be read"):
        read_npy(raw, what="k.npy")


def test_a_zip_member_is_read_as_a_stream_with_its_stated_size(tmp_path):
    import zipfile

    array = np.arange(6, dtype=np.uint8).reshape(2, 3)
    with zipfile.ZipFile(tmp_path / "a.npz", "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("good.npy", _npy(array))
        archive.writestr("lie.npy", lying_npy((99999, 99999)))
    with zipfile.ZipFile(tmp_path / "a.npz") as archive:
        for name in ("good.npy", "lie.npy"):
            info = archive.getinfo(name)
            with archive.open(info) as stream:
                if name == "good.npy":
                    assert np.array_equal(read_npy(stream, size=info.file_size), array)
                else:
                    with pytest.raises(NpyError, match="claims a 99999×99999"):
                        read_npy(stream, size=info.file_size, what=name)
        with archive.open("good.npy") as stream, pytest.raises(TypeError, match="size="):
            read_npy(stream)
