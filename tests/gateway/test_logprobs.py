"""A classification's confidence from token log-probabilities: plain functions, no Django."""

from __future__ import annotations

import math

import pytest

from apps.gateway.logprobs import label_confidence
from apps.gateway.providers import TokenLogprob

LABELS = ["auto", "review"]


def tokens(*entries) -> list[TokenLogprob]:
    """``(token, probability, {alternative: probability})`` → tokens with log-probabilities."""
    return [TokenLogprob(token, math.log(p), tuple((alt, math.log(q)) for alt, q in (top or {}).items()))
            for token, p, top in entries]  # fmt: skip


def spelled(found: list[TokenLogprob]) -> str:
    return "".join(t.token for t in found)


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        # The label in two tokens (0.8 * 0.9), the other label listed at its first (0.15).
        (tokens(('{"label": "', 1.0, None), ("rev", 0.8, {"rev": 0.8, "auto": 0.15, "\n": 0.01}), ("iew", 0.9, None),
                ('", "confidence": 0.3}', 1.0, None)), 0.72 / (0.72 + 0.15)),
        # The value's first token carries the JSON before it (`": "`); alternatives do too.
        (tokens(('{"label', 1.0, None), ('": "re', 0.7, {'": "re': 0.7, '": "auto': 0.2, '": "': 0.05}),
                ("view", 1.0, None), ('"}', 1.0, None)), 0.7 / (0.7 + 0.2)),
        # The other label is not listed: it ranked below the least listed alternative (0.01).
        (tokens(('{"label": "', 1.0, None), ("review", 0.95, {"review": 0.95, " ": 0.04, "x": 0.01}),
                ('"}', 1.0, None)), 0.95 / (0.95 + 0.01)),
        # No alternatives listed at all: the label's own probability, a lower bound.
        (tokens(('{"label": "', 1.0, None), ("auto", 0.6, None), ('"}', 1.0, None)), 0.6),
        # Another way of writing the chosen label ("re" for "review") is not doubt between labels.
        (tokens(('{"label": "', 1.0, None), ("review", 0.5, {"review": 0.5, "re": 0.4, "auto": 0.1}),
                ('"}', 1.0, None)), 0.5 / (0.5 + 0.1)),
    ],
)
def test_the_confidence_is_the_label_probability_normalised_over_the_labels(answer, expected):
    confidence = label_confidence(spelled(answer), answer, LABELS)
    assert confidence == pytest.approx(expected)
    assert 0.0 <= confidence <= 1.0


def test_without_usable_tokens_there_is_no_confidence():
    answer = tokens(('{"label": "', 1.0, None), ("auto", 0.6, None), ('"}', 1.0, None))
    assert label_confidence('{"label": "review"}', answer, LABELS) is None  # not the text's tokens
    assert label_confidence(spelled(answer), [], LABELS) is None
    assert label_confidence(spelled(answer), answer, ["home", "health"]) is None  # not one of the labels
    no_label = tokens(('{"kind": "auto"}', 0.9, None))
    assert label_confidence(spelled(no_label), no_label, LABELS) is None


def test_a_label_with_quotes_and_accents_is_found():
    labels = ['say "hi"', "café"]
    answer = tokens(('{"label": "', 1.0, None), ("caf", 0.5, {"caf": 0.5, "say": 0.3}), ("é", 0.8, None),
                    ('"}', 1.0, None))  # fmt: skip
    assert label_confidence(spelled(answer), answer, labels) == pytest.approx(0.4 / (0.4 + 0.3))
