"""Bad input must raise ValueError whose message names the problem.

Nothing here may crash with another exception type (IndexError, TypeError,
numpy broadcasting errors, TF errors ...) or quietly return a wrong result.
"""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core import arithmetic
from explorer.core.lab import ops

# Regexes for the distinctive word the message must contain (case-insensitive).
KERNEL = r"(?i)kernel"
STRIDE = r"(?i)stride"
DILATION = r"(?i)dilation"
FINITE = r"(?i)finite|nan|inf"
RANK = r"(?i)rank|dimension|\bdims?\b|ndim|[2345]-?d\b"
CHANNEL = r"(?i)channel"
EMPTY = r"(?i)empty"
SIZE = r"(?i)size"
PADDING = r"(?i)padding"
MODE = r"(?i)mode"


def img(*shape) -> np.ndarray:
    return np.random.default_rng(0).uniform(-1, 1, size=shape).astype(np.float32)


def kern(*shape) -> np.ndarray:
    return np.random.default_rng(1).uniform(-1, 1, size=shape).astype(np.float32)


def with_value(arr: np.ndarray, value: float) -> np.ndarray:
    arr = arr.copy()
    arr.flat[arr.size // 2] = value
    return arr


# (id, callable, match-regex)
CASES = [
    # ----------------------------------------------------------------- conv2d
    ("conv2d-kernel-larger-than-input", lambda: ops.conv2d(img(4, 4, 1), kern(5, 5, 1, 1)), KERNEL),
    ("conv2d-kernel-wider-than-input", lambda: ops.conv2d(img(8, 4, 1), kern(3, 5, 1, 1)), KERNEL),
    ("conv2d-kernel-larger-batched", lambda: ops.conv2d(img(2, 4, 4, 1), kern(5, 5, 1, 1)), KERNEL),
    ("conv2d-dilated-kernel-larger", lambda: ops.conv2d(img(6, 6, 1), kern(3, 3, 1, 1), dilation=3), KERNEL),
    ("conv2d-dilated-kernel-larger-w", lambda: ops.conv2d(img(9, 6, 1), kern(3, 3, 1, 1), dilation=(1, 3)), KERNEL),
    ("conv2d-kernel-larger-than-padded", lambda: ops.conv2d(img(3, 3, 1), kern(6, 6, 1, 1), padding=1), KERNEL),
    (
        "conv2d-kernel-larger-than-asym-padded",
        lambda: ops.conv2d(img(3, 3, 1), kern(5, 5, 1, 1), padding=((1, 0), (1, 1))),
        KERNEL,
    ),
    ("conv2d-stride-0", lambda: ops.conv2d(img(5, 5, 1), kern(3, 3, 1, 1), stride=0), STRIDE),
    ("conv2d-stride-negative", lambda: ops.conv2d(img(5, 5, 1), kern(3, 3, 1, 1), stride=-1), STRIDE),
    ("conv2d-stride-pair-0", lambda: ops.conv2d(img(5, 5, 1), kern(3, 3, 1, 1), stride=(1, 0)), STRIDE),
    ("conv2d-stride-0-same", lambda: ops.conv2d(img(5, 5, 1), kern(3, 3, 1, 1), stride=0, padding="same"), STRIDE),
    ("conv2d-dilation-0", lambda: ops.conv2d(img(5, 5, 1), kern(3, 3, 1, 1), dilation=0), DILATION),
    ("conv2d-dilation-negative", lambda: ops.conv2d(img(5, 5, 1), kern(3, 3, 1, 1), dilation=-2), DILATION),
    ("conv2d-dilation-pair-0", lambda: ops.conv2d(img(5, 5, 1), kern(3, 3, 1, 1), dilation=(0, 1)), DILATION),
    ("conv2d-kernel-nan", lambda: ops.conv2d(img(5, 5, 1), with_value(kern(3, 3, 1, 1), np.nan)), FINITE),
    ("conv2d-kernel-inf", lambda: ops.conv2d(img(5, 5, 1), with_value(kern(3, 3, 1, 1), np.inf)), FINITE),
    ("conv2d-kernel-neg-inf", lambda: ops.conv2d(img(5, 5, 1), with_value(kern(3, 3, 1, 1), -np.inf)), FINITE),
    ("conv2d-x-2d", lambda: ops.conv2d(img(5, 5), kern(3, 3, 1, 1)), RANK),
    ("conv2d-x-5d", lambda: ops.conv2d(img(1, 1, 5, 5, 1), kern(3, 3, 1, 1)), RANK),
    ("conv2d-x-1d", lambda: ops.conv2d(img(5), kern(3, 3, 1, 1)), RANK),
    ("conv2d-kernels-2d", lambda: ops.conv2d(img(5, 5, 1), kern(3, 3)), RANK),
    ("conv2d-kernels-3d", lambda: ops.conv2d(img(5, 5, 1), kern(3, 3, 1)), RANK),
    ("conv2d-kernels-5d", lambda: ops.conv2d(img(5, 5, 1), kern(3, 3, 1, 1, 1)), RANK),
    ("conv2d-channel-mismatch", lambda: ops.conv2d(img(5, 5, 3), kern(3, 3, 2, 4)), CHANNEL),
    ("conv2d-channel-mismatch-batched", lambda: ops.conv2d(img(2, 5, 5, 1), kern(3, 3, 3, 4)), CHANNEL),
    ("conv2d-empty-height", lambda: ops.conv2d(img(0, 5, 1), kern(1, 1, 1, 1), padding="same"), EMPTY),
    ("conv2d-empty-width", lambda: ops.conv2d(img(5, 0, 1), kern(1, 1, 1, 1), padding="same"), EMPTY),
    ("conv2d-empty-batched", lambda: ops.conv2d(img(1, 0, 5, 1), kern(1, 1, 1, 1), padding="same"), EMPTY),
    ("conv2d-unknown-padding", lambda: ops.conv2d(img(5, 5, 1), kern(3, 3, 1, 1), padding="full"), PADDING),
    ("conv2d-empty-padding-string", lambda: ops.conv2d(img(5, 5, 1), kern(3, 3, 1, 1), padding=""), PADDING),
    ("conv2d-negative-padding", lambda: ops.conv2d(img(5, 5, 1), kern(3, 3, 1, 1), padding=-1), PADDING),
    (
        "conv2d-negative-asym-padding",
        lambda: ops.conv2d(img(5, 5, 1), kern(3, 3, 1, 1), padding=((0, -1), (0, 0))),
        PADDING,
    ),
    # ----------------------------------------------------------- filter_image
    ("filter-kernel-larger-valid", lambda: ops.filter_image(img(4, 4, 3), kern(5, 5), padding="valid"), KERNEL),
    ("filter-kernel-larger-padded", lambda: ops.filter_image(img(3, 3, 3), kern(7, 7), padding=1), KERNEL),
    ("filter-stride-0", lambda: ops.filter_image(img(5, 5, 3), kern(3, 3), stride=0), STRIDE),
    ("filter-dilation-0", lambda: ops.filter_image(img(5, 5, 3), kern(3, 3), dilation=0), DILATION),
    ("filter-kernel-nan", lambda: ops.filter_image(img(5, 5, 3), with_value(kern(3, 3), np.nan)), FINITE),
    ("filter-kernel-inf", lambda: ops.filter_image(img(5, 5, 3), with_value(kern(3, 3), np.inf)), FINITE),
    ("filter-kernel-3d", lambda: ops.filter_image(img(5, 5, 3), kern(3, 3, 3)), RANK),
    ("filter-kernel-4d", lambda: ops.filter_image(img(5, 5, 3), kern(3, 3, 3, 1)), RANK),
    ("filter-kernel-1d", lambda: ops.filter_image(img(5, 5, 3), kern(3)), RANK),
    ("filter-x-2d", lambda: ops.filter_image(img(5, 5), kern(3, 3)), RANK),
    ("filter-x-5d", lambda: ops.filter_image(img(1, 1, 5, 5, 3), kern(3, 3)), RANK),
    ("filter-empty-image", lambda: ops.filter_image(img(0, 5, 3), kern(1, 1)), EMPTY),
    ("filter-empty-width", lambda: ops.filter_image(img(2, 5, 0, 3), kern(1, 1)), EMPTY),
    ("filter-unknown-padding", lambda: ops.filter_image(img(5, 5, 3), kern(3, 3), padding="reflect"), PADDING),
    # ----------------------------------------------------------------- pool2d
    ("pool-size-0", lambda: ops.pool2d(img(4, 4, 1), 0), SIZE),
    ("pool-size-pair-0", lambda: ops.pool2d(img(4, 4, 1), (2, 0)), SIZE),
    ("pool-size-negative", lambda: ops.pool2d(img(4, 4, 1), -2), SIZE),
    ("pool-size-0-same", lambda: ops.pool2d(img(4, 4, 1), 0, padding="same"), SIZE),
    ("pool-stride-0", lambda: ops.pool2d(img(4, 4, 1), 2, stride=0), STRIDE),
    ("pool-stride-pair-0", lambda: ops.pool2d(img(4, 4, 1), 2, stride=(0, 2)), STRIDE),
    ("pool-stride-numpy-0", lambda: ops.pool2d(img(4, 4, 1), 2, stride=np.int64(0)), STRIDE),
    ("pool-stride-negative", lambda: ops.pool2d(img(4, 4, 1), 2, stride=-1), STRIDE),
    ("pool-unknown-mode", lambda: ops.pool2d(img(4, 4, 1), 2, mode="min"), MODE),
    ("pool-unknown-padding", lambda: ops.pool2d(img(4, 4, 1), 2, padding="full"), PADDING),
    (
        "pool-window-larger-than-input",
        lambda: ops.pool2d(img(3, 3, 1), 4),
        r"(?i)size|kernel|window|larger|exceed",
    ),
    ("pool-x-2d", lambda: ops.pool2d(img(4, 4), 2), RANK),
    ("pool-x-5d", lambda: ops.pool2d(img(1, 1, 4, 4, 1), 2), RANK),
    ("pool-empty-image", lambda: ops.pool2d(img(0, 4, 1), 1, padding="same"), EMPTY),
    ("pool-empty-width-batched", lambda: ops.pool2d(img(1, 4, 0, 1), 1, padding="same"), EMPTY),
    # ------------------------------------------------------------- depth_pool
    ("depth-size-not-dividing", lambda: ops.depth_pool(img(4, 4, 3), 2), r"(?i)size|divis|divid"),
    ("depth-size-not-dividing-batched", lambda: ops.depth_pool(img(2, 4, 4, 6), 4), r"(?i)size|divis|divid"),
    ("depth-size-0", lambda: ops.depth_pool(img(4, 4, 3), 0), SIZE),
    # depth_pool's size is one number (a channel group); (2, 3) must not be
    # silently read as 2.
    ("depth-size-pair", lambda: ops.depth_pool(img(4, 4, 4), (2, 3)), SIZE),
    ("depth-size-negative", lambda: ops.depth_pool(img(4, 4, 4), -2), SIZE),
    ("depth-unknown-mode", lambda: ops.depth_pool(img(4, 4, 4), 2, mode="min"), MODE),
    ("depth-x-2d", lambda: ops.depth_pool(img(4, 4), 2), RANK),
    ("depth-x-5d", lambda: ops.depth_pool(img(1, 1, 4, 4, 4), 2), RANK),
    ("depth-empty-image", lambda: ops.depth_pool(img(0, 4, 4), 2), EMPTY),
    # ------------------------------------------------------------ global_pool
    ("global-unknown-mode", lambda: ops.global_pool(img(4, 4, 2), mode="median"), MODE),
    ("global-x-2d", lambda: ops.global_pool(img(4, 4)), RANK),
    ("global-x-5d", lambda: ops.global_pool(img(1, 1, 4, 4, 2)), RANK),
    ("global-empty-image-average", lambda: ops.global_pool(img(0, 4, 2)), EMPTY),
    ("global-empty-image-max", lambda: ops.global_pool(img(2, 4, 0, 2), mode="max"), EMPTY),
    # ------------------------------------------------------------- arithmetic
    ("output_size-stride-0", lambda: arithmetic.output_size(28, 3, stride=0), STRIDE),
    ("output_size-stride-negative", lambda: arithmetic.output_size(28, 3, stride=-1), STRIDE),
    ("output_size-dilation-0", lambda: arithmetic.output_size(28, 3, dilation=0), DILATION),
    ("output_size-kernel-larger", lambda: arithmetic.output_size(4, 5), KERNEL),
    ("output_size-dilated-kernel-larger", lambda: arithmetic.output_size(6, 3, dilation=3), KERNEL),
    ("output_size-kernel-larger-than-padded", lambda: arithmetic.output_size(3, 6, padding=1), KERNEL),
    ("output_size-kernel-larger-than-pair-padded", lambda: arithmetic.output_size(3, 5, padding=(1, 0)), KERNEL),
    ("output_size-kernel-0", lambda: arithmetic.output_size(28, 0), KERNEL),
    ("output_size-unknown-padding", lambda: arithmetic.output_size(28, 3, padding="full"), PADDING),
    ("output_size-negative-padding", lambda: arithmetic.output_size(28, 3, padding=-1), PADDING),
    ("output_size_formula-stride-0", lambda: arithmetic.output_size_formula(28, 3, stride=0), STRIDE),
    ("output_size_formula-dilation-0", lambda: arithmetic.output_size_formula(28, 3, dilation=0), DILATION),
    ("output_size_formula-kernel-0", lambda: arithmetic.output_size_formula(28, 0), KERNEL),
    ("output_size_formula-kernel-larger", lambda: arithmetic.output_size_formula(4, 5), KERNEL),
    ("output_size_formula-unknown-padding", lambda: arithmetic.output_size_formula(28, 3, padding="x"), PADDING),
    ("conv_params-kernel-0", lambda: arithmetic.conv_params(0, 1, 32), KERNEL),
    ("conv_params-channels-0", lambda: arithmetic.conv_params(3, 0, 32), CHANNEL),
    ("conv_params-filters-0", lambda: arithmetic.conv_params(3, 1, 0), r"(?i)filter"),
    ("conv_params_formula-kernel-0", lambda: arithmetic.conv_params_formula(0, 1, 32), KERNEL),
]


@pytest.mark.parametrize("call, pattern", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_raises_value_error(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()


def test_case_ids_are_unique():
    ids = [c[0] for c in CASES]
    assert len(ids) == len(set(ids))


def test_output_size_rejects_empty_input():
    # n = 0 (an empty axis) is not a valid size; any ValueError is acceptable here.
    with pytest.raises(ValueError):
        arithmetic.output_size(0, 1, padding="same")


def test_valid_call_works_but_nan_kernel_is_rejected_with_same_padding():
    # Control: the same shapes with a finite kernel work; only the NaN is the problem.
    x = img(5, 5, 1)
    k = kern(3, 3, 1, 1)
    out = ops.conv2d(x, k)
    assert out.shape == (3, 3, 1)
    with pytest.raises(ValueError, match=FINITE):
        ops.conv2d(x, with_value(k, np.nan), padding="same")
