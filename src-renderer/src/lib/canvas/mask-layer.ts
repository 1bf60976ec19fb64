/**
 * An editable mask with strokes and undo/redo, free of the DOM (and of Svelte: the state class in
 * lib/state/inpaint.svelte.ts wraps it). History entries keep only the rectangle a change touched,
 * before and after, within a byte budget — a stroke on a 24-megapixel photo costs its bounding box,
 * not the whole mask.
 */
import { composeStroke, createMask, cropBytes, dabSpacing, fullRect, invertMask, pasteBytes, stampDab, strokePoints, unionRect } from './mask.ts';
import type { Brush, MaskImage, Point, Rect } from './mask.ts';

interface Change {
  rect: Rect;
  before: Uint8Array;
  after: Uint8Array;
}

interface Stroke {
  brush: Brush;
  base: Uint8Array;
  coverage: Uint8Array;
  last: Point;
  bounds: Rect | null;
}

/** Undo history kept within this many bytes (two crops per change). */
export const HISTORY_BYTES = 96 * 1024 * 1024;

export class MaskLayer {
  readonly width: number;
  readonly height: number;
  /** the mask itself, edited in place */
  readonly data: Uint8Array;
  private readonly undoStack: Change[] = [];
  private readonly redoStack: Change[] = [];
  private stroke: Stroke | null = null;

  constructor(
    width: number,
    height: number,
    private readonly historyBytes = HISTORY_BYTES,
  ) {
    this.width = width;
    this.height = height;
    this.data = createMask(width, height).data;
  }

  get mask(): MaskImage {
    return { width: this.width, height: this.height, data: this.data };
  }
  get canUndo(): boolean {
    return this.undoStack.length > 0;
  }
  get canRedo(): boolean {
    return this.redoStack.length > 0;
  }
  get stroking(): boolean {
    return this.stroke !== null;
  }

  /** Starts a stroke with one dab at p; returns the pixels that changed. */
  beginStroke(brush: Brush, p: Point): Rect | null {
    this.endStroke();
    this.stroke = { brush, base: Uint8Array.from(this.data), coverage: new Uint8Array(this.data.length), last: p, bounds: null };
    return this.dab(p);
  }

  /** Continues the stroke to p, dabbing along the way. */
  strokeTo(p: Point): Rect | null {
    const s = this.stroke;
    if (!s) return null;
    let dirty: Rect | null = null;
    for (const q of strokePoints(s.last, p, dabSpacing(s.brush.radius))) dirty = unionRect(dirty, this.dab(q));
    s.last = p;
    return dirty;
  }

  /** Ends the stroke and records it for undo (nothing when it changed nothing). */
  endStroke(): void {
    const s = this.stroke;
    this.stroke = null;
    if (!s?.bounds) return;
    const before = cropBytes(s.base, this.width, s.bounds);
    const after = cropBytes(this.data, this.width, s.bounds);
    if (before.every((v, i) => v === after[i])) return;
    this.push({ rect: s.bounds, before, after });
  }

  invert(): Rect {
    return this.replaceAll(invertMask(this.mask).data);
  }

  clear(): Rect {
    return this.replaceAll(new Uint8Array(this.data.length));
  }

  /** Replaces the whole mask (e.g. loaded from a file of the same size), undoable. */
  replaceAll(next: Uint8Array): Rect {
    this.endStroke();
    const rect = fullRect(this);
    const before = Uint8Array.from(this.data);
    this.data.set(next);
    this.push({ rect, before, after: Uint8Array.from(next) });
    return rect;
  }

  undo(): Rect | null {
    this.endStroke();
    const change = this.undoStack.pop();
    if (!change) return null;
    pasteBytes(this.data, this.width, change.rect, change.before);
    this.redoStack.push(change);
    return change.rect;
  }

  redo(): Rect | null {
    this.endStroke();
    const change = this.redoStack.pop();
    if (!change) return null;
    pasteBytes(this.data, this.width, change.rect, change.after);
    this.undoStack.push(change);
    return change.rect;
  }

  private dab(p: Point): Rect | null {
    const s = this.stroke;
    if (!s) return null;
    const rect = stampDab(s.coverage, this.width, this.height, p, s.brush);
    if (!rect) return null;
    composeStroke(s.base, s.coverage, this.data, this.width, rect, s.brush.mode);
    s.bounds = unionRect(s.bounds, rect);
    return rect;
  }

  private push(change: Change): void {
    this.undoStack.push(change);
    this.redoStack.length = 0;
    let bytes = this.undoStack.reduce((n, c) => n + c.before.length + c.after.length, 0);
    // keep at least the newest change, however large
    while (bytes > this.historyBytes && this.undoStack.length > 1) {
      const dropped = this.undoStack.shift() as Change;
      bytes -= dropped.before.length + dropped.after.length;
    }
  }
}
