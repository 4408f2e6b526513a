"""Unsigned LEB128 varints, zigzag for signed values, length-prefixed strings."""

from __future__ import annotations


def zigzag(value: int) -> int:
    return value * 2 if value >= 0 else -value * 2 - 1


def unzigzag(value: int) -> int:
    return value // 2 if value % 2 == 0 else -(value + 1) // 2


class Writer:
    def __init__(self) -> None:
        self.buffer = bytearray()

    def uint(self, value: int) -> None:
        if value < 0:
            raise ValueError(f"varint {value} is negative")
        out = self.buffer
        while value >= 0x80:
            out.append((value & 0x7F) | 0x80)
            value >>= 7
        out.append(value)

    def int(self, value: int) -> None:
        self.uint(zigzag(value))

    def text(self, value: str) -> None:
        self.blob(value.encode())

    def blob(self, value: bytes) -> None:
        self.uint(len(value))
        self.buffer += value

    def bytes(self) -> bytes:
        return bytes(self.buffer)


class Reader:
    def __init__(self, data: bytes, offset: int = 0) -> None:
        self.data = data
        self.offset = offset

    def uint(self) -> int:
        data, pos, shift, value = self.data, self.offset, 0, 0
        while True:
            if pos >= len(data) or shift > 63:
                raise ValueError("truncated or oversized varint")
            byte = data[pos]
            pos += 1
            value |= (byte & 0x7F) << shift
            if byte < 0x80:
                break
            shift += 7
        self.offset = pos
        return value

    def take(self, size: int) -> bytes:
        """The next `size` bytes; ValueError if fewer are left."""
        end = self.offset + size
        if end > len(self.data):
            raise ValueError("truncated field")
        value = self.data[self.offset : end]
        self.offset = end
        return value

    def int(self) -> int:
        return unzigzag(self.uint())

    def text(self) -> str:
        return self.blob().decode()

    def blob(self) -> bytes:
        return self.take(self.uint())

    @property
    def done(self) -> bool:
        return self.offset >= len(self.data)
