"""``feature-map-explorer summary``: a model's layers, shapes and parameter counts.

Like Keras' ``model.summary()``, with every count and output size worked out
as a formula. The numbers come from :func:`explorer.core.model.stack.check_stack`
(plain arithmetic, the same that the tests hold against Keras), so the command
needs no TensorFlow and answers at once. Imports happen inside `_run` so that
``--help`` stays instant.
"""

from __future__ import annotations

import argparse
import re

from explorer.cli.command import CliError, Subcommand

DESCRIPTION = """Print a model's layers with output shapes, parameter counts and their formulas.

Examples:
  feature-map-explorer summary --model mnist-convnet
  feature-map-explorer summary --model cifar-small                 (seed 002: 32,784,054 parameters)
  feature-map-explorer summary --model lenet5 --input-shape 32,32,1 --shape-formulas

Models: mnist-convnet, lenet5, fashion-cnn (28x28x1 by default),
cifar-small, cifar-small-pooling (32x32x3 by default)."""


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    # No argparse `choices`: a wrong name is a one-line error with status 1, like a wrong shape.
    parser.add_argument("--model", required=True, metavar="NAME", help="the model to describe")
    parser.add_argument("--input-shape", metavar="H,W[,C]",
                        help="input height, width and channels (default: the model's own, e.g. 28,28,1)")
    parser.add_argument("--num-classes", type=int, default=10, metavar="N",
                        help="outputs of the softmax layer (default: 10)")
    parser.add_argument("--shape-formulas", action="store_true",
                        help="add a column showing how each output size is computed")


def _run(args: argparse.Namespace) -> int:
    from explorer.core.model.presets import MODEL_NAMES, NATIVE_INPUT_SHAPES
    from explorer.core.model.summary import summarize, summary_text

    if args.model not in MODEL_NAMES:
        raise CliError(f"unknown model {args.model!r}: use one of {', '.join(MODEL_NAMES)}")
    shape = parse_shape(args.input_shape) if args.input_shape else NATIVE_INPUT_SHAPES[args.model]
    try:
        rows = summarize(args.model, shape, args.num_classes)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    title = f'Model "{args.model}", input {"×".join(map(str, shape))}, {args.num_classes} classes'
    print(summary_text(rows, title=title, shape_formulas=args.shape_formulas))
    return 0


def parse_shape(text: str) -> tuple[int, int, int]:
    """``"28,28,1"`` (or ``28x28x1``; two numbers mean one channel) -> (28, 28, 1).

    Raises
    ------
    CliError
        If the text is not two or three whole numbers >= 1.
    """
    parts = [part for part in re.split(r"[,x×\s]+", text.strip()) if part]
    if len(parts) not in (2, 3) or not all(part.isdigit() and int(part) >= 1 for part in parts):
        raise CliError(f"--input-shape must be HEIGHT,WIDTH[,CHANNELS] with whole numbers >= 1, got {text!r}")
    numbers = [int(part) for part in parts]
    return (numbers[0], numbers[1], numbers[2] if len(numbers) == 3 else 1)


COMMAND = Subcommand(name="summary", help="print a model's layers, shapes and parameter counts",
                               description=DESCRIPTION, add_arguments=_add_arguments, run=_run)
