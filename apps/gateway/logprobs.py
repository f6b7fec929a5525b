"""A classification's confidence from the answer's token log-probabilities (plain Python).

``llm.classify`` asks for JSON ``{"label": …, "confidence": …}`` and, from OpenAI-compatible
providers, for each token's log-probability with its most likely alternatives. The
confidence is then the model's probability of the chosen label rather than the number it
wrote, which language models pick poorly.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence

from apps.gateway.providers import TokenLogprob

_LABEL_VALUE = re.compile(r'"label"\s*:\s*"((?:[^"\\]|\\.)*)"')


def label_confidence(text: str, tokens: Sequence[TokenLogprob], labels: Sequence[str]) -> float | None:
    """The probability the model gives the label it chose, among ``labels``; None when the
    tokens do not allow one (they do not spell ``text``, or the label is not found in it).

    1. The label's tokens are those that overlap the characters of the ``"label"`` value in
       the answer; their joint probability is ``p = exp(sum of their logprobs)`` — the
       probability of writing this label once the text before it is written.
    2. The alternatives listed at the first of them (``top_logprobs``) that, after the same
       leading characters (``"`` or ``": "``), begin another label give that label's share:
       at most their probability, as its later tokens have probabilities of at most 1. A
       label absent from the list ranked below every listed alternative, so it counts with
       the least listed probability.
    3. The confidence is ``p / (p + the other labels' shares)``: normalised over the labels
       (a schema-constrained answer can only be one of them, so mass on other tokens is not
       doubt between labels), and conservative where alternatives are unlisted. Without a
       list of alternatives the other labels' shares are unknown and the confidence is ``p``
       itself (a lower bound).
    """
    if not tokens or "".join(t.token for t in tokens) != text:
        return None
    found = _LABEL_VALUE.search(text)
    if found is None:
        return None
    chosen = json.loads(f'"{found.group(1)}"')
    if chosen not in labels:
        return None
    start, end = found.span(1)
    if start == end:
        return None
    covering, offset = [], 0
    for token in tokens:
        token_start, offset = offset, offset + len(token.token)
        if offset > start and token_start < end:
            covering.append((token_start, token))
    first_start, first = covering[0]
    chosen_probability = math.exp(sum(token.logprob for _, token in covering))
    others = [label for label in labels if label != chosen]
    if not others:
        return 1.0
    if not first.top:
        return min(chosen_probability, 1.0)
    lead = first.token[: max(start - first_start, 0)]
    shares = dict.fromkeys(others, 0.0)
    listed = [(alternative, logprob) for alternative, logprob in first.top if alternative != first.token]
    for alternative, logprob in listed:
        if not alternative.startswith(lead) or len(alternative) == len(lead):
            continue
        rest = alternative[len(lead):]
        if _begins(rest, chosen):
            continue  # the chosen label, tokenized another way
        for label in others:
            if _begins(rest, label):
                shares[label] += math.exp(logprob)
                break
    least = min(math.exp(logprob) for _, logprob in first.top)
    for label, share in shares.items():
        if share == 0.0:
            shares[label] = least
    confidence = chosen_probability / (chosen_probability + sum(shares.values()))
    return min(max(confidence, 0.0), 1.0)


def _begins(rest: str, label: str) -> bool:
    """Whether a token's text after the value's opening may begin the JSON string ``label``."""
    written = json.dumps(label, ensure_ascii=False)[1:]  # the escaped label and its closing quote
    return written.startswith(rest) or rest.startswith(written)
