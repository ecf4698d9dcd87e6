"""An RGB raster to draw boxes, lines, arrow heads and text on, encoded as PNG."""
from __future__ import annotations

from .font import FONT, GLYPH_ADVANCE, GLYPH_SCALE
from .png import encode_png

Color = tuple[int, int, int]


class Canvas:
    """An RGB image to draw boxes, lines and 3x5-font text on."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.pixels = bytearray(b'\xff') * (width * height * 3)

    def rect(self, x0: int, y0: int, x1: int, y1: int, color: Color) -> None:
        x0, x1 = max(0, x0), min(self.width, x1)
        for y in range(max(0, y0), min(self.height, y1)):
            self.pixels[(y * self.width + x0) * 3:(y * self.width + x1) * 3] = bytes(color) * (x1 - x0)

    def line(self, x0: int, y0: int, x1: int, y1: int, color: Color, thickness: int = 2) -> None:
        steps = max(abs(x1 - x0), abs(y1 - y0), 1)
        for step in range(steps + 1):
            x, y = round(x0 + (x1 - x0) * step / steps), round(y0 + (y1 - y0) * step / steps)
            self.rect(x - thickness // 2, y - thickness // 2, x - thickness // 2 + thickness,
                      y - thickness // 2 + thickness, color)

    def arrow_head(self, x: int, y: int, color: Color, size: int = 7) -> None:
        """A head pointing down, its tip at (x, y)."""
        for row in range(size):
            self.rect(x - row, y - row, x + row + 1, y - row + 1, color)

    def text(self, x: int, y: int, text: str, color: Color) -> None:
        for index, char in enumerate(text.upper()):
            rows = FONT.get(char, FONT['?'])
            for row, bits in enumerate(rows):
                for column in range(3):
                    if bits & (4 >> column):
                        left, top = x + index * GLYPH_ADVANCE + column * GLYPH_SCALE, y + row * GLYPH_SCALE
                        self.rect(left, top, left + GLYPH_SCALE, top + GLYPH_SCALE, color)

    def png(self) -> bytes:
        return encode_png(self.width, self.height, bytes(self.pixels), channels=3)
