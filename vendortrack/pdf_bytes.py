"""Writing a PDF with each of its objects turned into bytes once.

pydyf, which writes WeasyPrint's PDFs, turns every object into bytes when it writes it and,
when the PDF has a file identifier, a second time to hash the whole file for the identifier's
second half. PDF/A, which annexes are, requires the identifier. So every stream was serialised
and compressed twice: the fonts, the page contents, the colour profile and the metadata, about
3 % of a typical annex's render. :func:`serialise_once`, given to ``write_pdf`` as its
``finisher`` (WeasyPrint's hook for the PDF just before it is written), replaces each object by
its bytes, which pydyf then writes and hashes as they are (the object stream and the info
dictionary, which pydyf makes while it writes, are still made twice; they are small). A PDF
without an identifier (the board pack) gains nothing and loses nothing.

It relies on pydyf's ``PDF.write`` only reading an object's ``data`` and ``compressible`` and
setting its ``offset``: ``tests/test_pdf_bytes.py`` checks that the file is byte for byte the
one pydyf writes itself, compressed or not, so a pydyf release that works otherwise fails it.
It must be the last finisher: whatever changes an object after it is not written.

Imported by the render processes (and tests) only: it imports pydyf.
"""
from __future__ import annotations

import pydyf


class Serialised(pydyf.Object):
    """An object of the PDF as the bytes pydyf made of it, with its number and its place."""

    def __init__(self, original: pydyf.Object):
        super().__init__()
        self.number = original.number
        self.generation = original.generation
        self.free = original.free
        # pydyf's rule for what goes in an object stream: no streams, no generation but 0.
        self._compressible = original.compressible
        self._data = original.data

    @property
    def data(self) -> bytes:
        return self._data

    @property
    def compressible(self) -> bool:
        return self._compressible


def serialise_once(document, pdf: pydyf.PDF) -> None:
    """``write_pdf``'s finisher: every object in use replaced by its bytes (the free-list
    head, object 0, has none)."""
    pdf.objects[:] = [obj if obj.free == "f" else Serialised(obj) for obj in pdf.objects]
