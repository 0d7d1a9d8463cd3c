"""A small PDF writer for the documents: A4 pages of text and rules in Helvetica, on `pydyf`.

The same content gives the same bytes (no dates or ids in the file), like everything the
seed makes."""

from __future__ import annotations

import io

import pydyf  # type: ignore[import-untyped]

WIDTH, HEIGHT = 595, 842  # A4 in points
TOP, BOTTOM = 790, 60
FONTS = {False: ("F1", "Helvetica"), True: ("F2", "Helvetica-Bold")}


class Page:
    """Text placed from the top of the first page down; `room` starts a new page when a line
    would fall below the margin."""

    def __init__(self) -> None:
        self.streams: list[pydyf.Stream] = [pydyf.Stream()]

    def text(self, x: float, y: float, text: str, *, size: float = 10, bold: bool = False) -> None:
        stream = self.streams[-1]
        stream.begin_text()
        stream.set_font_size(FONTS[bold][0], size)
        stream.set_text_matrix(1, 0, 0, 1, x, y)
        # the standard fonts read WinAnsi: what it lacks shows as "?"
        stream.show_text_string(text.encode("cp1252", errors="replace"))
        stream.end_text()

    def block(self, x: float, y: float, heading: str, lines: list[str | None]) -> None:
        """A bold heading and, under it, the lines that are there."""
        self.text(x, y, heading, bold=True)
        for row, line in enumerate(filter(None, lines), start=1):
            self.text(x, y - 14 * row, line)

    def rule(self, y: float) -> None:
        stream = self.streams[-1]
        stream.set_line_width(0.5)
        stream.move_to(50, y)
        stream.line_to(WIDTH - 40, y)
        stream.stroke()

    def room(self, y: float) -> float:
        """`y`, or the top of a new page when `y` is too low."""
        if y >= BOTTOM:
            return y
        self.streams.append(pydyf.Stream())
        return TOP


def render(page: Page, title: str) -> bytes:
    document = pydyf.PDF()
    fonts = {}
    for key, base in FONTS.values():
        font = pydyf.Dictionary(
            {"Type": "/Font", "Subtype": "/Type1", "BaseFont": f"/{base}", "Encoding": "/WinAnsiEncoding"}
        )
        document.add_object(font)
        fonts[key] = font.reference
    resources = pydyf.Dictionary({"Font": pydyf.Dictionary(fonts)})
    for stream in page.streams:
        document.add_object(stream)
        document.add_page(
            pydyf.Dictionary(
                {
                    "Type": "/Page",
                    "Parent": document.pages.reference,
                    "MediaBox": pydyf.Array([0, 0, WIDTH, HEIGHT]),
                    "Contents": stream.reference,
                    "Resources": resources,
                }
            )
        )
    document.info["Title"] = pydyf.String(title.encode("cp1252", errors="replace"))
    document.info["Producer"] = pydyf.String(b"supplier-sandbox")
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()
