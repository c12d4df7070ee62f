"""The generator: the hand-written KV-cache loop agrees with transformers, sampling, streaming, stop."""
from __future__ import annotations

import pytest

from models.generate import generator
from models.core.events import Cancelled, CancelToken, Log, ModelDeskError, Partial
from models.generate.generator import generate, sample_token
from models.generate.sampling import Sampling
from models.generate.text_stream import StreamDecoder
from tests.fixtures.text_models import GPT2_POSITIONS

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def partials(events: list) -> list[str]:
    return [e.text for e in events if isinstance(e, Partial)]


def test_greedy_generation_matches_transformers(tiny_gpt2):
    events = []
    text = generate(tiny_gpt2, "the film", max_new_tokens=20, temperature=0, progress=events.append)
    lm = generator.load(tiny_gpt2)
    ids = lm.tokenizer("the film", return_tensors="pt").input_ids
    reference = lm.model.generate(ids, max_new_tokens=20, do_sample=False, pad_token_id=lm.tokenizer.eos_token_id)
    assert text == lm.tokenizer.decode(reference[0, ids.shape[1]:], skip_special_tokens=True)
    assert "".join(partials(events)) == text and len(partials(events)) > 1


def test_seed_makes_sampling_repeatable(tiny_gpt2):
    settings = dict(max_new_tokens=15, temperature=1.0, top_k=0, top_p=1.0)
    first = generate(tiny_gpt2, "hello", seed=3, **settings)
    assert generate(tiny_gpt2, "hello", seed=3, **settings) == first
    assert generate(tiny_gpt2, "hello", seed=4, **settings) != first


def test_sampling_filters():
    import torch

    logits = torch.log(torch.tensor([0.1, 0.4, 0.3, 0.2]))
    gen = torch.Generator().manual_seed(0)

    def draws(n: int, **settings) -> set[int]:
        sampling = Sampling(**{"temperature": 1.0, "top_k": 0, "top_p": 1.0, **settings})
        return {sample_token(logits, sampling, gen) for _ in range(n)}

    assert sample_token(logits, Sampling(temperature=0.0)) == 1
    assert draws(20, temperature=5.0, top_k=1) == {1}
    assert draws(20, top_p=0.05) == {1}
    # nucleus 0.5: 0.4 alone is short of it, 0.4 + 0.3 reaches it, so tokens 1 and 2 remain
    assert draws(200, top_p=0.5) == {1, 2}
    assert draws(300, top_k=3) == {1, 2, 3}
    # min-p 0.6: only tokens at least 0.6 x the top probability (0.24) remain: 0.4 and 0.3
    assert draws(200, min_p=0.6) == {1, 2}
    assert draws(300, min_p=0.0) == {0, 1, 2, 3}


def test_repetition_penalty_pushes_seen_tokens_down():
    import torch

    logits = torch.tensor([2.0, 1.9, -1.0, -1.2])
    seen = torch.tensor([0])
    assert sample_token(logits, Sampling(temperature=0)) == 0
    assert sample_token(logits, Sampling(temperature=0, repetition_penalty=1.2), seen=seen) == 1
    # a negative logit is multiplied, so a seen token falls further behind
    assert sample_token(logits[2:], Sampling(temperature=0, repetition_penalty=1.3), seen=torch.tensor([0])) == 1


def test_stream_decoder_never_splits_a_character(tiny_gpt2):
    lm = generator.load(tiny_gpt2)
    text = " naïve 日本語 ok"
    ids = lm.tokenizer(text)["input_ids"]
    decoder = StreamDecoder(lm.tokenizer, lm.tokenizer("the")["input_ids"])
    pieces = [decoder.push(i) for i in ids]
    assert "".join(pieces) + decoder.flush() == text
    assert "" in pieces, "a character spread over several byte tokens is held back until complete"
    assert not any("\ufffd" in p for p in pieces)


def test_stop_returns_the_text_so_far(tiny_gpt2):
    token = CancelToken()
    events = []

    def on_event(event):
        events.append(event)
        if len(partials(events)) == 3:
            token.cancel()

    text = generate(tiny_gpt2, "the film", max_new_tokens=50, temperature=0, progress=on_event, cancel=token)
    assert text == "".join(partials(events)) and len(partials(events)) == 3
    full = generate(tiny_gpt2, "the film", max_new_tokens=50, temperature=0)
    assert full.startswith(text) and len(full) > len(text)
    assert any(isinstance(e, Log) and e.message.startswith("Stopped after") for e in events)


def test_stop_before_the_first_token_raises(tiny_gpt2):
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        generate(tiny_gpt2, "the film", cancel=token)


def test_the_model_positions_are_respected(tiny_gpt2):
    lm = generator.load(tiny_gpt2)
    prompt = "the film was good " * 10
    prompt_tokens = len(lm.tokenizer(prompt)["input_ids"])
    assert prompt_tokens < GPT2_POSITIONS
    events = []
    text = generate(tiny_gpt2, prompt, max_new_tokens=500, temperature=0, progress=events.append)
    generated = len(lm.tokenizer(text)["input_ids"])
    assert generated <= GPT2_POSITIONS - prompt_tokens
    assert any(isinstance(e, Log) and "limit of" in e.message for e in events)
    events.clear()
    generate(tiny_gpt2, prompt * 3, max_new_tokens=5, temperature=0, progress=events.append)
    assert any(isinstance(e, Log) and "only its last" in e.message for e in events)


def test_end_of_sequence_stops(tiny_gpt2, monkeypatch):
    lm = generator.load(tiny_gpt2)
    first = generate(tiny_gpt2, "the film", max_new_tokens=1, temperature=0)
    monkeypatch.setattr(lm, "stop_ids", frozenset(lm.tokenizer(first)["input_ids"][:1]))
    assert generate(tiny_gpt2, "the film", max_new_tokens=10, temperature=0) == ""


@pytest.mark.parametrize("settings, message", [({"temperature": -1}, "temperature"), ({"top_p": 0}, "Top-p"),
                                               ({"max_new_tokens": 0}, "at least one"), ({"top_k": -2}, "Top-k")])
def test_bad_settings(tiny_gpt2, settings, message):
    with pytest.raises(ModelDeskError, match=message):
        generate(tiny_gpt2, "x", **settings)


def test_bad_models(tmp_path, tiny_text_classifier, tiny_gpt2, pickle_only):
    with pytest.raises(ModelDeskError, match="does not exist"):
        generate(tmp_path / "nothing", "x")
    with pytest.raises(ModelDeskError, match="is a text classifier, not a text generator"):
        generate(tiny_text_classifier, "x")
    folder = pickle_only(tiny_gpt2)
    with pytest.raises(ModelDeskError, match="pickle"):
        generate(folder, "x")
    expected = generate(tiny_gpt2, "the", max_new_tokens=5, temperature=0)
    assert generate(folder, "the", max_new_tokens=5, temperature=0, allow_pickle=True) == expected
