import gzip
import json

import pandas as pd

from classifier.io.pages import PageRecord, RecordError, iter_pages


def _collect(paths, **kwargs):
    warnings = []
    items = list(iter_pages([str(p) for p in paths], warn=warnings.append, **kwargs))
    return items, warnings


def test_text_file_id_is_path_and_text_is_decoded(tmp_path):
    page = tmp_path / "a.txt"
    page.write_text("Héadline\nBody", encoding="utf-8")
    (item,), warnings = _collect([page])
    assert isinstance(item, PageRecord)
    assert item.id == str(page) and item.text == "Héadline\nBody"
    assert warnings == []


def test_directory_is_read_file_by_file_in_order(tmp_path):
    for name in ["b.txt", "a.txt", "c.md"]:
        (tmp_path / name).write_text(name)
    items, _ = _collect([tmp_path])
    assert [i.text for i in items] == ["a.txt", "b.txt", "c.md"]


def test_jsonl_keeps_order_and_reports_bad_lines(tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join([
        json.dumps({"id": "p1", "text": "one"}),
        "{not json",
        json.dumps({"id": "p2"}),
        json.dumps({"id": "p3", "text": 5}),
        json.dumps({"id": "p4", "text": "four"}),
    ]))
    items, _ = _collect([feed])
    kinds = [type(i).__name__ for i in items]
    assert kinds == ["PageRecord", "RecordError", "RecordError", "RecordError", "PageRecord"]
    assert items[1].origin.endswith(":2") and "malformed" in items[1].reason
    assert items[2].id == "p2" and "no 'text'" in items[2].reason
    assert "must be a string" in items[3].reason
    assert [i.id for i in items if isinstance(i, PageRecord)] == ["p1", "p4"]


def test_gzipped_jsonl_csv_and_parquet(tmp_path):
    rows = [{"id": "x1", "text": "alpha\nbeta"}, {"id": "x2", "text": "gamma"}]
    gz = tmp_path / "feed.jsonl.gz"
    with gzip.open(gz, "wt") as fh:
        fh.write("\n".join(json.dumps(r) for r in rows))
    csv_path = tmp_path / "feed.csv"
    pd.DataFrame(rows).to_csv(csv_path, index=False)
    pq_path = tmp_path / "feed.parquet"
    pd.DataFrame(rows).to_parquet(pq_path)
    for path in (gz, csv_path, pq_path):
        items, _ = _collect([path])
        assert [(i.id, i.text) for i in items] == [("x1", "alpha\nbeta"), ("x2", "gamma")], path


def test_csv_without_text_column_is_one_error(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("id,body\n1,hello\n")
    (item,), _ = _collect([path])
    assert isinstance(item, RecordError) and "text" in item.reason


def test_truncated_gzip_reports_error_after_good_records(tmp_path):
    path = tmp_path / "feed.jsonl.gz"
    payload = gzip.compress(
        "\n".join(json.dumps({"id": f"p{i}", "text": "x" * 200}) for i in range(50)).encode())
    path.write_bytes(payload[: len(payload) // 2])
    items, _ = _collect([path])
    assert isinstance(items[-1], RecordError) and "abruptly" in items[-1].reason
    assert all(isinstance(i, PageRecord) for i in items[:-1])


def test_latin1_page_is_decoded_with_a_warning(tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes("Café crème: économie et marchés à Genève, première édition".encode("latin-1"))
    (item,), warnings = _collect([path])
    assert isinstance(item, PageRecord) and "économie" in item.text
    assert warnings and "not UTF-8" in warnings[0]


def test_binary_file_is_an_error(tmp_path):
    path = tmp_path / "image.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (item,), _ = _collect([path])
    assert isinstance(item, RecordError) and "binary" in item.reason
