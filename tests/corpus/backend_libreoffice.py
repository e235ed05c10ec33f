"""LibreOffice Writer backend: the Doc as flat ODF XML (.fodt), converted by `soffice --headless`."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from xml.sax.saxutils import escape

import grid
from model import Cover, Doc, Heading, Item, PageBreak, Para, Sidebar, Table, Title, Toc, locate, stabilize

SERIF, SANS = "Noto Serif CJK SC", "Noto Sans CJK SC"
TEXT_WIDTH_CM = 15.8
NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
      'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
      'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
      'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
      'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
      'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
      'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
      'xmlns:dc="http://purl.org/dc/elements/1.1/"')


def font(face: str, size: float, bold: bool = False) -> str:
    w = ' fo:font-weight="bold" style:font-weight-asian="bold"' if bold else ""
    return (f'<style:text-properties style:font-name="{face}" style:font-name-asian="{face}" '
            f'fo:font-size="{size}pt" style:font-size-asian="{size}pt" fo:language="zh" fo:country="CN" '
            f'style:language-asian="zh" style:country-asian="CN"{w}/>')


def pstyle(name: str, face: str, size: float, bold=False, align="justify", indent: float = 0,
           before=0.0, after=0.0, line: str | None = None, extra: str = "", parent_attrs: str = "") -> str:
    lh = f' fo:line-height="{line}"' if line else ""
    return (f'<style:style style:name="{name}" style:family="paragraph"{parent_attrs}>'
            f'<style:paragraph-properties fo:text-align="{align}" fo:text-indent="{indent}pt" '
            f'fo:margin-top="{before}pt" fo:margin-bottom="{after}pt"{lh}{extra}/>'
            f'{font(face, size, bold)}</style:style>')


class Writer:
    def __init__(self, doc: Doc):
        self.doc = doc
        self.auto: list[str] = []          # automatic styles
        self.cell_styles: dict = {}
        self.ntables = 0
        self.body: list[str] = []
        self.first_master = True

    # ---------------------------------------------------------------- styles
    def styles(self) -> str:
        s = self.doc.body_size
        ind = 2 * s
        rule = "0.75pt solid #000000"
        toc_tab = (f'<style:tab-stops><style:tab-stop style:position="{TEXT_WIDTH_CM}cm" style:type="right" '
                   f'style:leader-style="dotted" style:leader-text="."/></style:tab-stops>')
        return "".join([
            pstyle("Body", SERIF, s, indent=ind, line=f"{round(s * 1.75)}pt"),
            pstyle("BodyNoIndent", SERIF, s, line=f"{round(s * 1.75)}pt"),
            pstyle("Title", SANS, 22, True, "center", before=60, after=30, line="150%"),
            pstyle("Subtitle", SERIF, 16, False, "center", after=24),
            pstyle("CoverBig", SANS, 26, True, "center", before=18, after=18, line="150%"),
            pstyle("CoverSmall", SERIF, 16, False, "center", before=12),
            pstyle("Part", SANS, 20, True, "center", before=24, after=18),
            pstyle("Chapter", SANS, 17, True, "center", before=18, after=12),
            pstyle("Section", SANS, s, True, "left", indent=ind, before=8, after=6),
            pstyle("Subsection", SERIF, s, True, "left", indent=ind, before=4, after=2),
            pstyle("Appendix", SANS, 16, True, "left", before=18, after=10),
            pstyle("TocTitle", SANS, 18, True, "center", after=18),
            pstyle("Toc", SERIF, 14, line="200%", extra=f">{toc_tab}</style:paragraph-properties><x", align="left"),
            pstyle("Caption", SANS, 12, True, "center", before=10, after=4),
            pstyle("Note", SERIF, 10.5, False, "left", before=3),
            pstyle("CellC", SERIF, 10.5, False, "center"),
            pstyle("CellL", SERIF, 10.5, False, "left"),
            pstyle("CellR", SERIF, 10.5, False, "right"),
            pstyle("CellH", SANS, 10.5, True, "center"),
            pstyle("SideTitle", SANS, 13, True, "center", before=10, after=4),
            pstyle("SideBody", SERIF, 12, indent=24, line="150%"),
            pstyle("SideRule", SERIF, 12, indent=24, line="150%",
                   extra=f' fo:border-top="{rule}" fo:border-bottom="{rule}" fo:border-left="none" '
                         f'fo:border-right="none" fo:padding="4pt" style:join-border="true"'),
            pstyle("Header", SERIF, 10.5, False, "center",
                   extra=' fo:border-bottom="0.5pt solid #000000" fo:padding-bottom="2pt"'),
            pstyle("Footer", SERIF, 12, False, "center"),
        ]).replace("/><x", "")

    def page_layouts(self) -> str:
        def layout(name, landscape):
            w, h = ("29.7cm", "21cm") if landscape else ("21cm", "29.7cm")
            return (f'<style:page-layout style:name="{name}"><style:page-layout-properties fo:page-width="{w}" '
                    f'fo:page-height="{h}" style:print-orientation="{"landscape" if landscape else "portrait"}" '
                    f'fo:margin-top="2.2cm" fo:margin-bottom="2.0cm" fo:margin-left="2.6cm" fo:margin-right="2.6cm"/>'
                    f'<style:header-style><style:header-footer-properties fo:min-height="0cm" fo:margin-bottom="0.4cm"/>'
                    f'</style:header-style><style:footer-style><style:header-footer-properties fo:min-height="0cm" '
                    f'fo:margin-top="0.4cm"/></style:footer-style></style:page-layout>')
        return layout("PL", self.doc.landscape)

    def masters(self) -> str:
        d = self.doc
        header = footer = ""
        if d.header_text:
            header = f'<style:header><text:p text:style-name="Header">{escape(d.header_text)}</text:p></style:header>'
        if d.page_number:
            adjust = d.opts.get("page_adjust", 0)
            num = f'<text:page-number text:select-page="current" text:page-adjust="{adjust}">1</text:page-number>'
            a, _, b = d.page_number.partition("{n}")
            footer = (f'<style:footer><text:p text:style-name="Footer">{escape(a)}{num}{escape(b)}</text:p>'
                      f'</style:footer>')
        return (f'<style:master-page style:name="Standard" style:page-layout-name="PL">{header}{footer}'
                f'</style:master-page><style:master-page style:name="Plain" style:page-layout-name="PL"/>')

    def cell_style(self, x: grid.Cell) -> str:
        def b(w):
            return f"{w}pt solid #000000" if w else "none"
        key = (x.top, x.bottom, x.left, x.right, x.fill)
        if key not in self.cell_styles:
            name = f"C{len(self.cell_styles) + 1}"
            bg = f' fo:background-color="{x.fill}"' if x.fill else ""
            self.auto.append(f'<style:style style:name="{name}" style:family="table-cell"><style:table-cell-properties '
                             f'fo:border-top="{b(x.top)}" fo:border-bottom="{b(x.bottom)}" fo:border-left="{b(x.left)}" '
                             f'fo:border-right="{b(x.right)}" fo:padding="0.08cm" style:vertical-align="middle"{bg}/>'
                             f'</style:style>')
            self.cell_styles[key] = name
        return self.cell_styles[key]

    # ---------------------------------------------------------------- blocks
    def p(self, style: str, text: str, master: str | None = None, brk: bool = False):
        if master or brk:
            name = f"P{len(self.auto) + 1}"
            attrs = f' style:master-page-name="{master}"' if master else ""
            props = '<style:paragraph-properties fo:break-before="page"/>' if brk and not master else ""
            if master == "Standard" and self.body:
                props = '<style:paragraph-properties style:page-number="1"/>'
            self.auto.append(f'<style:style style:name="{name}" style:family="paragraph" '
                             f'style:parent-style-name="{style}"{attrs}>{props}</style:style>')
            style = name
        self.body.append(f'<text:p text:style-name="{style}">{text}</text:p>')

    def table(self, t: Table, title_row: str | None = None):
        self.ntables += 1
        name = f"T{self.ntables}"
        widths = t.widths or [1] * len(t.header)
        total = sum(widths)
        self.auto.append(f'<style:style style:name="{name}" style:family="table"><style:table-properties '
                         f'style:width="{TEXT_WIDTH_CM * t.total_width:.3f}cm" table:align="center" fo:margin-top="4pt" '
                         f'fo:margin-bottom="4pt"/></style:style>'
                         f'<style:style style:name="{name}R" style:family="table-row"><style:table-row-properties '
                         f'fo:keep-together="always"/></style:style>')
        cols = []
        for i, w in enumerate(widths):
            self.auto.append(f'<style:style style:name="{name}.{i}" style:family="table-column">'
                             f'<style:table-column-properties style:column-width="{TEXT_WIDTH_CM * t.total_width * w / total:.3f}cm"/>'
                             f'</style:style>')
            cols.append(f'<table:table-column table:style-name="{name}.{i}"/>')
        cells = grid.layout(t)
        depth = grid.header_depth(t)
        nrows = depth + len(t.rows)
        ncols = len(t.header)
        at = {(x.r, x.c): x for x in cells}
        covered = set()
        for x in cells:
            covered |= {(x.r + i, x.c + j) for i in range(x.rs) for j in range(x.cs)} - {(x.r, x.c)}
        rows = []
        if title_row:      # a sidebar whose box is the table: its title in a first row across all columns
            tc = grid.Cell(0, 0, 1, ncols, title_row, True, top=grid.THIN, left=grid.THIN, right=grid.THIN,
                           bottom=grid.THIN)
            rows.append(f'<table:table-row table:style-name="{name}R"><table:table-cell table:style-name='
                        f'"{self.cell_style(tc)}" table:number-columns-spanned="{ncols}" office:value-type="string">'
                        f'<text:p text:style-name="SideTitle">{escape(title_row)}</text:p></table:table-cell>'
                        + "<table:covered-table-cell/>" * (ncols - 1) + "</table:table-row>")
        for r in range(nrows):
            tds = []
            for c in range(ncols):
                if (r, c) in covered:
                    tds.append("<table:covered-table-cell/>")
                    continue
                x = at[(r, c)]
                span = (f' table:number-rows-spanned="{x.rs}"' if x.rs > 1 else "") + \
                       (f' table:number-columns-spanned="{x.cs}"' if x.cs > 1 else "")
                ps = "CellH" if x.header else {"left": "CellL", "right": "CellR"}.get(x.align, "CellC")
                tds.append(f'<table:table-cell table:style-name="{self.cell_style(x)}"{span} office:value-type="string">'
                           f'<text:p text:style-name="{ps}">{escape(x.text)}</text:p></table:table-cell>')
            rows.append(f'<table:table-row table:style-name="{name}R">{"".join(tds)}</table:table-row>')
        head_n = depth + (1 if title_row else 0)
        head, body = rows[:head_n], rows[head_n:]
        if t.repeat_header:
            head = ["<table:table-header-rows>"] + head + ["</table:table-header-rows>"]
        if t.label and not title_row:
            self.p("Caption", escape(t.label))
        self.body.append(f'<table:table table:name="{name}" table:style-name="{name}">{"".join(cols)}'
                         f'{"".join(head)}{"".join(body)}</table:table>')
        for extra in (t.note, t.source):
            if extra:
                self.p("Note", escape(extra))

    def sidebar(self, s: Sidebar):
        lines = [escape(b.joined if isinstance(b, Item) else b.text) for b in s.body if not isinstance(b, Table)]
        if s.style == "table":
            (t,) = [b for b in s.body if isinstance(b, Table)]
            self.table(t, title_row=s.heading)
        elif s.style == "rules":
            self.p("SideTitle", escape(s.heading))
            for line in lines:
                self.p("SideRule", line)
        else:                                  # a one-cell table is the box
            self.ntables += 1
            name = f"T{self.ntables}"
            fill = f' fo:background-color="{s.fill}"' if s.fill else ""
            border = "0.75pt solid #000000" if "border" in s.frame else "none"
            self.auto.append(f'<style:style style:name="{name}" style:family="table"><style:table-properties '
                             f'style:width="{TEXT_WIDTH_CM}cm" table:align="center" fo:margin-top="6pt" '
                             f'fo:margin-bottom="6pt"/></style:style><style:style style:name="{name}.A1" '
                             f'style:family="table-cell"><style:table-cell-properties fo:border="{border}" '
                             f'fo:padding="0.25cm"{fill}/></style:style>')
            paras = [f'<text:p text:style-name="SideTitle">{escape(s.heading)}</text:p>'] + \
                    [f'<text:p text:style-name="SideBody">{line}</text:p>' for line in lines]
            self.body.append(f'<table:table table:name="{name}" table:style-name="{name}"><table:table-column/>'
                             f'<table:table-row><table:table-cell table:style-name="{name}.A1" office:value-type='
                             f'"string">{"".join(paras)}</table:table-cell></table:table-row></table:table>')

    def build(self) -> str:
        d = self.doc
        pending_break = after_toc = False
        for k, b in enumerate(d.blocks):
            if isinstance(b, PageBreak):
                pending_break = True
                continue
            master = None
            if k == 0:
                master = "Plain" if isinstance(b, Cover) else "Standard"
            elif after_toc and isinstance(b, Heading):      # the body starts: header, footer, page 1
                master, after_toc, pending_break = "Standard", False, False
            if pending_break and not isinstance(b, (Heading, Title, Para, Toc)):
                self.p("BodyNoIndent", "", brk=True)
                pending_break = False
            brk, pending_break = pending_break, False
            after_toc = after_toc or isinstance(b, Toc)
            if isinstance(b, Title):
                self.p("Title", escape(b.text), master, brk)
                if b.subtitle:
                    self.p("Subtitle", escape(b.subtitle))
            elif isinstance(b, Cover):
                self.p("CoverBig", escape(b.lines[0]), master)
                for line in b.lines[1:-2]:
                    self.p("CoverBig", escape(line))
                for _ in range(6):
                    self.p("CoverSmall", "")
                for line in b.lines[-2:]:
                    self.p("CoverSmall", escape(line))
            elif isinstance(b, Toc):
                self.p("TocTitle", "目　录", master, brk)
                for label, title, page in b.entries:
                    self.p("Toc", f"{escape(label)}　{escape(title)}<text:tab/>{page}")
            elif isinstance(b, Heading):
                style = {"part": "Part", "chapter": "Chapter", "section": "Section",
                         "subsection": "Subsection", "appendix": "Appendix"}[b.level]
                sep = "　" if b.title and b.level != "subsection" and not b.label.endswith("、") else ""
                text = b.display or (b.label + sep + b.title)
                self.p(style, escape(text), master, brk)
            elif isinstance(b, Para):
                self.p("Body" if b.indent else "BodyNoIndent", escape(b.display or b.text), master, brk)
            elif isinstance(b, Table):
                self.table(b)
            elif isinstance(b, Sidebar):
                self.sidebar(b)
        body = "".join(self.body)
        return (f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document {NS} office:version="1.3" '
                f'office:mimetype="application/vnd.oasis.opendocument.text">'
                f'<office:meta><dc:title></dc:title></office:meta>'
                f'<office:font-face-decls><style:font-face style:name="{SERIF}" svg:font-family="&apos;{SERIF}&apos;"/>'
                f'<style:font-face style:name="{SANS}" svg:font-family="&apos;{SANS}&apos;"/></office:font-face-decls>'
                f'<office:styles>{self.styles()}</office:styles>'
                f'<office:automatic-styles>{self.page_layouts()}{"".join(self.auto)}</office:automatic-styles>'
                f'<office:master-styles>{self.masters()}</office:master-styles>'
                f'<office:body><office:text>{body}</office:text></office:body></office:document>')


def convert(fodt: str, outdir: str) -> str:
    home = tempfile.mkdtemp(prefix="lo-home-")
    try:
        subprocess.run(["soffice", f"-env:UserInstallation=file://{home}", "--headless", "--convert-to", "pdf",
                        "--outdir", outdir, fodt], check=True, capture_output=True, timeout=180,
                       env={**os.environ, "HOME": home, "TZ": "UTC", "SOURCE_DATE_EPOCH": "1704067200"})
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return os.path.join(outdir, os.path.splitext(os.path.basename(fodt))[0] + ".pdf")


def render(doc: Doc, pdf_path: str, keep_source: str | None = None) -> tuple[dict, int]:
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, doc.name + ".fodt")
        with open(src, "w", encoding="utf-8") as f:
            f.write(Writer(doc).build())
        if keep_source:
            shutil.copy(src, keep_source)
        shutil.move(convert(src, tmp), pdf_path)
    stabilize(pdf_path)
    return locate(pdf_path, doc)
