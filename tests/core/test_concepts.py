"""The Concepts panel's content: the seeds' numbers, computed by the app's own arithmetic."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from explorer.core import arithmetic
from explorer.core.concepts import CONCEPTS, find_concepts


def _concept(title: str):
    return next(c for c in CONCEPTS if c.title == title)


def test_worked_examples_show_the_seeds_numbers():
    assert "= 26" in _concept("Output size").example
    assert "= 13" in _concept("Max pooling").example
    params = _concept("Parameters of a Conv2D layer").example
    assert "(3·3·1 + 1)·32 = 320" in params and "(3·3·32 + 1)·64 = 18,496" in params
    assert "36,928" in _concept("Flatten and Dense").example
    assert "= 32" in _concept("Padding").example


def test_every_concept_explains_itself():
    titles = [c.title for c in CONCEPTS]
    assert len(titles) == len(set(titles))
    for concept in CONCEPTS:
        assert concept.text.endswith(".") and len(concept.text) > 40, concept.title


@given(n=st.integers(1, 200), f=st.integers(1, 9), s=st.integers(1, 5))
def test_the_notes_padding_rules_match_the_arithmetic(n, f, s):
    # The Padding concept quotes seed 002: same = ⌈n/S⌉, valid = ⌈(n − F + 1)/S⌉.
    assert arithmetic.output_size(n, f, s, "same") == math.ceil(n / s)
    if f <= n:
        assert arithmetic.output_size(n, f, s, "valid") == math.ceil((n - f + 1) / s)


def test_find_concepts_matches_every_word_in_any_case():
    assert [c.title for c in find_concepts("STRIDE halves")] == ["Stride"]
    assert find_concepts("") == CONCEPTS
    assert find_concepts("no-such-word") == ()
