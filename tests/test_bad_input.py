"""Bad input gets one clear line, a non-zero exit and no partial output; a batch goes on past it."""

import re
from pathlib import Path

import pytest
from conftest import COMMUNIQUE_PDF, FIXTURE_PDFS, cli, read
from pdfbuilder import Doc
from PIL import Image
from reportlab.pdfgen import canvas

from pipeline import errors
from pipeline.pdf import ingest
from pipeline.run.extract import PlanJob, extract_plan

P = "这是一个用于测试的段落，内容围绕经济社会发展展开。"


def good_plan(path: Path) -> Path:
    d = Doc(str(path))
    d.heading("第一章 总体要求", 20)
    d.paragraph(P * 4)
    return Path(d.save())


def not_a_pdf(tmp: Path) -> Path:
    p = tmp / "notes.pdf"
    p.write_text("这不是 PDF 文件\n" * 50, encoding="utf-8")
    return p


def encrypted(tmp: Path) -> Path:
    d = Doc(str(tmp / "locked.pdf"), encrypt="secret")
    d.heading("第一章 总体要求", 20)
    d.paragraph(P * 4)
    return Path(d.save())


def scanned(tmp: Path) -> Path:
    img = tmp / "scan.png"
    Image.new("RGB", (300, 400), "white").save(img)
    c = canvas.Canvas(str(tmp / "scanned.pdf"))
    for _ in range(2):
        c.drawImage(str(img), 0, 0, 595, 842)
        c.showPage()
    c.save()
    return tmp / "scanned.pdf"


def truncated(tmp: Path) -> Path:
    data = good_plan(tmp / "whole.pdf").read_bytes()
    p = tmp / "cut.pdf"
    p.write_bytes(data[: len(data) // 2])
    return p


def damaged(tmp: Path) -> Path:
    p = tmp / "damaged.pdf"
    p.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\ngarbage\n%%EOF\n")
    return p


# ---- damaged files that can still be read: by the other engine, or after a repair by pikepdf


def junk_after_eof(tmp: Path) -> Path:
    """Bytes after the last %%EOF, as some download sites append (a stray startxref among them)."""
    data = good_plan(tmp / "whole.pdf").read_bytes()
    p = tmp / "junk_after_eof.pdf"
    p.write_bytes(data + b"\r\n<html><body>" + "下载自数据库 ".encode() * 600 + b"startxref\n999999\n</body></html>\n")
    return p


def broken_xref(tmp: Path) -> Path:
    """Every offset of the cross-reference table wrong (pdfminer finds no pages)."""
    data = good_plan(tmp / "whole.pdf").read_bytes()
    start = data.rindex(b"\nxref")
    end = data.index(b"trailer", start)
    table = re.sub(rb"(\d{10}) 00000 n", lambda m: b"%010d 00000 n" % (int(m.group(1)) + 7), data[start:end])
    p = tmp / "broken_xref.pdf"
    p.write_bytes(data[:start] + table + data[end:])
    return p


def wrong_length(tmp: Path) -> Path:
    """A content stream whose /Length runs past its end (pdfminer reads the page as empty)."""
    data = good_plan(tmp / "whole.pdf").read_bytes()
    lengths = list(re.finditer(rb"/Length (\d+)", data))
    m = lengths[-1]
    p = tmp / "wrong_length.pdf"
    p.write_bytes(data[: m.start(1)] + str(int(m.group(1)) + 40).encode() + data[m.end(1) :])
    return p


DAMAGED = [junk_after_eof, broken_xref, wrong_length]


@pytest.mark.parametrize("make", DAMAGED, ids=[m.__name__ for m in DAMAGED])
@pytest.mark.parametrize("engine", ["pdfplumber", "pdfium"])
def test_damaged_file_still_extracts(tmp_path, make, engine):
    pdf = make(tmp_path)
    ingest.check_file(pdf)
    doc = ingest.run(pdf, engine=engine)
    assert P in "".join(c.text for c in doc.pages[0].chars)
    res = extract_plan(PlanJob(pdf=pdf, plan_id=pdf.stem), tmp_path / "out")
    assert res.status == "extracted"
    assert P in "".join(read(tmp_path / "out", "paragraphs", pdf.stem).text)


def test_other_engine_opens_what_the_chosen_one_cannot(tmp_path):
    pdf = broken_xref(tmp_path)
    doc = ingest.open_document(pdf, "pdfplumber")
    try:
        assert doc.engine == "pdfium"
    finally:
        doc.close()


def test_unreadable_file_says_what_was_tried(tmp_path):
    pdf = damaged(tmp_path)
    with pytest.raises(errors.TruncatedPdfError) as e:
        ingest.document_info(pdf)
    said = str(e.value)
    assert all(w in said for w in ("pdfplumber:", "pdfium:", "pikepdf repair:")), said
    assert str(tmp_path) not in said


def not_a_plan(tmp: Path) -> Path:
    d = Doc(str(tmp / "notice.pdf"))
    d.paragraph("这是一份普通的通知，没有任何章节。" * 30)
    return Path(d.save())


def case(make, error: type[Exception], words: str, *marks: pytest.MarkDecorator):
    return pytest.param(make, error, words, id=make.__name__, marks=marks)


CASES = [
    case(not_a_pdf, errors.NotAPdfError, "not a PDF"),
    case(encrypted, errors.EncryptedPdfError, "encrypted"),
    # a page with no text layer is first looked at by the recogniser (seconds): outside the quick suite
    case(scanned, errors.NoTextLayerError, "OCR", pytest.mark.corpus),
    case(truncated, errors.TruncatedPdfError, "truncated"),
    case(damaged, errors.TruncatedPdfError, "damaged"),
    case(not_a_plan, errors.NotAPlanError, "no chapter"),
]


@pytest.mark.parametrize("make,error,words", CASES)
def test_bad_input_raises_its_own_error(tmp_path, make, error, words):
    pdf = make(tmp_path)
    with pytest.raises(error) as e:
        extract_plan(PlanJob(pdf=pdf, plan_id=pdf.stem), tmp_path / "out")
    assert e.value.file == pdf.name and words in str(e.value)
    assert not (tmp_path / "out" / "documents").exists()


@pytest.mark.parametrize("make,error,words", CASES)
def test_cli_reports_one_line_and_fails(tmp_path, make, error, words):
    pdf = make(tmp_path)
    res = cli("extract", pdf, "--out", tmp_path / "out", "-q")
    assert res.returncode == 1
    lines = [ln for ln in res.stderr.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1 and pdf.name in lines[0] and words in lines[0]
    assert "Traceback" not in res.stderr


def test_batch_goes_on_and_keeps_previous_output(tmp_path):
    out = tmp_path / "out"
    good = good_plan(tmp_path / "good.pdf")
    plan_b = good_plan(tmp_path / "b.pdf")
    assert cli("extract", plan_b, "--out", out, "-q").returncode == 0
    before = read(out, "paragraphs", "b")
    # b.pdf is replaced by a truncated file: its extraction fails, its old rows stay, good.pdf still extracts
    data = plan_b.read_bytes()
    plan_b.write_bytes(data[: len(data) // 2])
    res = cli("extract", not_a_pdf(tmp_path), plan_b, good, "--out", out, "-q")
    assert res.returncode == 1
    assert len([ln for ln in res.stderr.splitlines() if ln.startswith("error:")]) == 2
    assert "2 of 3 plan(s) failed" in res.stderr
    assert read(out, "paragraphs", "b").equals(before)
    assert len(read(out, "paragraphs", "good")) == 1
    assert not (out / "documents" / "plan_id=notes").exists()
    assert not any((out / ".staging").iterdir()) if (out / ".staging").exists() else True


@pytest.mark.parametrize("pdf", [*FIXTURE_PDFS, COMMUNIQUE_PDF], ids=lambda p: p.name)
def test_fixtures_pass_the_cheap_checks(pdf):
    ingest.check_file(pdf)


def test_missing_file_is_one_line(tmp_path):
    res = cli("extract", tmp_path / "nope.pdf", "--out", tmp_path / "out", "-q")
    assert res.returncode == 1 and "no such file" in res.stderr and "Traceback" not in res.stderr
