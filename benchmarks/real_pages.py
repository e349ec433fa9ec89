"""How the model does on real scraped pages: `classifier clean` against gold article text, and
the five labels on line-by-line labelled real pages.

Reads a real-pages folder (default ``../shared/realdev`` beside the checkout): ``pages.jsonl``
(``{"id", "text"}``), ``truth.jsonl`` (``{"id", "article"}``) and optionally ``labelled.jsonl``
(labelled-pages JSONL). Prints the article metric (4-token shingles, as article-extraction
benchmarks score) for two simple baselines and for ``clean`` with the model, then the model's
per-label F1, macro-F1 and calibration on the labelled pages. Those pages are a third party's
text: they are read here to measure, never copied into the repository.

    python benchmarks/real_pages.py                      # the default model
    python benchmarks/real_pages.py --model model.joblib --html worst.html
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from classifier import load_model
from classifier.evaluation.articles import evaluate_cleaning, read_articles, score_kept
from classifier.evaluation.evaluate import evaluate_model
from classifier.evaluation.pageview import write_worst_pages
from classifier.io.labelled import read_labelled

REPO = Path(__file__).resolve().parent.parent
LONG_LINE_WORDS = 20


def _pages(path: Path) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return [(str(r["id"]), r["text"]) for r in map(json.loads, fh) if r]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--realdev", type=Path, default=REPO.parent / "shared" / "realdev")
    parser.add_argument("--model", help="artifact to measure (default: the built-in model)")
    parser.add_argument("--html", type=Path, help="write the worst pages' HTML view here")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    pages = _pages(args.realdev / "pages.jsonl")
    articles = read_articles(args.realdev / "truth.jsonl")
    model = load_model(args.model, quiet=True)
    rows = {
        "keep every line": score_kept(dict(pages), articles),
        f"keep lines of {LONG_LINE_WORDS}+ words": score_kept(
            {pid: "\n".join(line for line in text.split("\n")
                            if len(line.split()) >= LONG_LINE_WORDS) for pid, text in pages},
            articles),
        "classifier clean": evaluate_cleaning(pages, articles, model),
    }
    result = {name: {"f1": s.f1, "precision": s.precision, "recall": s.recall}
              for name, s in rows.items()}
    labelled_path = args.realdev / "labelled.jsonl"
    if labelled_path.is_file():
        metrics = evaluate_model(model, read_labelled([labelled_path])).metrics
        result["labelled"] = {"macro_f1": metrics["macro_f1"], "ece": metrics["ece"],
                              "pages": metrics["pages"], "segments": metrics["segments"],
                              "f1": {k: v["f1"] for k, v in metrics["per_label"].items()}}
    if args.html:
        write_worst_pages(rows["classifier clean"], args.html, 10)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"| on the {len(articles)} real pages | F1 | precision | recall |")
    print("|---|---:|---:|---:|")
    for name, s in result.items():
        if name != "labelled":
            print(f"| {name} | {s['f1']:.3f} | {s['precision']:.3f} | {s['recall']:.3f} |")
    if "labelled" in result:
        lab = result["labelled"]
        print(f"\n{lab['pages']} labelled real pages ({lab['segments']} lines): macro-F1 "
              f"{lab['macro_f1']:.3f}, ECE {lab['ece']:.3f}; F1 "
              + ", ".join(f"{k} {v:.3f}" for k, v in lab["f1"].items()))


if __name__ == "__main__":
    main()
