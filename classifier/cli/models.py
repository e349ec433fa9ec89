"""``classifier train``, ``evaluate``, ``info`` and ``export``: make, score and describe models."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ..io.formats import ArtifactFormat
from ..model.kinds import DEFAULT_KIND, ModelKind
from .app import JobsOpt, ModelOpt, QuietOpt, app, err, run_guarded

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]


@app.command()
def train(
    data: Annotated[list[str], typer.Argument(
        help="Labelled data: labelled-pages JSONL or labelled-segment CSV/Parquet, files or "
             "directories.", show_default=False)],
    output: Annotated[Path, typer.Option("--output", "-o", help="Artifact file to write.")] = Path(
        "model.joblib"),
    kind: Annotated[ModelKind, typer.Option(
        "--kind", case_sensitive=False,
        help="Model: stacked (neighbour-aware), full (one pass) or bow (baseline).")
    ] = ModelKind(DEFAULT_KIND),
    cv_folds: Annotated[int, typer.Option(
        "--cv-folds", help="Cross-validation folds grouped by source; 0 skips it.",
        min=0)] = 5,
    labels: Annotated[str | None, typer.Option(
        "--labels", help="Comma-separated custom label set (default: the five labels).")] = None,
    artifact_format: Annotated[ArtifactFormat | None, typer.Option(
        "--format", "-f", case_sensitive=False,
        help="joblib (default) or skops (safe to share; default when the output ends in "
             ".skops).")] = None,
    jobs: JobsOpt = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the CV scores as JSON.")] = False,
    quiet: QuietOpt = False,
) -> None:
    """Train a model, print source-grouped cross-validated scores, write one artifact.

    Example: classifier train data/corpus -o model.joblib
    """
    from ..engine.local import default_jobs
    from ..evaluation.train import train_files

    def work() -> None:
        label_set = [x.strip() for x in labels.split(",") if x.strip()] if labels else None
        result = train_files(data, output, kind, cv_folds, label_set, artifact_format,
                             n_jobs=default_jobs() if jobs <= 0 else jobs,
                             progress=None if quiet else err)
        if as_json:
            typer.echo(json.dumps(result.cv_metrics, indent=2))
        elif result.cv_metrics is not None:
            typer.echo(result.render())

    run_guarded(work)


@app.command()
def evaluate(
    data: Annotated[list[str], typer.Argument(help="Labelled data to score the model on.",
                                              show_default=False)],
    model: ModelOpt = None,
    as_json: JsonOpt = False,
    report: Annotated[Path | None, typer.Option(
        "--report", help="Directory for metrics (JSON, Markdown), confusion-matrix and "
                         "reliability PNGs, and a CSV of misclassified segments.")] = None,
    quiet: QuietOpt = False,
) -> None:
    """Score a model on labelled data: per-label P/R/F1, macro-F1, confusion matrix.

    Example: classifier evaluate data/corpus -m model.joblib --json
    """
    from ..evaluation.evaluate import evaluate_files

    def work() -> None:
        evaluation = evaluate_files(data, model, report, quiet=quiet)
        if report is not None and not quiet:
            err(f"wrote the report to {report}")
        typer.echo(json.dumps(evaluation.metrics, indent=2) if as_json
                   else evaluation.render())

    run_guarded(work)


@app.command("evaluate-clean")
def evaluate_clean(
    inputs: Annotated[list[str], typer.Argument(
        help="Pages, in any format predict reads.", show_default=False)],
    gold: Annotated[Path, typer.Option(
        "--gold", "-g", help='Gold article text: JSONL of {"id", "article"}.',
        show_default=False)],
    model: ModelOpt = None,
    keep: Annotated[list[str] | None, typer.Option(
        "--keep", "-k", help="Labels clean keeps (repeat the option); default: news.")] = None,
    worst: Annotated[int, typer.Option(
        "--worst", help="How many worst pages to list (and show in --html).", min=0)] = 10,
    html: Annotated[Path | None, typer.Option(
        "--html", help="Write an HTML view of the worst pages: lines coloured by label "
                       "beside the gold article.")] = None,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Score what clean keeps against gold article text: article F1, precision, recall.

    The metric of article-extraction benchmarks: 4-token shingles, precision averaged over
    pages where something was kept, recall over all pages, worst pages listed.

    Example: classifier evaluate-clean pages.jsonl --gold articles.jsonl --html worst.html
    """
    from ..evaluation.articles import evaluate_cleaning_files
    from ..labels import DEFAULT_KEEP

    def work() -> None:
        scores = evaluate_cleaning_files(inputs, gold, model, tuple(keep or DEFAULT_KEEP),
                                         html, worst, quiet)
        typer.echo(json.dumps(scores.as_dict(worst), indent=2) if as_json
                   else scores.render(worst))
        if html is not None and not quiet:
            err(f"wrote {html}")

    run_guarded(work)


@app.command()
def info(
    path: Annotated[str | None, typer.Argument(
        help="Artifact file; default: the built-in model.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Print an artifact's metadata: labels, versions, training data, CV scores.

    Example: classifier info model.joblib
    """
    from ..evaluation.model_card import describe_model

    def work() -> None:
        card = describe_model(path)
        typer.echo(card.as_json() if as_json else card.render())

    run_guarded(work)


@app.command()
def export(
    model: Annotated[str, typer.Argument(help="Artifact to convert (.joblib).",
                                         show_default=False)],
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write.")] = Path(
        "model.skops"),
    artifact_format: Annotated[ArtifactFormat, typer.Option(
        "--format", "-f", case_sensitive=False,
        help="skops (safe to share and load) or joblib.")] = ArtifactFormat.SKOPS,
) -> None:
    """Convert an artifact, e.g. to the .skops format that is safe to share.

    Example: classifier export model.joblib -o model.skops
    """
    from ..model.artifact import load_model_file, save_model

    def work() -> None:
        save_model(load_model_file(model), output, artifact_format)
        err(f"wrote {output}")

    run_guarded(work)
