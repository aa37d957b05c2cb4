"""Which devices a run trains on: the ``devices`` setting, read and turned into a ``tf.distribute`` strategy.

``devices`` is 1 (the default), a whole number N > 1, or ``"all"``. One device
means TensorFlow's default strategy: exactly how a plain ``model.fit`` trains,
no wrapper, no extra cost. More than one means a ``tf.distribute.MirroredStrategy``
over the first N (or all) GPUs, or, on a machine without GPUs, over its logical
CPU devices (which is how the tests run it). The batch size stays the global
batch: Keras' ``fit`` splits each batch between the replicas.

:func:`parse_devices` and :func:`check_devices` need no TensorFlow (the command
line and the studio use them); :func:`strategy_for` imports it.
"""

from __future__ import annotations

from numbers import Integral

__all__ = ["ALL", "DeviceError", "check_devices", "describe_devices", "parse_devices", "strategy_for"]

#: The ``devices`` value that means every GPU (or, without GPUs, every logical CPU device).
ALL = "all"


class DeviceError(ValueError):
    """More devices were asked for than the machine has (the message is one sentence for people)."""


def check_devices(devices) -> None:
    """Refuse a ``devices`` value that is neither ``"all"`` nor a whole number >= 1.

    Raises
    ------
    ValueError
        With a sentence naming the value.
    """
    if devices == ALL and isinstance(devices, str):
        return
    if isinstance(devices, bool) or not isinstance(devices, Integral) or devices < 1:
        raise ValueError(f"devices must be 'all' or a whole number >= 1, got {devices!r}")


def parse_devices(text: str) -> int | str:
    """``"all"`` or a whole number >= 1, from text such as a command-line argument.

    Parameters
    ----------
    text : str
        ``"all"`` (any case) or digits.

    Returns
    -------
    int or str
        The number, or :data:`ALL`.

    Raises
    ------
    ValueError
        If `text` is neither (the message names it).
    """
    cleaned = str(text).strip().lower()
    if cleaned == ALL:
        return ALL
    try:
        number = int(cleaned)
    except ValueError:
        raise ValueError(f"devices must be 'all' or a whole number >= 1, got {text!r}") from None
    check_devices(number)
    return number


def _candidates(tf) -> list[str]:
    """The devices a multi-device run may use: the logical GPUs, else the logical CPUs."""
    gpus = tf.config.list_logical_devices("GPU")
    return [d.name for d in (gpus or tf.config.list_logical_devices("CPU"))]


def strategy_for(tf, devices):
    """The ``tf.distribute`` strategy for `devices`.

    Parameters
    ----------
    tf : module
        The imported ``tensorflow``.
    devices : int or str
        1, N > 1 or ``"all"`` (see :func:`check_devices`).

    Returns
    -------
    tf.distribute.Strategy
        ``tf.distribute.get_strategy()`` (the default strategy, one replica)
        for 1, and for ``"all"`` on a machine with one device; else a
        ``MirroredStrategy`` over the first N (or all) GPUs, or the logical
        CPU devices when there is no GPU.

    Raises
    ------
    DeviceError
        If N is larger than the number of devices found.
    """
    check_devices(devices)
    if devices == 1:
        return tf.distribute.get_strategy()
    found = _candidates(tf)
    if devices != ALL and devices > len(found):
        kind = "GPU" if tf.config.list_logical_devices("GPU") else "CPU"
        raise DeviceError(f"{devices} devices were asked for, but this machine has only {len(found)} "
                          f"{kind} device{'s' if len(found) != 1 else ''}: choose 1, all or at most {len(found)}")
    chosen = found if devices == ALL else found[:devices]
    if len(chosen) == 1:
        return tf.distribute.get_strategy()
    return tf.distribute.MirroredStrategy(chosen)


def describe_devices(strategy) -> str:
    """``"on 2 devices (CPU:0, CPU:1)"`` for a multi-replica strategy, ``""`` for one replica."""
    replicas = int(strategy.num_replicas_in_sync)
    if replicas == 1:
        return ""
    names = getattr(strategy.extended, "worker_devices", ())
    short = ", ".join(name.rsplit("device:", 1)[-1] for name in names)
    return f"on {replicas} devices ({short})" if short else f"on {replicas} devices"
