"""NFC tags carrying a Digital Link: one NDEF URI record, sized against the tag's memory."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import ndef

from microindex.domain.errors import DomainError


class NfcTag(StrEnum):
    NTAG213 = "ntag213"
    NTAG215 = "ntag215"
    NTAG216 = "ntag216"


# User memory in bytes (NXP NTAG213/215/216 data sheet).
USER_MEMORY: dict[NfcTag, int] = {NfcTag.NTAG213: 144, NfcTag.NTAG215: 504, NfcTag.NTAG216: 888}


@dataclass(eq=False)
class TagTooSmall(DomainError):
    tag: str
    needed: int
    capacity: int
    code = "tag_too_small"

    def __str__(self) -> str:
        return (
            f"the NDEF message needs {self.needed} bytes but an {self.tag.upper()} holds "
            f"{self.capacity}: use a larger tag or a shorter link"
        )


def ndef_message(uri: str) -> bytes:
    """One NDEF URI record (the `https://` prefix compressed to one byte, as NFC Forum RTD)."""
    return b"".join(ndef.message_encoder([ndef.UriRecord(uri)]))


def tag_bytes(message: bytes) -> int:
    """Bytes the message takes on a Type 2 tag: NDEF TLV (type, 1- or 3-byte length), terminator."""
    length_field = 1 if len(message) < 0xFF else 3
    return 1 + length_field + len(message) + 1


def ndef_for_tag(uri: str, tag: NfcTag) -> bytes:
    """The NDEF message for `uri`, or TagTooSmall if it does not fit the tag's user memory."""
    message = ndef_message(uri)
    needed = tag_bytes(message)
    if needed > USER_MEMORY[tag]:
        raise TagTooSmall(tag.value, needed, USER_MEMORY[tag])
    return message


def read_uri(message: bytes) -> str:
    """The URI of the message's first URI record (to check what was written)."""
    for record in ndef.message_decoder(message):
        if isinstance(record, ndef.UriRecord):
            return str(record.iri)
    raise ValueError("no URI record in the NDEF message")
