"""The monthly report as a PDF (fpdf2): the cover, every table as text in the client's language
(tables continue across pages, so no row is ever left out), the glossary, then the charts.
"""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.fonts import FontFace

from cckpi.report.charts import charts, png
from cckpi.report.text import (
    TextTable,
    Words,
    attainment_table,
    glossary_table,
    introduction,
    none_row,
    people_tables,
    title,
)
from schemas.locale_formats import number
from streams.engine.monthly import MonthlyReport

FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"  # DejaVu, shipped with matplotlib: any text
MET_COLOURS = {True: (26, 127, 55), False: (207, 34, 46)}
WIDEST = 45  # characters: a column of longer texts wraps them rather than squeeze its neighbours


def _pdf_table(pdf: FPDF, table: TextTable, words: Words, heading: str = "", note: str = "") -> None:
    """A titled table on a new page; it continues on as many pages as its rows need, the heading
    repeated on each. ``heading`` and ``note`` stand above the table's own (the cover's)."""
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 16)
    pdf.multi_cell(0, text=heading or table.title, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.set_font("DejaVu", "", 10)
    for text in (note, table.note):
        if text:
            pdf.multi_cell(0, text=text, align="L", new_x="LMARGIN", new_y="NEXT")
    if heading:
        pdf.ln(2)
        pdf.set_font("DejaVu", "B", 12)
        pdf.cell(text=table.title, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("DejaVu", "", 9)
    shown = table.rows or [none_row(table, words)]
    columns = list(zip(table.header, *shown, strict=True))
    align = tuple("LEFT" if column < table.words else "RIGHT" for column in range(len(columns)))
    widths = tuple(3 + min(WIDEST, max(len(text) for text in column)) for column in columns)  # in characters
    with pdf.table(headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235)), line_height=5.5,
                   repeat_headings=1, text_align=align, col_widths=widths) as cells:  # fmt: skip
        cells.row(table.header)
        for number, texts in enumerate(shown):
            row = cells.row()
            for column, text in enumerate(texts):
                met = table.marks[number] if table.marks and column == len(texts) - 1 else None
                row.cell(
                    text, style=None if met is None else FontFace(color=MET_COLOURS[met], emphasis="BOLD")
                )


def write_pdf(report: MonthlyReport, path: Path) -> None:
    """The cover (the month against the contract's targets, the breaches counted) and every table
    as text (tables continue across pages), the glossary, then the charts; the document's
    language set for screen readers and search."""
    words = Words.of(report)
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.set_lang(report.locale.replace("_", "-"))
    pdf.set_title(title(report))
    pdf.add_font("DejaVu", "", FONTS / "DejaVuSans.ttf")
    pdf.add_font("DejaVu", "B", FONTS / "DejaVuSans-Bold.ttf")
    breached = words.gettext("Intervals below the service-level target: {count}.").format(
        count=number(len(report.breaches), words.locale)
    )
    _pdf_table(pdf, attainment_table(report), words, title(report), f"{introduction(report)} {breached}")
    for table in [*people_tables(report), glossary_table(report)]:
        _pdf_table(pdf, table, words)
    for figure in charts(report):
        pdf.add_page()
        pdf.image(
            io.BytesIO(png(figure)),
            x=pdf.l_margin,
            y=pdf.t_margin,
            w=pdf.epw,
            h=pdf.eph,
            keep_aspect_ratio=True,
        )
    pdf.output(str(path))
