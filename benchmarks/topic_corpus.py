"""A synthetic four-topic corpus for judging fine-tuning (sports, business, science, health).

Sentences come from topic-neutral templates, so only the topic phrases carry the
label. Each topic has ~75 phrases drawn with Zipf-like frequencies, like real
vocabulary: a few are common, most are rare, so the held-out part is full of
phrases seen once or never in training. A bag-of-words model can only use the
phrases it has seen; a pretrained encoder knows that "goalkeeper" and "penalty
shootout" are sport even if training never showed them. Some phrases sit between
topics (a clinical trial, health insurance, cardio), a quarter of the sentences
also mention a phrase of another topic in passing, and a share of labels is
flipped, so neither model can be perfect.

    .venv/bin/python benchmarks/topic_corpus.py OUT.csv [--rows 2400] [--noise 0.05] [--seed 0]
"""
from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path
from typing import Callable, Sequence

PHRASES = {
    "sports": """goalkeeper|striker|midfielder|penalty kick|touchdown|quarterback|slam dunk|free throw|marathon|
        sprinter|hurdles|javelin throw|tennis racket|grand slam final|wicket|batsman|home run|pitcher|hat-trick|
        offside rule|referee|umpire|playoffs|championship game|tournament bracket|relay race|velodrome|peloton|
        yellow card|penalty shootout|golf course|birdie on the ninth hole|putter|ski slope|slalom|snowboarder|
        figure skater|hockey puck|goalpost|stadium|locker room|head coach|transfer window|league table|local derby|
        rugby scrum|boxing ring|knockout punch|heavyweight title|wrestler|gymnast|balance beam|swimmer|backstroke|
        rowing crew|regatta|jockey|racecourse|cricket pitch|Olympic medal|world cup qualifier|season opener|
        batting average|dribbling|fast break|rebound|overtime|scoreboard|cheering fans|varsity team|training camp|
        personal best|podium finish|lap record|cardio workout""",
    "business": """quarterly earnings|shareholders|dividend|stock price|merger|acquisition|startup founders|
        venture capital|initial public offering|balance sheet|revenue|profit margin|layoffs|chief executive|
        board of directors|supply chain|inflation|interest rates|central bank|bond yields|hedge fund|investors|
        bankruptcy filing|quarterly forecast|retail sales|consumer spending|tariffs|exports|trade deficit|
        market share|brand strategy|advertising campaign|franchise|wholesale prices|invoice|accounting department|
        auditors|tax returns|payroll|unemployment rate|labour union|real estate market|mortgage|bank loan|
        credit rating|Wall Street|stock exchange|commodity prices|oil prices|currency|exchange rate|pension fund|
        insurance premiums|small business owners|online retailers|logistics company|warehouse|shipping costs|
        price hike|discount sale|sales target|annual report|earnings call|investment portfolio|asset management|
        private equity|crowdfunding|bookkeeping|profit warning|cash flow|corporate debt|economists|recession|
        gross domestic product|health insurance plans""",
    "science": """telescope|distant galaxy|black hole|astronomers|particle accelerator|quantum computer|algorithm|
        software update|semiconductor|microchip|laboratory|experiment|hypothesis|physicists|chemists|molecule|
        DNA sequencing|genome|fossil|paleontologists|dinosaur bones|climate model|satellite|rocket launch|
        Mars rover|space station|robotics|artificial intelligence|neural network|encryption|cybersecurity|
        smartphone chip|processor|battery technology|solar panels|nuclear fusion|electron|laser|microscope|
        peer review|research paper|spectrometer|volcano|earthquake sensors|ocean currents|glacier|meteorite|
        comet|exoplanet|gravitational waves|superconductor|3D printer|drone|self-driving car|open-source code|
        programmers|cloud computing|data centre|bandwidth|fibre optics|nanotechnology|chemical reaction|
        periodic table|isotope|biologists|evolution|ecosystem|new species|botanists|geologists|archaeologists|
        excavation|observatory|equation|mathematicians|theorem|clinical trial data""",
    "health": """vaccine|hospital ward|nurses|surgeon|clinic|diagnosis|symptoms|fever|antibiotics|prescription|
        pharmacy|blood pressure|cholesterol|diabetes|heart attack|cancer screening|chemotherapy|physiotherapy|
        mental health|therapist|depression|anxiety|sleep problems|nutrition|diet|vitamins|obesity|flu season|
        outbreak|epidemic|infection|immune system|allergies|asthma|inhaler|emergency room|ambulance|paramedics|
        patients|doctors|family physician|dentist|cavities|eye exam|hearing loss|pregnancy|midwife|newborn|
        paediatrician|elderly care|nursing home|dementia|painkillers|side effects|placebo|dosage|recovery|
        rehabilitation|wound|stitches|x-ray|MRI scan|bone fracture|plaster cast|blood test|insulin|
        public health officials|hand washing|quarantine|migraine|skin rash|sunscreen|fitness routine|
        clinical trial|health insurance claims""",
}
TEMPLATES = (
    "Reports this week focused on the {a}.",
    "Everyone was talking about the {a} {when}.",
    "A long article about the {a} appeared {when}, and readers had questions.",
    "{When_cap} the {a} was the main subject of the discussion.",
    "I read something about the {a} while waiting for the bus.",
    "The {a} turned out to be more complicated than anyone expected.",
    "Nobody expected the {a} to get this much attention.",
    "My neighbour would not stop talking about the {a}.",
    "There was a short segment on the {a} in the evening programme.",
    "People online argued for hours about the {a}.",
    "The podcast spent an entire episode on the {a}.",
    "A friend sent me a link about the {a} {when}.",
)
ASIDES = (
    " The {b} was mentioned only in passing.",
    " Someone briefly compared it to the {b}.",
    " The piece ended with a short note on the {b}.",
)
WHEN = ("yesterday", "this morning", "last night", "over the weekend", "on Monday", "this week", "recently")
ZIPF = 1.1          # phrase frequency falls as 1 / rank ** ZIPF
ASIDE_SHARE = 0.25  # sentences that also mention another topic's phrase


def phrases() -> dict[str, list[str]]:
    return {topic: [p.strip() for p in text.split("|") if p.strip()] for topic, text in PHRASES.items()}


def make_rows(rows: int = 2400, noise: float = 0.05, seed: int = 0) -> list[dict[str, str]]:
    """Shuffled {"text", "label"} rows, balanced over the topics, with ``noise`` of the labels flipped."""
    rng = random.Random(seed)
    pools = phrases()
    weights = {}
    for topic, pool in pools.items():
        rng.shuffle(pool)  # which phrases are common is itself random
        weights[topic] = [1.0 / (rank + 1) ** ZIPF for rank in range(len(pool))]
    topics = list(pools)
    out = []
    for i in range(rows):
        topic = topics[i % len(topics)]
        a = rng.choices(pools[topic], weights[topic])[0]
        when = rng.choice(WHEN)
        text = rng.choice(TEMPLATES).format(a=a, when=when, When_cap=when[0].upper() + when[1:] + ",")
        if rng.random() < ASIDE_SHARE:
            other = rng.choice([t for t in topics if t != topic])
            text += rng.choice(ASIDES).format(b=rng.choices(pools[other], weights[other])[0])
        label = rng.choice([t for t in topics if t != topic]) if rng.random() < noise else topic
        out.append({"text": text, "label": label})
    rng.shuffle(out)
    return out


def split(rows: Sequence[dict], held_out: float, seed: int = 0) -> tuple[list[dict], list[dict]]:
    """A stratified (train, held-out) split."""
    from sklearn.model_selection import train_test_split

    train, test = train_test_split(list(rows), test_size=held_out, random_state=seed,
                                   stratify=[r["label"] for r in rows])
    return train, test


def write_csv(path: Path, rows: Sequence[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, ["text", "label"])
        writer.writeheader()
        writer.writerows(rows)
    return path


def corpus_main(make: Callable[[int, float, int], list[dict]], rows: int, noise: float) -> int:
    """Write a corpus to the CSV named on the command line (each corpus module's ``main``)."""
    parser = argparse.ArgumentParser(description="Write a synthetic labelled corpus as a CSV (text, label).")
    parser.add_argument("out", type=Path)
    parser.add_argument("--rows", type=int, default=rows)
    parser.add_argument("--noise", type=float, default=noise)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    write_csv(args.out, make(args.rows, args.noise, args.seed))
    print(f"wrote {args.rows} rows to {args.out}")
    return 0


def main() -> int:
    return corpus_main(make_rows, rows=2400, noise=0.05)


if __name__ == "__main__":
    raise SystemExit(main())
