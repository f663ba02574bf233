"""Inbound EDI files kept exactly as they arrived, and the EDI traffic's retention.

Every file is stored before it is read (bytes in 1 MiB chunks, size, SHA-256, whether it
is UTF-8), in a transaction of its own: whatever the file holds and whatever happens while
it is processed, what the partner sent can be shown and processed again. An inbound
interchange points into its file by byte offset, so a day's feed is stored once and read
back a piece at a time.
"""

from __future__ import annotations

import codecs
import hashlib
from typing import BinaryIO

from django.db import transaction
from django.utils import timezone

from integrations.models import EdiInterchange
from integrations.models.edi import EdiFile, EdiFileChunk
from integrations.x12.stream import decode

CHUNK_SIZE = 1 << 20


@transaction.atomic
def edi_file_store(*, stream: BinaryIO, file_name: str = "", partner_code: str = "") -> EdiFile:
    """Store the whole stream, a chunk at a time (memory does not grow with the file)."""
    record = EdiFile.objects.create(
        file_name=file_name[:255],
        partner_code=partner_code[:40],
        size=0,
        sha256="",
        received_at=timezone.now(),
    )
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8 = True
    size = sequence = 0
    while chunk := stream.read(CHUNK_SIZE):
        digest.update(chunk)
        size += len(chunk)
        if utf8:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                utf8 = False
        EdiFileChunk.objects.create(file=record, sequence=sequence, data=chunk)
        sequence += 1
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False  # the file ends inside a character
    record.size = size
    record.sha256 = digest.hexdigest()
    record.encoding = "utf-8" if utf8 else "latin-1"
    record.save(update_fields=["size", "sha256", "encoding"])
    return record


class StoredFileSource:
    """Random access to a stored file's bytes (a `ByteSource`), fetching only the chunks
    a range needs."""

    def __init__(self, file: EdiFile) -> None:
        self.file = file

    def read_at(self, offset: int, length: int) -> bytes:
        if length <= 0:
            return b""
        first, last = offset // CHUNK_SIZE, (offset + length - 1) // CHUNK_SIZE
        pieces = EdiFileChunk.objects.filter(
            file=self.file, sequence__gte=first, sequence__lte=last
        ).values_list("data", flat=True)
        data = b"".join(bytes(piece) for piece in pieces)
        start = offset - first * CHUNK_SIZE
        return data[start : start + length]


def interchange_text(interchange: EdiInterchange, *, limit: int | None = None) -> str:
    """The interchange's text: as sent (outbound), or read back from its file (inbound);
    the first `limit` bytes only when given. NUL is shown as the NUL symbol."""
    if interchange.raw or interchange.file_id is None or interchange.file is None:
        return interchange.raw[:limit] if limit else interchange.raw
    length = interchange.file_length or 0
    if limit is not None:
        length = min(length, limit)
    data = StoredFileSource(interchange.file).read_at(interchange.file_offset or 0, length)
    return decode(data, interchange.file.encoding)


def file_preview(file: EdiFile, *, limit: int = 2048) -> str:
    """The first bytes of a file for a person: printable ASCII as it is, line breaks kept,
    anything else as \\xNN (an unreadable file may hold anything)."""
    data = StoredFileSource(file).read_at(0, min(file.size, limit))
    shown = []
    for byte in data:
        if 32 <= byte < 127 or byte in (10, 13, 9):
            shown.append(chr(byte))
        else:
            shown.append(f"\\x{byte:02x}")
    return "".join(shown)
