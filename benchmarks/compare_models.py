"""Model selection table: grouped CV on the training split, then the held-out split once.

For each model kind (bow, full, stacked): 5-fold cross-validation grouped by source on the
training split of ``data/split.json``; the same grouped by layout family (the corpus batch,
the letters that start a page id: each batch was written as one family of layouts, so its
sources share more than a publisher's name); then a model trained on the whole training
split is scored once on the held-out sources. Prints Markdown tables (per-label F1,
macro-F1, ECE, Brier) and the fit time of each held-out model; ``data/README.md`` quotes them.

    python benchmarks/compare_models.py               # about 20 minutes on 2 cores
    python benchmarks/compare_models.py --skip-family # about 10 minutes
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from classifier.evaluation.evaluate import evaluate_model
from classifier.evaluation.metrics import metrics_from_proba
from classifier.evaluation.train import grouped_cv, train
from classifier.io.labelled import read_labelled
from classifier.io.split import load_test_sources, split_by_source
from classifier.model.kinds import MODEL_KINDS

REPO = Path(__file__).resolve().parent.parent


def _row(kind: str, metrics: dict) -> dict:
    row = {"model": kind}
    row.update({f"F1 {label}": round(v["f1"], 3) for label, v in metrics["per_label"].items()})
    row.update({"macro-F1": round(metrics["macro_f1"], 3), "ECE": round(metrics["ece"], 3),
                "Brier": round(metrics["brier"], 3)})
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--skip-family", action="store_true",
                        help="skip the cross-validation grouped by layout family")
    args = parser.parse_args()
    frame = read_labelled([REPO / "data" / "corpus"])
    training, held_out = split_by_source(frame, load_test_sources(REPO / "data" / "split.json"))
    # the family is the batch: the letters that start a page id ("a017" -> a, "fk012" -> fk)
    training = training.assign(family=training["page_id"].astype(str).str.extract(
        r"^([^\d]+)", expand=False))
    groupings = ["source"] + ([] if args.skip_family else ["family"])
    cv_rows: dict[str, list] = {group: [] for group in groupings}
    held_rows, fits = [], []
    for kind in MODEL_KINDS:
        for group in groupings:
            proba, labels = grouped_cv(training, kind, args.folds, n_jobs=-1, group_by=group)
            cv_rows[group].append(_row(kind, metrics_from_proba(
                training["label"].to_numpy(), proba, labels)))
        started = time.perf_counter()
        model = train(training, kind=kind, cv_folds=0).model
        fits.append(f"{kind} {time.perf_counter() - started:.1f} s")
        held_rows.append(_row(kind, evaluate_model(model, held_out).metrics))
        print(f"done: {kind}", flush=True)
    for group in groupings:
        print(f"\nCV ({args.folds} folds grouped by {group}) on the training split: "
              f"{training['source'].nunique()} sources, {training['family'].nunique()} "
              f"families, {len(training)} segments\n")
        print(pd.DataFrame(cv_rows[group]).set_index("model").to_markdown())
    print(f"\nHeld-out split: {held_out['source'].nunique()} sources, "
          f"{held_out['page'].nunique()} pages, {len(held_out)} segments\n")
    print(pd.DataFrame(held_rows).set_index("model").to_markdown())
    print("\nfit on the training split (one process; `classifier train` uses every core): "
          + ", ".join(fits))


if __name__ == "__main__":
    main()
