"""explorer.core.lab.image_files: safe loading of files and image data.

Every file is generated in tmp_path with Pillow (or written byte by byte);
nothing outside the repository is read.
"""

from __future__ import annotations

import io
import os
import struct
import sys
import warnings
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageFile

from explorer.core.lab import image_files
from explorer.core.lab.image_files import ImageLoadError, load_image

RNG = np.random.default_rng(1234)

# A small picture with four flat colour blocks: easy to check after lossy codecs.
BLOCKS = np.zeros((16, 24, 3), np.uint8)
BLOCKS[:8, :12] = (255, 0, 0)
BLOCKS[:8, 12:] = (0, 255, 0)
BLOCKS[8:, :12] = (0, 0, 255)
BLOCKS[8:, 12:] = (255, 255, 255)


def save(tmp_path, name: str, picture: Image.Image, **options) -> os.PathLike:
    path = tmp_path / name
    picture.save(path, **options)
    return path


def encode(picture: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, fmt, **options)
    return buffer.getvalue()


def mode_of(path) -> str:
    with Image.open(path) as opened:
        return opened.mode


def check_image(array: np.ndarray, shape: tuple[int, ...]) -> None:
    assert isinstance(array, np.ndarray)
    assert array.shape == shape
    assert array.dtype == np.float32
    assert array.flags.c_contiguous and array.flags.writeable
    assert np.isfinite(array).all()
    assert array.min() >= 0.0 and array.max() <= 1.0


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def handmade_png(width: int, height: int) -> bytes:
    """A PNG whose header declares width x height 8-bit RGB, with almost no pixel data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 16))
        + png_chunk(b"IEND", b"")
    )


# ------------------------------------------------------------ good inputs


@pytest.mark.parametrize(
    "name, options",
    [("rgb.png", {}), ("rgb.bmp", {}), ("rgb.tif", {}), ("rgb.tiff", {"compression": "tiff_lzw"}),
     ("rgb.webp", {"lossless": True}), ("rgb.gif", {})],
)
def test_lossless_rgb_formats_load_exactly(tmp_path, name, options):
    path = save(tmp_path, name, Image.fromarray(BLOCKS), **options)
    array = load_image(path)
    check_image(array, (16, 24, 3))
    np.testing.assert_allclose(array, BLOCKS / 255.0, atol=1e-6)


@pytest.mark.parametrize("name, options", [("rgb.jpg", {"quality": 95}), ("rgb.webp", {"quality": 95})])
def test_lossy_rgb_formats_load_approximately(tmp_path, name, options):
    path = save(tmp_path, name, Image.fromarray(BLOCKS), **options)
    array = load_image(path)
    check_image(array, (16, 24, 3))
    # Block centres, away from the chroma-subsampled edges.
    for row, col in ((3, 5), (3, 18), (12, 5), (12, 18)):
        np.testing.assert_allclose(array[row, col], BLOCKS[row, col] / 255.0, atol=0.08)


@pytest.mark.parametrize("name", ["gray.png", "gray.bmp", "gray.tif", "gray.gif", "gray.jpg"])
def test_grayscale_files_give_one_channel(tmp_path, name):
    ramp = (np.arange(64, dtype=np.uint8).reshape(8, 8) * 4)
    path = save(tmp_path, name, Image.fromarray(ramp))
    array = load_image(path)
    check_image(array, (8, 8, 1))
    tolerance = 0.02 if name.endswith(".jpg") else 1e-6
    np.testing.assert_allclose(array[..., 0], ramp / 255.0, atol=tolerance)


@pytest.mark.parametrize("name", ["bits.png", "bits.bmp", "bits.tif", "bits.gif"])
def test_one_bit_images(tmp_path, name):
    bits = np.zeros((6, 10), bool)
    bits[:, 5:] = True
    array = load_image(save(tmp_path, name, Image.fromarray(bits)))
    check_image(array, (6, 10, 1))
    np.testing.assert_array_equal(array[..., 0], bits.astype(np.float32))


def test_16_bit_png_is_divided_by_65535(tmp_path):
    values = np.array([[0, 32768, 65535]], np.uint16)
    picture = Image.fromarray(values)
    assert picture.mode.startswith("I;16")
    array = load_image(save(tmp_path, "deep.png", picture))
    check_image(array, (1, 3, 1))
    assert array[0, 2, 0] == 1.0
    assert array[0, 0, 0] == 0.0
    assert array[0, 1, 0] == pytest.approx(32768 / 65535)


def test_16_bit_big_endian_tiff(tmp_path):
    path = save(tmp_path, "deep.tif", Image.new("I;16B", (3, 2), 65535))
    assert mode_of(path) == "I;16B"
    array = load_image(path)
    check_image(array, (2, 3, 1))
    assert (array == 1.0).all()


def test_32_bit_integer_tiff_within_16_bits_is_divided_by_65535(tmp_path):
    values = np.array([[0, 13107, 65535]], np.int32)
    path = save(tmp_path, "int.tif", Image.fromarray(values))
    assert mode_of(path) == "I"
    np.testing.assert_allclose(load_image(path)[0, :, 0], [0.0, 0.2, 1.0], atol=1e-6)


def test_32_bit_integer_tiff_beyond_16_bits_is_min_max_scaled(tmp_path):
    values = np.array([[-100_000, 0, 100_000]], np.int32)
    array = load_image(save(tmp_path, "wide.tif", Image.fromarray(values)))
    check_image(array, (1, 3, 1))
    np.testing.assert_allclose(array[0, :, 0], [0.0, 0.5, 1.0], atol=1e-6)


def test_float_tiff_in_range_is_kept(tmp_path):
    values = np.array([[0.0, 0.25, 1.0]], np.float32)
    array = load_image(save(tmp_path, "float.tif", Image.fromarray(values)))
    check_image(array, (1, 3, 1))
    np.testing.assert_array_equal(array[0, :, 0], values[0])


def test_float_tiff_out_of_range_is_min_max_scaled_and_non_finite_is_cleaned(tmp_path):
    values = np.array([[-2.0, 0.0, 6.0, np.nan, np.inf]], np.float32)
    array = load_image(save(tmp_path, "float.tif", Image.fromarray(values)))
    check_image(array, (1, 5, 1))
    np.testing.assert_allclose(array[0, :, 0], [0.0, 0.25, 1.0, 0.0, 1.0], atol=1e-6)


def test_palette_png_colours(tmp_path):
    picture = Image.new("P", (4, 2))
    picture.putpalette([0, 0, 0, 255, 128, 0] + [0] * 762)
    picture.putpixel((3, 1), 1)
    array = load_image(save(tmp_path, "palette.png", picture))
    check_image(array, (2, 4, 3))
    np.testing.assert_allclose(array[1, 3], [1.0, 128 / 255, 0.0], atol=1e-6)
    np.testing.assert_array_equal(array[0, 0], [0.0, 0.0, 0.0])


@pytest.mark.parametrize("name", ["clear.png", "clear.gif"])
def test_palette_with_transparency_is_composited_over_white(tmp_path, name):
    picture = Image.new("P", (4, 2), 1)
    picture.putpalette([0, 0, 255, 255, 0, 0] + [0] * 762)
    picture.putpixel((0, 0), 0)
    path = save(tmp_path, name, picture, transparency=0)
    array = load_image(path)
    check_image(array, (2, 4, 3))
    np.testing.assert_allclose(array[0, 0], [1.0, 1.0, 1.0], atol=1e-6)  # transparent blue -> white
    np.testing.assert_allclose(array[1, 3], [1.0, 0.0, 0.0], atol=1e-6)


def test_grey_palette_gives_one_channel(tmp_path):
    picture = Image.new("P", (3, 1))
    picture.putpalette([v for g in range(256) for v in (g, g, g)])
    picture.putdata([0, 128, 255])
    array = load_image(save(tmp_path, "greys.png", picture))
    check_image(array, (1, 3, 1))
    np.testing.assert_allclose(array[0, :, 0], [0.0, 128 / 255, 1.0], atol=1e-6)


@pytest.mark.parametrize("name, options", [("half.png", {}), ("half.webp", {"lossless": True}), ("half.tif", {})])
def test_half_transparent_red_over_white(tmp_path, name, options):
    path = save(tmp_path, name, Image.new("RGBA", (5, 3), (255, 0, 0, 128)), **options)
    array = load_image(path)
    check_image(array, (3, 5, 3))
    np.testing.assert_allclose(array[1, 2], [1.0, 0.5, 0.5], atol=0.01)


def test_gray_with_alpha_stays_gray(tmp_path):
    path = save(tmp_path, "la.png", Image.new("LA", (2, 2), (0, 64)))
    array = load_image(path)
    check_image(array, (2, 2, 1))
    assert array[0, 0, 0] == pytest.approx(1 - 64 / 255, abs=1e-6)  # black at 25% over white


def test_fully_transparent_png_is_white(tmp_path):
    array = load_image(save(tmp_path, "clear.png", Image.new("RGBA", (3, 3), (10, 20, 30, 0))))
    np.testing.assert_array_equal(array, np.ones((3, 3, 3), np.float32))


@pytest.mark.parametrize("name", ["cmyk.jpg", "cmyk.tif"])
def test_cmyk_becomes_rgb(tmp_path, name):
    path = save(tmp_path, name, Image.new("CMYK", (8, 8), (0, 255, 0, 0)))  # pure magenta ink
    array = load_image(path)
    check_image(array, (8, 8, 3))
    np.testing.assert_allclose(array[4, 4], [1.0, 0.0, 1.0], atol=0.03)


def test_ycbcr_tiff_becomes_rgb(tmp_path):
    path = save(tmp_path, "ycc.tif", Image.new("YCbCr", (4, 4), (128, 128, 128)))
    assert mode_of(path) == "YCbCr"
    array = load_image(path)
    check_image(array, (4, 4, 3))
    np.testing.assert_allclose(array[0, 0], [128 / 255] * 3, atol=0.01)


def oriented(picture: Image.Image, orientation: int) -> Image.Exif:
    exif = picture.getexif()
    exif[0x0112] = orientation
    return exif


def test_exif_orientation_is_applied(tmp_path):
    pixels = np.zeros((2, 4, 3), np.uint8)  # 4 wide, 2 tall, stored sideways
    pixels[0, 0] = (255, 0, 0)
    picture = Image.fromarray(pixels)
    path = save(tmp_path, "phone.png", picture, exif=oriented(picture, 6))
    array = load_image(path)
    # Orientation 6: turn 90 degrees clockwise to display; top-left goes top-right.
    check_image(array, (4, 2, 3))
    np.testing.assert_array_equal(array[0, 1], [1.0, 0.0, 0.0])
    assert array[..., 0].sum() == 1.0


def test_exif_orientation_in_jpeg(tmp_path):
    picture = Image.fromarray(np.full((20, 40, 3), 200, np.uint8))
    path = save(tmp_path, "phone.jpg", picture, exif=oriented(picture, 8))
    check_image(load_image(path), (40, 20, 3))


def test_damaged_exif_does_not_cost_the_picture(tmp_path):
    path = save(tmp_path, "odd.jpg", Image.fromarray(BLOCKS), exif=b"Exif\x00\x00garbage")
    check_image(load_image(path), (16, 24, 3))


def test_animated_gif_gives_the_first_frame(tmp_path):
    frames = [Image.new("RGB", (6, 4), colour) for colour in ((255, 0, 0), (0, 0, 255), (0, 255, 0))]
    path = tmp_path / "anim.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, loop=0)
    with Image.open(path) as opened:
        assert opened.n_frames == 3
    array = load_image(path)
    check_image(array, (4, 6, 3))
    np.testing.assert_allclose(array[2, 3], [1.0, 0.0, 0.0], atol=1e-6)


def test_multi_page_tiff_gives_the_first_page(tmp_path):
    pages = [Image.new("L", (5, 5), value) for value in (255, 0)]
    path = tmp_path / "pages.tif"
    pages[0].save(path, save_all=True, append_images=pages[1:])
    assert (load_image(path) == 1.0).all()


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview])
def test_bytes_input(kind):
    data = encode(Image.fromarray(BLOCKS), "PNG")
    array = load_image(kind(data))
    check_image(array, (16, 24, 3))
    np.testing.assert_allclose(array, BLOCKS / 255.0, atol=1e-6)


def test_str_and_path_inputs_agree(tmp_path):
    path = save(tmp_path, "pic.png", Image.fromarray(BLOCKS))
    np.testing.assert_array_equal(load_image(str(path)), load_image(path))


def test_extension_does_not_matter(tmp_path):
    path = tmp_path / "really_a_jpeg.png"
    path.write_bytes(encode(Image.fromarray(BLOCKS), "JPEG", quality=95))
    check_image(load_image(path), (16, 24, 3))


def test_each_call_returns_a_fresh_array(tmp_path):
    path = save(tmp_path, "pic.png", Image.fromarray(BLOCKS))
    first = load_image(path)
    first[:] = 0
    assert load_image(path).max() == 1.0


# ------------------------------------------------------------- bad inputs


def assert_load_error(source, *words, **kwargs) -> str:
    with pytest.raises(ImageLoadError) as info:
        load_image(source, **kwargs)
    message = str(info.value)
    assert type(info.value) is ImageLoadError
    assert "\n" not in message and message.endswith(".")
    for word in words:
        assert word in message, (word, message)
    return message


def test_image_load_error_is_a_value_error():
    assert issubclass(ImageLoadError, ValueError)


def test_missing_file(tmp_path):
    assert_load_error(tmp_path / "nowhere.png", "nowhere.png", "does not exist")


def test_directory(tmp_path):
    folder = tmp_path / "album.png"
    folder.mkdir()
    assert_load_error(folder, "album.png", "folder")


def test_empty_file(tmp_path):
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    assert_load_error(path, "empty.png", "empty")


def test_empty_bytes_and_empty_name():
    assert_load_error(b"", "empty")
    assert_load_error("", "no file name")


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root and Windows ignore mode bits")
def test_unreadable_file(tmp_path):
    path = save(tmp_path, "secret.png", Image.fromarray(BLOCKS))
    path.chmod(0)
    try:
        assert_load_error(path, "secret.png", "permission denied")
    finally:
        path.chmod(0o600)


def test_open_failures_are_reported(tmp_path, monkeypatch):
    """The same paths without relying on file modes (the tests may run as root)."""
    path = save(tmp_path, "locked.png", Image.fromarray(BLOCKS))

    def refuse(error):
        def fake_open(*args, **kwargs):
            raise error
        return fake_open

    monkeypatch.setattr(image_files, "open", refuse(PermissionError(13, "Permission denied")), raising=False)
    assert_load_error(path, "locked.png", "permission denied")
    monkeypatch.setattr(image_files, "open", refuse(OSError(5, "Input/output error")), raising=False)
    assert_load_error(path, "locked.png", "input/output error")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    assert_load_error(fifo, "pipe.png", "not a regular file")


def test_text_file_named_png(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("these are my lecture notes, not a picture\n")
    assert_load_error(path, "notes.png", "not an image", "PNG", "JPEG", "BMP", "GIF", "TIFF", "WebP")


def test_random_bytes(tmp_path):
    path = tmp_path / "noise.jpg"
    path.write_bytes(RNG.integers(0, 256, 4096, dtype=np.uint8).tobytes())
    assert_load_error(path, "noise.jpg", "not an image")


def test_unsupported_format_is_refused(tmp_path):
    path = save(tmp_path, "pic.ppm", Image.fromarray(BLOCKS))
    assert_load_error(path, "pic.ppm", "supported format", "PNG")


@pytest.mark.parametrize("fmt, name", [("PNG", "cut.png"), ("JPEG", "cut.jpg")])
def test_truncated_files(tmp_path, fmt, name):
    noise = Image.fromarray(RNG.integers(0, 256, (64, 64, 3), dtype=np.uint8))
    data = encode(noise, fmt)
    path = tmp_path / name
    path.write_bytes(data[: len(data) // 2])
    assert_load_error(path, name, "corrupt or truncated")


def test_truncation_is_not_switched_on_globally(tmp_path):
    test_truncated_files(tmp_path, "JPEG", "cut.jpg")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_damaged_png_header(tmp_path):
    data = bytearray(encode(Image.fromarray(BLOCKS), "PNG"))
    data[16:24] = b"\xff" * 8  # width and height: CRC no longer matches
    path = tmp_path / "bad.png"
    path.write_bytes(bytes(data))
    assert_load_error(path, "bad.png")


def test_zero_width_image(tmp_path):
    path = tmp_path / "flat.png"
    path.write_bytes(handmade_png(0, 10))
    assert_load_error(path, "flat.png", "PNG")


def test_wrong_source_type():
    assert_load_error(12345, "int")
    assert_load_error(np.zeros((4, 4)), "ndarray")


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "many"])
def test_bad_max_pixels(bad):
    with pytest.raises(ValueError, match="max_pixels"):
        load_image(encode(Image.fromarray(BLOCKS), "PNG"), max_pixels=bad)


@pytest.fixture
def no_decoding(monkeypatch):
    """Fail the test if any pixel data gets decoded (i.e. memory gets allocated)."""
    calls = []
    original = ImageFile.ImageFile.load

    def spy(self):
        calls.append(self.size)
        return original(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy)
    yield calls
    assert calls == [], f"pixel data was decoded for {calls}"


@pytest.mark.parametrize("side", [30000, 10000, 8000])  # Pillow error / Pillow warning / our limit
def test_decompression_bomb_is_refused_from_the_header(tmp_path, no_decoding, side):
    path = tmp_path / "bomb.png"
    path.write_bytes(handmade_png(side, side))
    assert path.stat().st_size < 200
    filters_before = list(warnings.filters)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert_load_error(path, "bomb.png", f"{side}×{side} pixels is too large", "50 megapixels")
    assert not [w for w in caught if issubclass(w.category, Image.DecompressionBombWarning)]
    assert warnings.filters == filters_before


def test_decompression_bomb_as_bytes(no_decoding):
    assert_load_error(handmade_png(30000, 30000), "pasted image", "30000×30000")


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "BMP", "GIF", "TIFF", "WEBP"])
def test_max_pixels_is_checked_before_decoding(no_decoding, fmt):
    data = encode(Image.new("RGB", (20, 10), (9, 9, 9)), fmt)
    assert_load_error(data, "20×10 pixels is too large", max_pixels=199)


def test_max_pixels_boundary_is_inclusive():
    data = encode(Image.new("RGB", (20, 10)), "PNG")
    check_image(load_image(data, max_pixels=200), (10, 20, 3))


def _sample_files() -> list[bytes]:
    picture = Image.fromarray(RNG.integers(0, 256, (12, 16, 3), dtype=np.uint8))
    return [encode(picture, fmt) for fmt in ("PNG", "JPEG", "BMP", "GIF", "TIFF", "WEBP")]


SAMPLE_FILES = _sample_files()


@pytest.mark.filterwarnings("ignore::UserWarning:PIL")  # Pillow warns about the files damaged on purpose
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    index=st.integers(0, len(SAMPLE_FILES) - 1),
    cut=st.floats(0.0, 1.0),
    flips=st.lists(st.tuples(st.floats(0.0, 1.0), st.integers(0, 255)), max_size=6),
)
def test_damaged_files_only_ever_raise_image_load_error(index, cut, flips):
    data = bytearray(SAMPLE_FILES[index])
    for where, value in flips:
        data[int(where * (len(data) - 1))] = value
    data = bytes(data[: max(1, int(cut * len(data)))])
    try:
        array = load_image(data, max_pixels=1_000_000)
    except ImageLoadError:
        return
    assert array.dtype == np.float32 and array.ndim == 3 and array.shape[2] in (1, 3)
    assert np.isfinite(array).all() and array.min() >= 0.0 and array.max() <= 1.0


@settings(max_examples=100, deadline=None)
@given(st.binary(min_size=1, max_size=256))
def test_arbitrary_bytes_only_ever_raise_image_load_error(data):
    try:
        load_image(data, max_pixels=1_000_000)
    except ImageLoadError:
        pass


def test_open_dialog_filter():
    assert image_files.OPEN_DIALOG_FILTER.endswith(";;All files (*)")
    for pattern in ("*.png", "*.jpg", "*.jpeg", "*.bmp", "*.gif", "*.tif", "*.tiff", "*.webp"):
        assert pattern in image_files.OPEN_DIALOG_FILTER
