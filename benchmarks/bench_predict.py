"""Benchmark batch labelling end to end through the CLI.

Builds a JSONL feed of N pages from the corpus pages (fresh ids; nothing is committed), runs
``classifier predict`` on it with ``--jobs 1`` and ``--jobs N``, and prints pages/s,
segments/s, MB/s and peak memory (largest single process, and the whole process tree sampled
every 50 ms, as summed RSS and as PSS), then the time ``classifier train`` takes on the
corpus. ``--stages`` first prints where labelling time goes, stage by stage, in one thread on
the feed's first pages.

    python benchmarks/bench_predict.py --pages 20000
    python benchmarks/bench_predict.py --pages 330000 --skip-train --skip-single  # ~1 GB
    python benchmarks/bench_predict.py --pages 2000 --stages --skip-train --skip-single
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def build_feed(path: Path, pages: int) -> tuple[int, int]:
    """Write ``pages`` pages cycling over the corpus; return (bytes, segments)."""
    corpus = []
    for file in sorted((REPO / "data" / "corpus").glob("*.jsonl")):
        for line in file.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            corpus.append("\n".join(item["text"] for item in record["lines"]))
    segments = 0
    with path.open("w", encoding="utf-8") as out:
        for i in range(pages):
            text = corpus[i % len(corpus)]
            segments += text.count("\n") + 1
            out.write(json.dumps({"id": f"bench-{i:08d}", "text": text}) + "\n")
    return path.stat().st_size, segments


def _tree_memory_mb(root: int) -> tuple[float, float, float]:
    """Memory of a process and all its descendants: summed resident sets (pages shared by
    several processes, like the libraries every worker maps, counted once per process), summed
    proportional sets (shared pages split between their processes: what the tree really
    uses), and the largest single resident set."""
    total = largest = proportional = 0
    pids = [root]
    seen = set()
    while pids:
        pid = pids.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            with open(f"/proc/{pid}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        largest = max(largest, int(line.split()[1]))
            with open(f"/proc/{pid}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        proportional += int(line.split()[1])
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            pids.extend(int(c) for c in children)
        except OSError:
            continue
    return total / 1024, proportional / 1024, largest / 1024


def run(command: list[str], env: dict[str, str]) -> tuple[float, float, float, float]:
    """Run a command; return seconds and the peaks of ``_tree_memory_mb`` (MB)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    peak = [0.0, 0.0, 0.0]

    def sample() -> None:
        while process.poll() is None:
            for i, value in enumerate(_tree_memory_mb(process.pid)):
                peak[i] = max(peak[i], value)
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = process.communicate()
    seconds = time.perf_counter() - started
    sampler.join()
    if process.returncode != 0:
        sys.exit(f"command failed ({process.returncode}): {' '.join(command)}\n{err}")
    return seconds, peak[0], peak[1], peak[2]


def stage_times(feed: Path, pages: int, batch_pages: int = 64) -> None:
    """Time each stage of labelling ``pages`` pages of ``feed`` in this process, one thread,
    by running the default model's own steps one after the other."""
    import numpy as np
    import scipy.sparse as sp
    from threadpoolctl import threadpool_limits

    from classifier import load_model
    from classifier.engine.outputs import LabelJob, PredictionRecords
    from classifier.features.pagetable import page_codes
    from classifier.features.structure import structure_matrix
    from classifier.io.pages import iter_pages
    from classifier.io.writers import encode_jsonl
    from classifier.model.predictor import LabelledBatch, segment_table
    from classifier.segment import segment_page

    model = load_model(quiet=True)
    stacked = model.estimator
    flat = getattr(stacked, "flat_trees_", None)

    def second_pass(inputs):  # what StackedSegmentClassifier.predict_proba runs
        if flat is None:
            return stacked.final_.predict_proba(inputs)
        from classifier.model.flat_trees import predict_proba

        return predict_proba(flat, stacked.final_, inputs)

    features = stacked.base_.named_steps["features"]
    emit = LabelJob(PredictionRecords()).emitter
    times: dict[str, float] = {}

    def timed(name, work, *args):
        started = time.perf_counter()
        value = work(*args)
        times[name] = times.get(name, 0.0) + time.perf_counter() - started
        return value

    started = time.perf_counter()
    records = timed("read", lambda: [r for _, r in zip(range(pages), iter_pages([str(feed)]))])
    segments = 0
    with threadpool_limits(limits=1):
        for first in range(0, len(records), batch_pages):
            batch = records[first:first + batch_pages]
            segmented = timed("segment", lambda pages: [segment_page(r.text) for r in pages],
                              batch)
            table = timed("segment table", segment_table, segmented)
            segments += len(table)
            blocks = []
            for name, transformer, columns in features.transformers_:
                if transformer != "drop":
                    blocks.append(timed(f"features: {name}", transformer.transform,
                                        table[columns]))
            matrix = timed("features: stack", lambda parts: sp.hstack(
                [b if sp.issparse(b) else sp.csr_matrix(b) for b in parts],
                format="csr").astype(np.float32), blocks)
            first_pass = timed("first pass (linear)",
                               stacked.base_.named_steps["classify"].predict_proba, matrix)
            inputs = timed("second-pass inputs", stacked._second_pass_inputs, first_pass, table,
                           matrix)
            timed("  of which structure", structure_matrix, [str(t) for t in table["text"]],
                  page_codes(table["page"]))
            proba = timed("second pass (trees)", second_pass, inputs)

            def build(batch, segmented, proba) -> list:
                chosen = proba.argmax(axis=1)
                flat = [seg for segs in segmented for seg in segs]
                labelled = LabelledBatch(
                    np.array([len(s) for s in segmented]), np.array([s.start for s in flat]),
                    np.array([s.end for s in flat]), chosen.astype(np.int16),
                    proba[np.arange(len(proba)), chosen], model.labels)
                out = []
                for record, (row, count) in zip(batch, labelled.page_rows()):
                    out.extend(emit(record.id, record.text, labelled, row, count))
                return out

            timed("encode JSON", encode_jsonl, timed("records", build, batch, segmented, proba))
    total = time.perf_counter() - started - times["  of which structure"]
    print(f"stages, one thread, {len(records)} pages, {segments} segments: {total:.2f} s, "
          f"{segments / total:,.0f} segments/s")
    for name, seconds in sorted(times.items(), key=lambda kv: -kv[1]):
        print(f"  {name:24s} {seconds:7.2f} s  {1e6 * seconds / segments:6.1f} us/segment  "
              f"{100 * seconds / total:5.1f}%")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20000, help="pages in the feed")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2,
                        help="workers for the parallel run")
    parser.add_argument("--skip-train", action="store_true", help="do not time training")
    parser.add_argument("--skip-single", action="store_true",
                        help="only the parallel run (for very large feeds)")
    parser.add_argument("--stages", action="store_true",
                        help="first print per-stage times (one thread, up to 2,000 pages)")
    args = parser.parse_args()
    cli = [sys.executable, "-m", "classifier"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with tempfile.TemporaryDirectory() as tmp:
        feed = Path(tmp) / "feed.jsonl"
        size, segments = build_feed(feed, args.pages)
        print(f"feed: {args.pages} pages, {segments} segments, {size / 1e6:.1f} MB")
        subprocess.run([*cli, "predict", "-", "-q"], input="warm up the model cache", env=env,
                       check=True, capture_output=True, text=True)
        if args.stages:
            stage_times(feed, min(args.pages, 2000))
        results = {}
        for jobs in sorted({args.jobs} if args.skip_single else {1, args.jobs}):
            out = Path(tmp) / f"out-{jobs}.jsonl"
            seconds, tree_mb, pss_mb, single_mb = run(
                [*cli, "predict", str(feed), "-o", str(out), "--jobs", str(jobs), "-q"], env)
            results[jobs] = seconds
            print(f"--jobs {jobs}: {seconds:.1f} s, {args.pages / seconds:,.0f} pages/s, "
                  f"{segments / seconds:,.0f} segments/s, {size / 1e6 / seconds:.2f} MB/s, "
                  f"peak RSS {tree_mb:.0f} MB (all processes), PSS {pss_mb:.0f} MB (all "
                  f"processes, shared pages counted once), {single_mb:.0f} MB (largest)")
            out.unlink()
        if len(results) > 1:
            print(f"speed-up --jobs {args.jobs} vs --jobs 1: "
                  f"{results[1] / results[args.jobs]:.2f}x")
        if not args.skip_train:
            model = Path(tmp) / "model.joblib"
            seconds, tree_mb, _, _ = run([*cli, "train", str(REPO / "data" / "corpus"), "-o",
                                       str(model), "--cv-folds", "0", "-q"], env)
            print(f"train (no CV) on the corpus: {seconds:.1f} s, peak RSS {tree_mb:.0f} MB")


if __name__ == "__main__":
    main()
