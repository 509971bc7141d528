"""The render processes write PDFs with each object turned into bytes once
(``vendortrack/pdf_bytes.py``): the same file, byte for byte, as pydyf writes by itself, with
each stream compressed once instead of twice."""
from __future__ import annotations

import zlib
from datetime import UTC, datetime

import pydyf
import pytest

from vendortrack import pdf_worker
from vendortrack.domain import spec as specs
from vendortrack.pdf import AnnexDocument, annex_job, layout, load_stylesheet, static_root
from vendortrack.pdf_bytes import Serialised, serialise_once

from .conftest import complete_spec


@pytest.fixture
def annex(app) -> AnnexDocument:
    return AnnexDocument(specs.to_json(complete_spec()), 3, datetime(2026, 11, 2, tzinfo=UTC),
                         "Pat Procurement")


class CountedCompression:
    """pydyf's zlib, counting the streams it compresses."""

    def __init__(self):
        self.streams = 0

    def compressobj(self, *args, **kwargs):
        self.streams += 1
        return zlib.compressobj(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(zlib, name)


@pytest.mark.parametrize("uncompressed", [False, True], ids=["object-streams", "xref-table"])
def test_an_annex_is_written_byte_for_byte_as_pydyf_writes_it(annex, monkeypatch, uncompressed):
    document, options = layout(annex), annex_job(annex)["options"]
    assert options["pdf_variant"] == "pdf/a-3u"  # a file identifier: pydyf hashes the file
    if uncompressed:  # a cross-reference table from the offsets set on the serialised objects
        options["uncompressed_pdf"] = True
    own = document.write_pdf(**options)
    streams = []

    def counting(document, pdf):
        streams.extend(obj for obj in pdf.objects if isinstance(obj, pydyf.Stream))
        serialise_once(document, pdf)

    counted = CountedCompression()
    monkeypatch.setattr(pydyf, "zlib", counted)
    once = document.write_pdf(finisher=counting, **options)
    assert once == own
    with_finisher = counted.streams
    counted.streams = 0
    document.write_pdf(**options)
    # Fonts, page contents, colour profile, metadata: each compressed once fewer.
    assert len(streams) >= 6
    if uncompressed:
        assert with_finisher == counted.streams == 0
    else:
        assert with_finisher == counted.streams - len(streams)


def test_a_page_without_a_file_identifier_is_written_as_pydyf_writes_it(app):
    from vendortrack.pdf_html import PrintHTML

    document = PrintHTML(string="<h1>Board pack</h1><p>Seven engagements at risk.</p>").render()
    assert document.write_pdf(finisher=serialise_once) == document.write_pdf()


def test_serialised_objects_keep_their_number_and_whether_they_go_in_an_object_stream():
    stream = pydyf.Stream([b"BT ET"], compress=True)
    dictionary = pydyf.Dictionary({"Type": "/Catalog"})
    stream.number, dictionary.number = 4, 5
    for original in (stream, dictionary):
        copy = Serialised(original)
        assert (copy.number, copy.generation, copy.free, copy.reference) == (
            original.number, original.generation, original.free, original.reference)
        assert copy.data == original.data and copy.indirect == original.indirect
        assert copy.compressible == original.compressible
    assert not Serialised(stream).compressible and Serialised(dictionary).compressible


def test_the_render_process_writes_annexes_with_each_object_serialised_once(annex, monkeypatch):
    from vendortrack import pdf_bytes

    written = []

    def spy(document, pdf):
        written.append(len(pdf.objects))
        serialise_once(document, pdf)

    monkeypatch.setattr(pdf_bytes, "serialise_once", spy)
    root = static_root()
    stylesheet, fonts = load_stylesheet(root)
    job = annex_job(annex)
    reply = pdf_worker.render(job, root, stylesheet, fonts)
    assert len(written) == 1
    assert reply["pdf"] == layout(annex).write_pdf(**job["options"])
