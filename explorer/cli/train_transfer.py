"""The ``train`` command's transfer-learning and subset options, turned into TrainConfig fields.

``--from`` names the base; ``--keep-up-to``, ``--head``, ``--freeze``,
``--fine-tune-from``, ``--warmup-epochs`` and ``--reinitialise`` say what to
keep and what trains; ``--classes`` and ``--per-class`` cut the dataset (with
or without a base). Everything that can be refused is refused here, before
any data loads, in one line (:class:`~explorer.cli.command.CliError`).
"""

from __future__ import annotations

import argparse

from explorer.cli.command import CliError

__all__ = ["transfer_checks", "subset_fields", "transfer_fields", "layers_line"]


def transfer_checks(args: argparse.Namespace) -> list[tuple[bool, str]]:
    """(ok, message) pairs for the options that need no model: combinations and ranges."""
    without_base = [option for option, given in (
        ("--keep-up-to", args.keep_up_to is not None), ("--head", args.head is not None),
        ("--freeze", args.freeze), ("--fine-tune-from", args.fine_tune_from is not None),
        ("--warmup-epochs", bool(args.warmup_epochs)), ("--reinitialise", args.reinitialise)) if given]
    ways = [option for option, given in (("--freeze", args.freeze), ("--fine-tune-from", args.fine_tune_from),
                                         ("--reinitialise", args.reinitialise)) if given]
    return [
        (args.base is not None or not without_base, f"{without_base[0] if without_base else ''} needs --from BASE"),
        (len(ways) <= 1, f"use one of {' and '.join(ways)}, not both: they say differently what trains"),
        (args.warmup_epochs >= 0, f"--warmup-epochs must be 0 or more, got {args.warmup_epochs}"),
        (not args.warmup_epochs or args.fine_tune_from is not None,
         "--warmup-epochs needs --fine-tune-from LAYER (what trains after the warm-up)"),
        (args.warmup_epochs < args.epochs, f"--warmup-epochs ({args.warmup_epochs}) must be fewer than --epochs "
                                           f"({args.epochs})"),
        (args.per_class is None or args.per_class >= 1, f"--per-class must be at least 1, got {args.per_class}"),
    ]


def subset_fields(args: argparse.Namespace) -> dict:
    """``classes`` and ``per_class`` for TrainConfig."""
    from explorer.core.train.subsets import parse_classes

    fields: dict = {"per_class": args.per_class}
    if args.classes is not None:
        try:
            fields["classes"] = parse_classes(args.classes)
        except ValueError as exc:
            raise CliError(f"--{exc}") from None
        if len(fields["classes"]) < 2 or len(set(fields["classes"])) != len(fields["classes"]):
            raise CliError(f"--classes must list at least two different classes, got {args.classes!r}")
    return fields


def transfer_fields(args: argparse.Namespace) -> dict:
    """The TrainConfig fields of ``--from`` and its companions; the base is loaded to check layer names.

    Raises
    ------
    CliError
        An unreadable base, an unknown layer, a head that is not layer-editor text.
    """
    from explorer.core.model import transfer
    from explorer.core.model.layer_text import LayerTextError, parse_layers

    try:
        head = parse_layers((args.head or "").replace(";", "\n"))
    except LayerTextError as exc:
        raise CliError(f"--head {exc}") from None
    from explorer.core.train.datasets import INPUT_SHAPES

    try:  # an application is made for the data's image size, so its layer names are the run's
        base = transfer.load_base(args.base, input_shape=INPUT_SHAPES.get(args.dataset))
        kept = transfer.kept_layer_names(base, args.keep_up_to or "")
    except transfer.TransferError as exc:
        raise CliError(f"--from {args.base}: {exc}") from None
    frozen: tuple[str, ...] = ()
    if args.freeze:
        frozen = kept
    elif args.fine_tune_from is not None:
        if args.fine_tune_from not in kept:
            raise CliError(f"--fine-tune-from {args.fine_tune_from!r} is not a kept layer: the kept layers are "
                           f"{', '.join(kept)}")
        frozen = kept[: kept.index(args.fine_tune_from)]
    return dict(base=args.base, keep_up_to=args.keep_up_to or "", head=head, frozen_layers=frozen,
                warmup_epochs=args.warmup_epochs, reinitialise=args.reinitialise)


def layers_line(model) -> dict:
    """The JSON line printed before the epochs: each layer's name and trainable, and the parameter counts."""
    def size(weights) -> int:
        total = 0
        for weight in weights:
            count = 1
            for n in weight.shape:
                count *= int(n)
            total += count
        return total

    return {
        "layers": [{"name": layer.name, "trainable": bool(layer.trainable)} for layer in model.layers],
        "trainable_params": size(model.trainable_weights),
        "non_trainable_params": size(model.non_trainable_weights),
    }
