"""A playbook's picture, drawn from its YAML, as the content repository keeps it in ``doc_files``."""
from __future__ import annotations

import json

from .canvas import Canvas
from .font import GLYPH_ADVANCE, GLYPH_SCALE, LINE_HEIGHT

BOX_WIDTH, BOX_HEIGHT = 196, 64
TASK_COLORS = {  # fill, border
    'start': ((214, 240, 214), (46, 125, 50)), 'condition': ((255, 236, 200), (200, 120, 0)),
    'playbook': ((232, 222, 248), (103, 58, 183)), 'title': ((236, 236, 236), (110, 110, 110)),
    'regular': ((221, 235, 250), (31, 78, 121)),
}
EDGE_COLOR, TEXT_COLOR, LABEL_COLOR = (90, 90, 90), (20, 20, 20), (176, 58, 46)


def _wrap(text: str, width: int) -> list[str]:
    lines, current = [], ''
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f'{current} {word}'.strip()
    return lines + [current] if current else lines


def _task_position(task: dict) -> tuple[int, int]:
    position = json.loads(task.get('view') or '{}').get('position') or {}
    return int(position.get('x', 0)), int(position.get('y', 0))


def _task_label(task: dict) -> str:
    body = task.get('task') or {}
    if task.get('type') == 'start':
        return 'Start'
    script = body.get('script') or ''
    suffix = f' ({script.split("|||", 1)[1]})' if '|||' in script else (
        f' ({body["scriptName"]})' if body.get('scriptName') and body['scriptName'] != 'Print' else '')
    return (body.get('name') or '') + suffix


def playbook_image(playbook: dict) -> bytes:
    """The playbook drawn from its own YAML: every task where the playbook editor puts it (``view``), coloured by
    type, and an arrow for every branch with its label: what the content repository keeps in ``doc_files``."""
    tasks = playbook['tasks']
    positions = {key: _task_position(task) for key, task in tasks.items()}
    left = min(x for x, _ in positions.values()) - BOX_WIDTH // 2 - 20
    top = min(y for _, y in positions.values()) - 20
    width = max(x for x, _ in positions.values()) - left + BOX_WIDTH // 2 + 20
    height = max(y for _, y in positions.values()) - top + BOX_HEIGHT + 20
    canvas = Canvas(width, height)
    boxes = {key: (x - left - BOX_WIDTH // 2, y - top) for key, (x, y) in positions.items()}
    labels = []
    for key in sorted(tasks, key=lambda k: (positions[k][1], positions[k][0], k)):
        x, y = boxes[key]
        for label, targets in sorted((tasks[key].get('nexttasks') or {}).items()):
            for target in targets or ():
                if str(target) not in boxes:
                    continue
                tx, ty = boxes[str(target)]
                start, end = (x + BOX_WIDTH // 2, y + BOX_HEIGHT), (tx + BOX_WIDTH // 2, ty - 1)
                canvas.line(*start, *end, EDGE_COLOR)
                canvas.arrow_head(*end, EDGE_COLOR)
                if label != '#none#':
                    name = {'#default#': 'else', '#error#': 'error'}.get(label, label)
                    labels.append((start[0] + (end[0] - start[0]) // 3, start[1] + (end[1] - start[1]) // 3, name))
    for key, (x, y) in boxes.items():
        fill, border = TASK_COLORS.get(tasks[key].get('type'), TASK_COLORS['regular'])
        canvas.rect(x, y, x + BOX_WIDTH, y + BOX_HEIGHT, border)
        canvas.rect(x + 2, y + 2, x + BOX_WIDTH - 2, y + BOX_HEIGHT - 2, fill)
        lines = _wrap(_task_label(tasks[key]), (BOX_WIDTH - 12) // GLYPH_ADVANCE)[:4]
        first = y + (BOX_HEIGHT - len(lines) * LINE_HEIGHT) // 2 + 2
        for number, line in enumerate(lines):
            canvas.text(x + (BOX_WIDTH - len(line) * GLYPH_ADVANCE) // 2 + 1, first + number * LINE_HEIGHT, line,
                        TEXT_COLOR)
    for x, y, name in labels:
        text_width = len(name) * GLYPH_ADVANCE
        canvas.rect(x - text_width // 2 - 3, y - 3, x + text_width // 2 + 3, y + 5 * GLYPH_SCALE + 3, (255, 255, 255))
        canvas.text(x - text_width // 2 + 1, y, name, LABEL_COLOR)
    return canvas.png()
