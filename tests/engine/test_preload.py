"""The fork server of local workers loads the libraries and the model once, before forking."""

import os
import subprocess
import sys
import textwrap

from classifier.engine.options import WORKER_MODEL_VARIABLE


def test_the_fork_server_loads_the_model_it_is_told_and_only_that_file(tmp_path,
                                                                         default_model_path):
    model = tmp_path / "model.joblib"
    model.write_bytes(default_model_path.read_bytes())
    other = tmp_path / "other.joblib"
    other.write_bytes(model.read_bytes())
    script = textwrap.dedent(f"""
        import gc, os, sys
        from classifier.engine import preload
        model, other = {str(model)!r}, {str(other)!r}
        assert preload.preloaded_model(model) is not None
        assert preload.preloaded_model(other) is None  # another file
        assert os.environ["OPENBLAS_NUM_THREADS"] == "1"
        assert gc.get_freeze_count() > 10000  # the loaded objects are out of the collector's way
        with open(model, "ab") as fh:
            fh.write(b"x")
        assert preload.preloaded_model(model) is None  # rewritten since it was loaded
        print("ok")
    """)
    env = {**os.environ, WORKER_MODEL_VARIABLE: str(model)}
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_a_bad_model_in_the_fork_server_is_left_to_the_workers(tmp_path):
    bad = tmp_path / "bad.joblib"
    bad.write_bytes(b"not a model")
    script = ("from classifier.engine import preload\n"
              f"assert preload.preloaded_model({str(bad)!r}) is None\nprint('ok')")
    env = {**os.environ, WORKER_MODEL_VARIABLE: str(bad)}
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
