"""A held-out text corpus in another style: customer messages (support tickets, shop reviews, forum headlines).

Settings of the classifier's export were chosen on topic_corpus.py (news-like sentences about four
topics, one template family). This corpus shares nothing with it: five intents of a customer
writing to a shop (billing, delivery, technical fault, account access, praise), written as a terse
ticket subject, a chatty review, a forum headline or a long angry e-mail, with typos, shouting,
emoji-free slang, order numbers and amounts. Many messages mention a second intent in passing
("refund" in a delivery complaint, "password" in a fault report), so a share of rows sits near a
decision boundary, where an INT8 model flips first. A few labels are wrong, as in real data.

    .venv/bin/python benchmarks/ticket_corpus.py OUT.csv [--rows 3000] [--noise 0.03] [--seed 0]
"""
from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))

from topic_corpus import corpus_main, split, write_csv  # noqa: E402,F401  (the same split, CSV writer and command line)

#: intent -> what a customer names when they write about it (Zipf-weighted in make_rows)
CUES = {
    "billing": ["charged twice", "refund", "invoice", "double payment", "wrong amount on my card", "VAT number",
                "overcharged", "subscription fee", "promo code did not apply", "receipt", "chargeback",
                "the price changed at checkout", "billing address", "direct debit", "cancelled but still billed",
                "instalment plan", "credit note", "paypal payment", "bank transfer", "late fee"],
    "delivery": ["parcel", "tracking number", "courier", "package never arrived", "delivered to the wrong house",
                 "shipping delay", "left at the door in the rain", "the box was crushed", "missing item in the box",
                 "delivery slot", "customs hold", "signed for by someone else", "express shipping",
                 "stuck at the depot", "return label", "driver did not knock", "pickup point", "lost in transit",
                 "dispatch date", "wrong size was sent"],
    "technical": ["app crashes", "error 500", "screen goes black", "will not turn on", "firmware update",
                  "bluetooth keeps disconnecting", "battery drains overnight", "overheats", "wifi drops",
                  "the page will not load", "sync fails", "blue screen", "stuck on the logo", "no sound",
                  "driver install failed", "touchscreen unresponsive", "freezes after an hour", "camera is blurry",
                  "charger stopped working", "update bricked it"],
    "account": ["password reset", "locked out", "two-factor code", "cannot log in", "email address change",
                "account was hacked", "delete my account", "username taken", "verification email never came",
                "profile settings", "security question", "login link expired", "merge two accounts",
                "someone else used my account", "change my phone number", "account suspended", "privacy settings",
                "sign-in loop", "data export request", "linked my old email"],
    "praise": ["great service", "thank you so much", "five stars", "really helpful agent", "love the product",
               "quick and friendly", "exceeded my expectations", "will order again", "best purchase this year",
               "the support team was brilliant", "works perfectly", "lovely packaging", "very impressed",
               "top quality", "kind staff", "recommend to everyone", "smooth experience", "happy customer",
               "well done team", "absolutely delighted"],
}
OPENERS = ("Hi,", "Hello team,", "URGENT:", "Re:", "Good morning,", "hey", "To whom it may concern,", "", "", "")
TICKET = ("{cue}", "{cue} - order #{order}", "{Cue}!!", "{cue} again", "Question about {cue}",
          "{cue}, please help", "order {order}: {cue}")
REVIEW = ("Bought this {when}. {Cue}. {mood}", "{mood} {Cue}, to be honest.", "{Cue} and {mood_lower}",
          "Rating {stars}/5. {Cue}.", "{Cue}. That is all I have to say.")
HEADLINE = ("Customers report {cue} after {event}", "Why is everyone posting about {cue}?",
            "Thread: {cue} ({count} replies)", "PSA: {cue} since {event}")
EMAIL = ("{opener} I am writing because of {cue}. I contacted you {when} and nothing happened. {aside}"
         "My order number is {order}. {mood}",
         "{opener} {Cue}. I have been a customer for {years} years and this is the first time. {aside}{mood}",
         "{opener} quick one: {cue}? {aside}Thanks, {name}")
ASIDES = ("I also saw something about {other} but that is not the main thing. ",
          "(Last time it was {other}, which you fixed.) ",
          "My friend had {other} with you too. ")
MOODS = ("Not happy.", "Please sort this out.", "Thanks in advance.", "Really disappointed!", "Cheers.",
         "This is unacceptable.", "Appreciate it.", "Any update would be great.")
WHEN = ("last week", "yesterday", "on Friday", "two days ago", "this morning", "a month ago")
EVENTS = ("the weekend sale", "the latest update", "the holidays", "the price change", "the new app")
NAMES = ("Sam", "Priya", "Tom", "Ana", "Jules", "Kemal", "Mia")
ASIDE_SHARE = 0.3
ZIPF = 1.0


def _fill(template: str, cue: str, other: str, rng: random.Random) -> str:
    mood = rng.choice(MOODS)
    text = template.format(
        cue=cue, Cue=cue[0].upper() + cue[1:], other=other, order=rng.randint(10000, 99999), when=rng.choice(WHEN),
        mood=mood, mood_lower=mood[0].lower() + mood[1:], stars=rng.randint(1, 5), event=rng.choice(EVENTS),
        count=rng.randint(2, 400), opener=rng.choice(OPENERS), years=rng.randint(2, 12), name=rng.choice(NAMES),
        aside=rng.choice(ASIDES).format(other=other) if rng.random() < ASIDE_SHARE else "")
    return " ".join(text.split())


def _typos(text: str, rng: random.Random) -> str:
    """A few real-world slips: a swapped letter pair, shouting, a missing capital."""
    roll = rng.random()
    if roll < 0.1 and len(text) > 8:
        i = rng.randrange(1, len(text) - 2)
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]
    if roll < 0.15:
        return text.upper()
    if roll < 0.3:
        return text.lower()
    return text


def make_rows(rows: int = 3000, noise: float = 0.03, seed: int = 0) -> list[dict[str, str]]:
    """Shuffled {"text", "label"} rows, balanced over the intents and the four styles, ``noise`` of labels wrong."""
    rng = random.Random(seed)
    intents = list(CUES)
    weights = {k: [1.0 / (r + 1) ** ZIPF for r in range(len(v))] for k, v in CUES.items()}
    styles: list[tuple[str, ...]] = [TICKET, REVIEW, HEADLINE, EMAIL]
    pick: Callable[[str], str] = lambda intent: rng.choices(CUES[intent], weights[intent])[0]
    out = []
    for i in range(rows):
        intent = intents[i % len(intents)]
        other = pick(rng.choice([k for k in intents if k != intent]))
        text = _typos(_fill(rng.choice(styles[(i // len(intents)) % len(styles)]), pick(intent), other, rng), rng)
        label = rng.choice([k for k in intents if k != intent]) if rng.random() < noise else intent
        out.append({"text": text, "label": label})
    rng.shuffle(out)
    return out


def main() -> int:
    return corpus_main(make_rows, rows=3000, noise=0.03)


if __name__ == "__main__":
    raise SystemExit(main())
