"""Custom models as text: one layer per line, checked as you type.

    conv2d 32 3 relu          Conv2D(32, 3x3, relu)
    conv2d 64 3x3 same relu   padding same
    conv2d 16 5 stride=2      stride 2 (activation relu by default)
    maxpool 2                 MaxPooling2D(2);  avgpool 2: AveragePooling2D
    dropout 0.5
    flatten
    gap                       GlobalAveragePooling2D
    dense 64 relu

'#' starts a comment. The editor shows `LayerTextError`s with their line.
"""

from __future__ import annotations

import re

from explorer.core.model.specs import LayerSpec

ALIASES = {
    "conv": "conv2d", "conv2d": "conv2d", "maxpool": "maxpool", "maxpooling2d": "maxpool", "max": "maxpool",
    "avgpool": "avgpool", "averagepooling2d": "avgpool", "average": "avgpool", "dropout": "dropout",
    "flatten": "flatten", "gap": "gap", "globalaveragepooling2d": "gap", "dense": "dense",
}
EXAMPLE = "conv2d 32 3 relu\nmaxpool 2\nconv2d 64 3 relu\nmaxpool 2\nflatten\ndense 64 relu\n"


class LayerTextError(ValueError):
    """A line that is not a layer; `.line` is 1-based."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


def parse_layers(text: str) -> tuple:
    """Parse the text form into LayerSpecs (see the module docstring)."""
    specs = []
    for number, raw in enumerate(text.splitlines(), start=1):
        words = raw.split("#", 1)[0].lower().replace(",", " ").split()
        if words:
            specs.append(LayerSpec(**_fields(number, words)))
    return tuple(specs)


def _fields(number: int, words: list[str]) -> dict:
    kind = ALIASES.get(words[0])
    if kind is None:
        raise LayerTextError(number, f"unknown layer “{words[0]}”: use conv2d, maxpool, avgpool, dropout, "
                                     "flatten, gap or dense")
    args = words[1:]
    options = dict(word.split("=", 1) for word in args if "=" in word)
    plain = [word for word in args if "=" not in word]
    fields: dict = {"kind": kind}
    if kind == "conv2d":
        fields["filters"] = _int(number, _take(number, plain, "the number of filters, e.g. conv2d 32 3"), "filters")
        fields["kernel"] = _size(number, _take(number, plain, "the kernel size, e.g. conv2d 32 3"))
        if "stride" in options:
            fields["stride"] = _int(number, options.pop("stride"), "stride")
        for word in plain:
            fields["padding" if word in ("same", "valid") else "activation"] = word
    elif kind in ("maxpool", "avgpool"):
        if plain:
            fields["pool"] = _size(number, plain.pop(0))
        if "stride" in options:
            fields["stride"] = _int(number, options.pop("stride"), "stride")
    elif kind == "dropout":
        fields["rate"] = _float(number, _take(number, plain, "the rate, e.g. dropout 0.5"), "rate")
    elif kind == "dense":
        fields["units"] = _int(number, _take(number, plain, "the number of units, e.g. dense 64 relu"), "units")
        if plain:
            fields["activation"] = plain.pop(0)
    if options:
        raise LayerTextError(number, f"unknown option “{next(iter(options))}=” for {kind}")
    return fields


def _take(number: int, words: list[str], what: str) -> str:
    if not words:
        raise LayerTextError(number, f"missing {what}")
    return words.pop(0)


def _int(number: int, word: str, what: str) -> int:
    if not re.fullmatch(r"\d+", word):
        raise LayerTextError(number, f"{what} must be a whole number, got “{word}”")
    return int(word)


def _float(number: int, word: str, what: str) -> float:
    try:
        return float(word)
    except ValueError:
        raise LayerTextError(number, f"{what} must be a number, got “{word}”") from None


def _size(number: int, word: str):
    match = re.fullmatch(r"(\d+)(?:x(\d+))?", word)
    if not match:
        raise LayerTextError(number, f"a size must look like 3 or 3x5, got “{word}”")
    height, width = int(match.group(1)), int(match.group(2) or match.group(1))
    return height if height == width else (height, width)


def format_layers(specs) -> str:
    """The text form of LayerSpecs (parse_layers(format_layers(s)) == s for these fields)."""
    lines = []
    for spec in specs:
        if spec.kind == "conv2d":
            stride = f" stride={spec.stride}" if spec.stride not in (None, 1) else ""
            lines.append(f"conv2d {spec.filters} {_size_text(spec.kernel)} {spec.padding} {spec.activation}{stride}")
        elif spec.kind in ("maxpool", "avgpool"):
            stride = f" stride={spec.stride}" if spec.stride is not None else ""
            lines.append(f"{spec.kind} {_size_text(spec.pool)}{stride}")
        elif spec.kind == "dropout":
            lines.append(f"dropout {spec.rate}")
        elif spec.kind == "dense":
            lines.append(f"dense {spec.units} {spec.activation}")
        else:
            lines.append(spec.kind)
    return "\n".join(lines) + "\n"


def _size_text(value) -> str:
    return f"{value[0]}x{value[1]}" if isinstance(value, tuple) else str(value)
