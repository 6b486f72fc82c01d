"""The paper side, printed by a real Chromium: table tents (big number, area, the join QR code)
and harvest cards, on A4 and US Letter, turned into PNGs with pdftoppm; the tent's QR code is
decoded with zbarimg and must open the café's join page."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.server import Server

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts"
# Points per page as PDF readers report them.
SIZES = {"a4": (595, 842), "letter": (612, 792)}


def tools() -> tuple[str, str, str]:
    found = [shutil.which(name) for name in ("pdftoppm", "zbarimg", "pdfinfo")]
    if not all(found):
        pytest.skip("apt-get install -y poppler-utils zbar-tools (pdftoppm, pdfinfo, zbarimg)")
    return found[0], found[1], found[2]  # type: ignore[return-value]


def pdf_info(pdfinfo: str, pdf: Path) -> dict[str, str]:
    """pdfinfo's answers, key -> value."""
    out = subprocess.run([pdfinfo, str(pdf)], capture_output=True, text=True, check=True).stdout
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in out.splitlines()) if v}


def printed(browser: Any, url: str, pdf: Path) -> None:
    """Open the sheets in Chromium and print them to PDF with the page's own @page size."""
    ctx = browser.new_context()
    page = ctx.new_page()
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(url)
    page.emulate_media(media="print")
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    ctx.close()
    assert blocked == []


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_a_table_tent_prints_one_sheet_a_table_and_its_qr_code_opens_the_join_page(
    browser: Any, live_server: Server, tmp_path: Path, paper: str
) -> None:
    pdftoppm, zbarimg, pdfinfo = tools()
    pdf = tmp_path / "tents.pdf"
    printed(browser, f"{live_server.url}/print/{live_server.code}/tents?paper={paper}&lang=es", pdf)
    info = pdf_info(pdfinfo, pdf)
    assert info["Pages"] == "14"  # the MA SEN café's 14 tables, one sheet each
    width, height = (float(x) for x in info["Page size"].split(" pts")[0].split(" x "))
    assert (round(width), round(height)) == SIZES[paper], info["Page size"]
    # The first sheet, as a picture: the QR code on it decodes to the join URL.
    subprocess.run([pdftoppm, "-png", "-r", "110", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "tent")], check=True)
    [png] = sorted(tmp_path.glob("tent*.png"))
    decoded = subprocess.run([zbarimg, "--quiet", "--raw", str(png)], capture_output=True, text=True).stdout.split()
    assert decoded and all(text.endswith(f"/j/{live_server.code}") for text in decoded), decoded
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(png, ARTIFACTS / f"print-tent-{paper}.png")


def test_harvest_cards_print_each_rounds_question_for_the_tables_area(
    browser: Any, live_server: Server, tmp_path: Path
) -> None:
    pdftoppm, _zbarimg, pdfinfo = tools()
    pdf = tmp_path / "cards.pdf"
    printed(browser, f"{live_server.url}/print/{live_server.code}/cards?paper=a4", pdf)
    assert pdf_info(pdfinfo, pdf)["Pages"] == "14"
    text = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "Table 1" in text and "Round 4" in text and "Key ideas" in text
    assert "Our table's top three" in text  # the whole card fits its one sheet
    subprocess.run([pdftoppm, "-png", "-r", "70", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "card")], check=True)
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(sorted(tmp_path.glob("card*.png"))[0], ARTIFACTS / "print-harvest-card-a4.png")
