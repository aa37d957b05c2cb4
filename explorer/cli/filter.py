"""``feature-map-explorer filter``: the kernel lab without a window.

For teachers preparing slides: run kernels over an image with the lab's own
pipeline (``explorer.core.lab.pipeline``) and write the feature maps as a PNG grid
coloured exactly as on screen. Heavy modules are imported inside `run` so
that ``--help`` stays instant.
"""

from __future__ import annotations

import argparse

from explorer.cli.command import CliError, Subcommand

DESCRIPTION = """Apply kernels to an image, as the kernel lab does, and save the feature maps as a PNG grid.

Examples:
  feature-map-explorer filter photo.jpg --kernel sobel-x --kernel sobel-y --out edges.png
  feature-map-explorer filter china --kernel vertical-line --mode layer --pool max:2 --out lines.png

IMAGE is a file or a built-in sample (china, flower, digit, stripes, checkerboard, circle).
Image mode filters each colour channel (colour output); layer mode is a Conv2D layer
(sum over channels + bias, one signed map per kernel)."""


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("image", metavar="IMAGE", help="image file or built-in sample name")
    parser.add_argument("--kernel", action="append", required=True, metavar="NAME|FILE.npy",
                        help="a preset name or a .npy file with a (kh, kw) kernel or a (F, kh, kw) bank; "
                             "repeat for several kernels")
    parser.add_argument("--mode", choices=("image", "layer"), default="image",
                        help="image: filter each channel (default); layer: Conv2D, sum over channels")
    parser.add_argument("--stride", type=int, default=1, help="kernel step in pixels (default 1)")
    parser.add_argument("--padding", default="same",
                        help="valid, same (default), P pixels, or T,B,L,R pixels per side")
    parser.add_argument("--dilation", type=int, default=1, help="spacing of the kernel taps (default 1)")
    parser.add_argument("--activation", choices=("none", "relu"), default="none")
    parser.add_argument("--pool", metavar="MODE:SIZE[:STRIDE]",
                        help="pooling after the convolution, e.g. max:2 or average:3:1")
    parser.add_argument("--levels", choices=("shared", "per-map"), default="shared",
                        help="one colour scale for all maps (default) or one per map")
    parser.add_argument("--npy", metavar="OUT.npy", help="also save the raw values as a NumPy array")
    parser.add_argument("--out", required=True, metavar="OUT.png", help="PNG file to write")


def _run(args: argparse.Namespace) -> int:
    from explorer.core.files import atomic_write, save_npy
    from explorer.core.lab import pipeline as lab

    if not args.out.lower().endswith(".png"):
        raise CliError(f"--out must name a .png file, got {args.out!r}")
    image = _load(args.image)
    try:
        bank = lab.KernelBank.of(_kernels(args.kernel))
        settings = lab.LabSettings(mode=args.mode, padding=_padding(args.padding), stride=args.stride,
                                   dilation=args.dilation, activation=args.activation, **_pool(args.pool))
        result = lab.compute(lab.LabRequest(image, bank, settings))
    except ValueError as exc:
        raise CliError(str(exc)) from None
    shown = result.pooled if result.pooled is not None else result.maps
    pixels = render_grid(shown, colour=args.mode == "image" and image.shape[2] == 3, levels=args.levels)
    try:
        from PIL import Image

        written = atomic_write(args.out, lambda tmp: Image.fromarray(pixels).save(tmp, format="PNG"))
        if args.npy:
            save_npy(args.npy, shown)
    except OSError as exc:
        raise CliError(f"cannot write the output: {exc.strerror or exc}") from None
    for stage in result.stages:
        formulas = "; ".join(f for f in (stage.formula, stage.width_formula) if f)
        print(f"{stage.name}: {'×'.join(map(str, stage.shape))}" + (f"   [{formulas}]" if formulas else ""))
    if result.params:
        print(f"parameters: {result.params}")
    print(written)
    return 0


def render_grid(maps, *, colour: bool, levels: str = "shared"):
    """(H, W, K) maps as an RGB uint8 mosaic, coloured as in the window."""
    from explorer.core.render.layout import mosaic_layout
    from explorer.core.render.levels import signed_levels
    from explorer.core.render.luts import DIVERGING_LUT, GREY_LUT, apply_lut
    from explorer.core.render.mosaic import build_mosaic, build_rgb_mosaic

    h, w, k = maps.shape
    if colour:  # image mode on a colour image: one RGB tile per kernel
        layout = mosaic_layout(k // 3, h, w)
        return apply_lut(build_rgb_mosaic(maps, layout), GREY_LUT, layout=layout)
    layout = mosaic_layout(k, h, w)
    mosaic = build_mosaic(maps, layout, signed_levels(maps, levels))
    return apply_lut(mosaic, DIVERGING_LUT, layout=layout)


def _load(source: str):
    from explorer.core.lab.image_files import ImageLoadError, load_image
    from explorer.core.lab.sample_images import SAMPLES, sample

    if source in SAMPLES:
        return sample(source)
    try:
        return load_image(source)
    except ImageLoadError as exc:
        raise CliError(str(exc)) from None


#: Kernel banks are small: 64 filters of 15×15 over 3 channels take 170 KiB.
_MAX_KERNEL_FILE_BYTES = 16 * 2**20


def _kernels(specs: list[str]) -> list:
    from explorer.core.lab import kernels
    from explorer.core.npy_files import read_npy

    out = []
    for spec in specs:
        if spec in kernels.PRESETS:
            out.append(kernels.PRESETS[spec])
            continue
        if not spec.lower().endswith(".npy"):
            raise CliError(f"unknown kernel {spec!r}: use a .npy file or one of {', '.join(kernels.PRESETS)}")
        try:
            # The header is checked first: a lying one must not make us allocate what it claims.
            array = read_npy(spec, max_bytes=_MAX_KERNEL_FILE_BYTES, what="it")
        except OSError as exc:
            raise CliError(f"cannot read kernel file {spec}: {exc.strerror or exc}") from None
        except ValueError as exc:
            raise CliError(f"cannot read kernel file {spec}: {exc}") from None
        out.extend(array if array.ndim == 3 else [array])
    return out


def _padding(text: str):
    if text.lower() in ("valid", "same"):
        return text.lower()
    try:
        numbers = [int(part) for part in text.split(",")]
    except ValueError:
        raise CliError(f"--padding must be valid, same, P or T,B,L,R, got {text!r}") from None
    if len(numbers) == 1:
        return numbers[0]
    if len(numbers) == 4:
        return (numbers[0], numbers[1]), (numbers[2], numbers[3])
    raise CliError(f"--padding takes one number or four (top,bottom,left,right), got {text!r}")


def _pool(text: str | None) -> dict:
    if not text:
        return {}
    parts = text.split(":")
    try:
        numbers = [int(p) for p in parts[1:]]
    except ValueError:
        numbers = []
    if parts[0] not in ("max", "average") or len(numbers) not in (1, 2):
        raise CliError(f"--pool must look like max:2, average:3 or max:3:2 (mode:size[:stride]), got {text!r}")
    return {"pool": parts[0], "pool_size": numbers[0], "pool_stride": numbers[-1]}


COMMAND = Subcommand(name="filter", help="apply kernels to an image and save the feature maps as a PNG",
                               description=DESCRIPTION, add_arguments=_add_arguments, run=_run)
