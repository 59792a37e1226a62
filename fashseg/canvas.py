"""The drawing canvas: a plain HTML canvas in a ``gr.HTML``, sending one small PNG per stroke.

Gradio's Sketchpad uploads its background, layers and composite as separate files
several times after every stroke and only then runs the event: 1.5 s from pen-up
to answer on a 2-core machine. This canvas keeps its strokes in the browser and,
when a stroke ends (or on Undo or Clear), sends the picture as one ``data:`` URL
with the event itself: the answer is back in about a tenth of that.

The value the server receives is checked by ``drawn_picture``: only a PNG data URL
(or nothing, for an empty canvas) is accepted, never a path on the server.
"""

from __future__ import annotations

import gradio as gr

from .preprocess import InputError

SIZE = 400  # the canvas's own pixels, whatever its size on screen
PNG_URL = "data:image/png;base64,"
NOT_A_DRAWING = "The request does not hold a drawing: draw on the canvas, or upload the drawing as a picture file."

HTML = f"""
<div class="pad">
  <div class="tools" role="toolbar" aria-label="Drawing tools">
    <button type="button" data-tool="pen" aria-pressed="true">Pen</button>
    <button type="button" data-tool="eraser" aria-pressed="false">Eraser</button>
    <label class="size">Size <input type="range" min="4" max="40" step="2" value="12" aria-label="Brush size"></label>
    <button type="button" class="undo" title="Undo (Ctrl+Z)" disabled>Undo</button>
    <button type="button" class="clear" aria-label="Clear canvas" disabled>Clear</button>
  </div>
  <div class="sheet">
    <canvas width="{SIZE}" height="{SIZE}" role="img" aria-label="Drawing canvas: draw one garment, shoe or bag"></canvas>
    <p class="hint" aria-hidden="true">Draw one garment here: the answer follows every stroke</p>
  </div>
</div>
"""

CSS = """
.pad { display: flex; flex-direction: column; gap: 8px; align-items: center; }
.tools { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; justify-content: center; }
.tools button { padding: 4px 12px; border-radius: var(--button-small-radius, 6px); cursor: pointer;
  border: 1px solid var(--border-color-primary); background: var(--button-secondary-background-fill);
  color: var(--button-secondary-text-color); font-size: var(--text-md); min-height: 32px; }
.tools button[aria-pressed="true"] { background: var(--button-primary-background-fill); color: var(--button-primary-text-color); }
.tools button:disabled { opacity: 0.5; cursor: default; }
.tools .size { display: flex; align-items: center; gap: 4px; color: var(--body-text-color); font-size: var(--text-md); }
.tools .size input { width: 90px; }
.sheet { position: relative; width: 100%; max-width: 400px; aspect-ratio: 1 / 1; }
.sheet canvas { width: 100%; height: 100%; display: block; background: #fff; touch-action: none; cursor: crosshair;
  border: 1px solid var(--border-color-primary); border-radius: var(--radius-lg, 8px); box-sizing: border-box; }
.hint { position: absolute; inset: 0; display: flex; align-items: center; justify-content: center; margin: 0; padding: 24px;
  text-align: center; color: #555; pointer-events: none; user-select: none; font-size: var(--text-lg); }
.hint[hidden] { display: none; }
"""

# `element`, `props` and `trigger` are given by gr.HTML. A stroke is painted as the
# pointer moves and sent when it ends; Undo and Clear (itself undoable) send too.
JS = """
const canvas = element.querySelector('canvas');
const SIZE = canvas.width;
const ctx = canvas.getContext('2d');
const hint = element.querySelector('.hint');
const undoBtn = element.querySelector('.undo'), clearBtn = element.querySelector('.clear');
const sizeInput = element.querySelector('.size input');
const history = [];  // strokes {width, erase, points}, and {clear: true} markers
let current = null, erase = false;

const paint = s => {
  if (s.clear) { ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, SIZE, SIZE); return; }
  ctx.strokeStyle = ctx.fillStyle = s.erase ? '#fff' : '#000';
  ctx.lineWidth = s.width; ctx.lineCap = ctx.lineJoin = 'round';
  const p = s.points;
  ctx.beginPath();
  if (p.length === 1) { ctx.arc(p[0][0], p[0][1], s.width / 2, 0, 2 * Math.PI); ctx.fill(); return; }
  ctx.moveTo(p[0][0], p[0][1]);
  for (const [x, y] of p.slice(1)) ctx.lineTo(x, y);
  ctx.stroke();
};
const redraw = () => { paint({clear: true}); history.forEach(paint); };
const since = () => history.slice(history.map(s => !!s.clear).lastIndexOf(true) + 1);
const send = () => {
  const drawn = since().some(s => !s.erase);
  hint.hidden = history.length > 0;
  undoBtn.disabled = history.length === 0;
  clearBtn.disabled = since().length === 0;
  props.value = drawn ? canvas.toDataURL('image/png') : null;
  trigger('change');
};
const at = e => {
  const r = canvas.getBoundingClientRect();
  return [(e.clientX - r.left) * SIZE / r.width, (e.clientY - r.top) * SIZE / r.height];
};

canvas.addEventListener('pointerdown', e => {
  if (e.button !== 0 && e.pointerType === 'mouse') return;
  e.preventDefault();
  canvas.setPointerCapture(e.pointerId);
  current = {width: +sizeInput.value, erase, points: [at(e)]};
  history.push(current);
  hint.hidden = true;
  paint(current);
});
// A busy page (or a fast finger) delivers one pointermove per frame for several
// positions; drawing through all of them keeps corners that a straight line would cut.
const extend = events => {
  const last = current.points[current.points.length - 1];
  const next = events.map(at).filter(([x, y], i, a) => { const [px, py] = i ? a[i - 1] : last; return x !== px || y !== py; });
  if (!next.length) return;
  current.points.push(...next);
  paint({...current, points: [last, ...next]});
};
canvas.addEventListener('pointermove', e => {
  if (!current) return;
  const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [];
  extend(events.length ? events : [e]);
});
const end = e => { if (current) { if (e.type === 'pointerup') extend([e]); current = null; send(); } };
canvas.addEventListener('pointerup', end);
canvas.addEventListener('pointercancel', end);

element.querySelectorAll('[data-tool]').forEach(b => b.addEventListener('click', () => {
  erase = b.dataset.tool === 'eraser';
  element.querySelectorAll('[data-tool]').forEach(o => o.setAttribute('aria-pressed', String(o === b)));
}));
undoBtn.addEventListener('click', () => { history.pop(); redraw(); send(); });
clearBtn.addEventListener('click', () => { history.push({clear: true}); redraw(); send(); });
// Ctrl+Z (Cmd+Z) undoes a stroke wherever the focus is, while the canvas is on screen and no text field has it
document.addEventListener('keydown', e => {
  if (!(e.ctrlKey || e.metaKey) || e.shiftKey || e.key.toLowerCase() !== 'z' || !canvas.offsetParent || !history.length) return;
  if (e.target.closest && e.target.closest('input:not([type="range"]), textarea, [contenteditable="true"]')) return;
  e.preventDefault();
  undoBtn.click();
});
paint({clear: true});
canvas.dataset.ready = 'true';  // the listeners are attached: scripts and tests wait for this before drawing
"""


def drawing_canvas(elem_id: str = "canvas") -> gr.HTML:
    """The canvas component; its value is a PNG ``data:`` URL of the drawing, or None while it is empty."""
    return gr.HTML(value=None, html_template=HTML, css_template=CSS, js_on_load=JS, elem_id=elem_id, label="Drawing")


def drawn_picture(value) -> str | None:
    """What the canvas sent, if it is a drawing: a PNG data URL (decoded, size-capped, by ``load_image``), or None."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not value.startswith(PNG_URL):
        raise InputError(NOT_A_DRAWING)
    return value
