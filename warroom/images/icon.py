"""The integration's logo: a quarantine box, an arrow out of it, and the file restored beside it."""
from __future__ import annotations

from .png import encode_png

# The size XSOAR shows an integration's logo at.
IMAGE_WIDTH, IMAGE_HEIGHT = 120, 50


def _in_round_rect(x: float, y: float, box: tuple[float, float, float, float], radius: float) -> bool:
    x0, y0, x1, y1 = box
    if not (x0 <= x <= x1 and y0 <= y <= y1):
        return False
    cx = min(max(x, x0 + radius), x1 - radius)
    cy = min(max(y, y0 + radius), y1 - radius)
    return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2


def _in_polygon(x: float, y: float, points: tuple[tuple[float, float], ...]) -> bool:
    inside = False
    for (ax, ay), (bx, by) in zip(points, points[1:] + points[:1]):
        if (ay > y) != (by > y) and x < ax + (y - ay) * (bx - ax) / (by - ay):
            inside = not inside
    return inside


def _icon_color(x: float, y: float) -> tuple[int, int, int] | None:
    """The colour at (x, y): a quarantine box, an arrow out of it, and the file restored beside it."""
    red, pink, green, blue, white, grey = ((176, 58, 46), (248, 222, 218), (46, 125, 50), (31, 78, 121),
                                           (255, 255, 255), (120, 120, 120))
    # the file, restored: a page with a folded corner and text lines
    page = ((80, 6), (102, 6), (112, 16), (112, 44), (80, 44))
    if x >= 80 and _in_polygon(x, y, page):
        inner = ((82.5, 8.5), (101, 8.5), (109.5, 17), (109.5, 41.5), (82.5, 41.5))
        if not _in_polygon(x, y, inner) or _in_polygon(x, y, ((101, 6), (112, 17), (101, 17))):
            return blue
        if 86 <= x <= 106 and any(line <= y <= line + 2 for line in (22, 28, 34)):
            return grey
        return white
    # the arrow that takes it out of quarantine
    if 44 <= x <= 75 and _in_polygon(x, y, ((44, 21), (62, 21), (62, 14), (75, 25), (62, 36), (62, 29), (44, 29))):
        return green
    # the quarantine box, with a cross
    if _in_round_rect(x, y, (6, 8, 40, 42), 5):
        if not _in_round_rect(x, y, (9, 11, 37, 39), 3):
            return red
        if abs((x - 23) - (y - 25)) <= 2.2 and abs(x - 23) <= 8 or abs((x - 23) + (y - 25)) <= 2.2 and abs(x - 23) <= 8:
            return red
        return pink
    return None


def integration_image(width: int = IMAGE_WIDTH, height: int = IMAGE_HEIGHT, samples: int = 3) -> bytes:
    """The integration's logo, drawn here (120x50, as XSOAR shows it), smoothed by supersampling."""
    pixels = bytearray()
    offsets = [(i + 0.5) / samples for i in range(samples)]
    for py in range(height):
        for px in range(width):
            totals, hits = [0, 0, 0], 0
            for oy in offsets:
                for ox in offsets:
                    color = _icon_color(px + ox, py + oy)
                    if color is not None:
                        hits += 1
                        totals = [t + c for t, c in zip(totals, color)]
            if hits:
                pixels += bytes(round(t / hits) for t in totals) + bytes([round(255 * hits / samples ** 2)])
            else:
                pixels += b'\x00\x00\x00\x00'
    return encode_png(width, height, bytes(pixels))
