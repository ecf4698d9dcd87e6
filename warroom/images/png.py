"""A PNG encoder: the standard library has none, and the export depends on no imaging library."""
from __future__ import annotations

import struct
import zlib


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data) & 0xFFFFFFFF)


def encode_png(width: int, height: int, pixels: bytes, channels: int = 4) -> bytes:
    """An RGBA (or, with 3 channels, RGB) PNG: 8 bits per channel, no interlace, filter 0 on every row."""
    if len(pixels) != width * height * channels or channels not in (3, 4):
        raise ValueError('pixel buffer does not match the size')
    stride = width * channels
    rows = b''.join(b'\x00' + pixels[y * stride:(y + 1) * stride] for y in range(height))
    header = struct.pack('>IIBBBBB', width, height, 8, 6 if channels == 4 else 2, 0, 0, 0)
    return (b'\x89PNG\r\n\x1a\n' + _png_chunk(b'IHDR', header) + _png_chunk(b'IDAT', zlib.compress(rows, 9))
            + _png_chunk(b'IEND', b''))
