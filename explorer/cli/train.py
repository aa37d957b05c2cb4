"""``feature-map-explorer train``: the training studio without a window.

Trains one of the course's convnets with the app's own :class:`Trainer`,
prints one JSON line per epoch and a last line with the test accuracy, and
saves the model as a ``.keras`` file (atomically) that the drawing pad can
load. Heavy modules (NumPy, TensorFlow) are imported inside `_run`, so
``--help`` stays instant; no Qt at all.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys

from explorer.cli.command import CliError, Subcommand
from explorer.cli.train_transfer import layers_line, subset_fields, transfer_checks, transfer_fields

DESCRIPTION = """Train a convnet and save it as a .keras file.

Prints one JSON line per epoch (epoch, loss, accuracy, val_loss, val_accuracy,
samples_per_s) and a last line with test_loss and test_accuracy.

Examples:
  feature-map-explorer train --model mnist-convnet --dataset mnist --epochs 5 --out mnist.keras
  feature-map-explorer train --model mnist-convnet --dataset mnist --data-dir ~/data/mnist \\
      --epochs 5 --batch-size 64 --optimizer rmsprop --out mnist.keras
  feature-map-explorer train --model lenet5 --dataset digits --epochs 3 --out digits.keras
  feature-map-explorer train --model cifar-small --dataset cifar10 --devices all --batch-size 256 --out c.keras

Transfer learning: --from a trained .keras file (or keras:MobileNetV2, ImageNet
weights, downloaded once) instead of --model keeps its layers up to
--keep-up-to (default: the convolutional base, every layer before the first
Dense), adds --head (layer-editor syntax, layers separated by ';') and a new
softmax Dense for the data's classes. --freeze: every kept layer frozen
(feature extraction); --fine-tune-from LAYER: the kept layers before LAYER
frozen, the rest trainable (--warmup-epochs N: the new head trains alone
first, then the rest at a tenth of the learning rate); neither: everything
trains. A first JSON line lists the layers (name, trainable) and the
trainable / non-trainable parameter counts.
  feature-map-explorer train --model mnist-convnet --dataset mnist --classes 0-4 --out base.keras
  feature-map-explorer train --from base.keras --dataset mnist --classes 5,6,7,8,9 --per-class 10 \
      --freeze --epochs 30 --out digits59.keras
  feature-map-explorer train --from base.keras --dataset mnist --classes 5-9 --head "dense 64 relu" \
      --fine-tune-from conv2d_2 --warmup-epochs 3 --out tuned.keras

Models: mnist-convnet, lenet5, fashion-cnn, cifar-small, cifar-small-pooling.
Datasets: mnist, fashion-mnist, cifar10, digits (offline), folder (--data-dir with one sub-folder per class).
Optimizers: rmsprop, adam, sgd, nadam.
Devices: 1 (default) trains as plain Keras does; --devices N or all mirrors the
model over the first N (or all) GPUs with tf.distribute.MirroredStrategy (over
the logical CPU devices on a machine without GPUs). --batch-size stays the
global batch: each step splits it between the devices."""


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    start = parser.add_mutually_exclusive_group(required=True)
    start.add_argument("--model", metavar="NAME", help="the network to train from scratch (see above)")
    start.add_argument("--from", dest="base", metavar="BASE.keras",
                       help="transfer learning: start from this trained model (or keras:MobileNetV2)")
    parser.add_argument("--dataset", required=True, metavar="NAME", help="the data to train on (see above)")
    parser.add_argument("--data-dir", metavar="DIR",
                        help="local data instead of a download (the four MNIST-style IDX files, CIFAR-10's "
                             "binary files), or the image folder for --dataset folder")
    parser.add_argument("--epochs", type=int, default=5, metavar="N", help="passes over the data (default 5)")
    parser.add_argument("--batch-size", type=int, default=64, metavar="B", help="images per step (default 64)")
    parser.add_argument("--optimizer", default="rmsprop", metavar="O",
                        help="rmsprop (default), adam, sgd or nadam")
    parser.add_argument("--learning-rate", type=float, metavar="LR", help="default: the optimizer's own")
    parser.add_argument("--validation-split", type=float, default=0.1, metavar="F",
                        help="fraction of the training data held out for validation (default 0.1; 0 = none)")
    parser.add_argument("--patience", type=int, default=0, metavar="P",
                        help="stop early after P epochs without a better val_loss (default 0 = off)")
    parser.add_argument("--limit", type=int, metavar="N", help="use only the first N training images")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--devices", default="1", metavar="all|N",
                        help="train on N devices, or all, mirrored with tf.distribute (the GPUs, else the CPU "
                             "devices); the batch size is split between them (default 1)")
    parser.add_argument("--rotation", type=float, default=0.0, metavar="F",
                        help="augmentation: random rotation, fraction of a full turn (default 0 = off)")
    parser.add_argument("--translation", type=float, default=0.0, metavar="F",
                        help="augmentation: random shift, fraction of the size (default 0 = off)")
    parser.add_argument("--zoom", type=float, default=0.0, metavar="F",
                        help="augmentation: random zoom in or out, fraction (default 0 = off)")
    parser.add_argument("--keep-up-to", metavar="LAYER", help="with --from: the last kept layer "
                                                               "(default: the convolutional base)")
    parser.add_argument("--head", metavar="SPEC", help="with --from: layers before the new classifier, "
                                                      "e.g. 'dense 64 relu; dropout 0.5'")
    parser.add_argument("--freeze", action="store_true", help="with --from: freeze every kept layer")
    parser.add_argument("--fine-tune-from", metavar="LAYER",
                        help="with --from: freeze the kept layers before LAYER, train LAYER and the rest")
    parser.add_argument("--warmup-epochs", type=int, default=0, metavar="N",
                        help="with --fine-tune-from: the new head trains alone for the first N epochs")
    parser.add_argument("--reinitialise", action="store_true",
                        help="with --from: the same layers with fresh weights, all trainable (from scratch)")
    parser.add_argument("--classes", metavar="LIST", help="keep only these classes, e.g. 5,6,7,8,9 or 5-9 "
                                                         "(relabelled 0..k-1 in this order)")
    parser.add_argument("--per-class", type=int, metavar="N", help="at most N training images per class")
    parser.add_argument("--checkpoint-dir", metavar="DIR",
                        help="also save each epoch's model in DIR/<run-id>/epoch-NN.keras (default: none)")
    parser.add_argument("--history", metavar="FILE.csv", help="also write the per-epoch curves as CSV")
    parser.add_argument("--out", required=True, metavar="FILE.keras", help="where to save the trained model")


def _check_arguments(args: argparse.Namespace) -> None:
    from explorer.core.train.distribute import parse_devices

    try:
        args.devices = parse_devices(args.devices)
    except ValueError as exc:
        raise CliError(f"--{exc}") from None
    if not args.out.endswith(".keras"):  # exactly: Keras refuses ".KERAS", after the training
        raise CliError(f"--out must name a .keras file (lower case), got {args.out!r}")
    folder = os.path.dirname(os.path.abspath(args.out))
    if not os.path.isdir(folder):
        raise CliError(f"cannot write {args.out}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK):  # found now, not after an hour of training
        raise CliError(f"cannot write {args.out}: the folder {folder} is not writable")
    if args.history and not os.path.isdir(os.path.dirname(os.path.abspath(args.history))):
        raise CliError(f"cannot write {args.history}: its folder does not exist")
    checks = [
        (args.epochs >= 1, f"--epochs must be at least 1, got {args.epochs}"),
        (args.batch_size >= 1, f"--batch-size must be at least 1, got {args.batch_size}"),
        (args.learning_rate is None or (math.isfinite(args.learning_rate) and args.learning_rate > 0),
         f"--learning-rate must be a number > 0, got {args.learning_rate}"),
        (0 <= args.validation_split < 1, f"--validation-split must be between 0 and 1 (excluded), "
                                         f"got {args.validation_split}"),
        (args.patience >= 0, f"--patience must be 0 or more, got {args.patience}"),
        (args.limit is None or args.limit >= 1, f"--limit must be at least 1, got {args.limit}"),
    ]
    for name in ("rotation", "translation", "zoom"):
        value = getattr(args, name)
        checks.append((0 <= value < 1, f"--{name} must be a fraction between 0 and 1 (excluded), got {value}"))
    checks += transfer_checks(args)
    for ok, message in checks:
        if not ok:
            raise CliError(message)


def _run(args: argparse.Namespace) -> int:
    _check_arguments(args)
    from explorer.core.model.presets import MODEL_NAMES
    from explorer.core.train.config import OPTIMIZERS, Augmentation, TrainConfig

    if args.base is None and args.model not in MODEL_NAMES:
        raise CliError(f"unknown model {args.model!r}: use one of {', '.join(MODEL_NAMES)}")
    if args.optimizer not in OPTIMIZERS:
        raise CliError(f"unknown optimizer {args.optimizer!r}: use one of {', '.join(OPTIMIZERS)}")
    subset = subset_fields(args)
    if args.base is not None:
        _quiet_tensorflow_import()
        subset.update(transfer_fields(args))
    config = TrainConfig(
        **subset, model=args.model or "mnist-convnet", dataset=args.dataset, data_dir=args.data_dir, optimizer=args.optimizer,
        learning_rate=args.learning_rate, batch_size=args.batch_size, epochs=args.epochs,
        validation_split=args.validation_split, patience=args.patience,
        augmentation=Augmentation(rotation=args.rotation, translation=args.translation, zoom=args.zoom),
        limit=args.limit, seed=args.seed, devices=args.devices,
    )
    from explorer.core.train.history import save_history_csv
    from explorer.core.train.trainer import Trainer
    from explorer.core.train.updates import RUN_ENDS, Diverged, EpochDone, Failed, RunStarted, Stopped

    try:
        trainer = Trainer(config, checkpoint_dir=args.checkpoint_dir)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    _quiet_tensorflow_import()

    outcome = {}

    def report(update) -> None:
        if isinstance(update, RunStarted) and args.base is not None:
            _print_json(layers_line(trainer.model))
        elif isinstance(update, EpochDone):
            metrics = update.metrics
            line = {"epoch": update.epoch}
            for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
                line[key] = _number(metrics.get(key))
            line["samples_per_s"] = round(update.samples_per_s, 1)
            _print_json(line)
            if update.message:  # e.g. a checkpoint could not be written
                print(f"note: {update.message}", file=sys.stderr)
        elif isinstance(update, RUN_ENDS):
            outcome["final"] = update

    trainer.run(report)
    final = outcome.get("final")
    if final is None or isinstance(final, (Failed, Diverged)):
        raise CliError(final.message if final is not None else "training ended without a result")
    from explorer.core.model.model_files import ModelFileError, save_model

    try:
        written = save_model(trainer.model, args.out)
        if args.history:
            save_history_csv(args.history, final.history)
    except ModelFileError as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"cannot write the output: {exc.strerror or exc}") from None
    evaluation = final.evaluation
    summary = {
        "test_loss": _number(evaluation.test_loss) if evaluation else None,
        "test_accuracy": _number(evaluation.test_accuracy) if evaluation else None,
        "epochs": len(next(iter(final.history.values()), ())),
        "stopped": isinstance(final, Stopped),
        "out": str(written),
    }
    _print_json(summary)
    return 0


def _quiet_tensorflow_import() -> None:
    """Import TensorFlow and initialise its devices now, with its C++ start-up chatter kept off stderr.

    TF 2.21 writes "oneDNN custom operations are on", "Could not find cuda
    drivers" ... through absl before its log level applies, whatever
    TF_CPP_MIN_LOG_LEVEL says, and "failed call to cuInit" when it first
    looks for devices (which --devices does before any data loads); errors of
    this command must stay one line. FME_DEBUG=1 keeps the chatter.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from explorer.core import tf_backend

    def load() -> None:
        tf_backend.load().config.list_logical_devices()

    if tf_backend.loaded() is not None or os.environ.get("FME_DEBUG") == "1":
        load()
        return
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        load()
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _number(value):
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _print_json(data: dict) -> None:
    print(json.dumps(data), flush=True)


COMMAND = Subcommand(name="train", help="train a convnet and save it as a .keras file",
                               description=DESCRIPTION, add_arguments=_add_arguments, run=_run)
