"""The text of the PDFs Consulta draws with reportlab, for tests that read them."""

import base64
import re
import zlib


def pdf_lines(data):
    """The lines of text drawn in a PDF made by reportlab (ASCII as is; other letters
    as octal escapes such as ``\\001``): the strings of each ``Tj`` up to the next line
    (``T*``) or text block (``ET``), joined."""
    lines = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", data, re.S):
        stream = stream.strip()
        try:
            if stream.endswith(b"~>"):  # ASCII85, then deflated (reportlab's page streams)
                stream = base64.a85decode(stream[:-2])
            content = zlib.decompress(stream)
        except (ValueError, zlib.error):
            continue
        for piece in re.split(rb"\sT\*|\sET\b", content):
            strings = re.findall(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", piece)
            if strings:
                lines.append(b"".join(strings).decode("latin-1").replace("\\(", "(")
                             .replace("\\)", ")").replace("\\\\", "\\"))
    return lines


def pdf_text(data):
    return " ".join(pdf_lines(data))
