/**
 * Where the caret of a textarea is drawn, in pixels from the textarea's top left corner (the one
 * DOM helper of lib/prompt): a hidden copy of the textarea with the same box and font lays the text
 * out the same way, and a marker after the text before the caret lands where the caret is.
 */
const COPIED = [
  'box-sizing', 'width', 'border-top-width', 'border-right-width', 'border-bottom-width', 'border-left-width',
  'padding-top', 'padding-right', 'padding-bottom', 'padding-left', 'font-family', 'font-size', 'font-style',
  'font-weight', 'font-stretch', 'font-variant', 'line-height', 'letter-spacing', 'word-spacing', 'text-indent',
  'text-transform', 'tab-size', 'white-space', 'overflow-wrap', 'word-break',
];

export interface CaretBox {
  top: number;
  left: number;
  height: number;
}

export function caretBox(el: HTMLTextAreaElement, offset: number): CaretBox {
  const doc = el.ownerDocument;
  const style = doc.defaultView?.getComputedStyle(el);
  if (!style) return { top: 0, left: 0, height: el.clientHeight };
  const mirror = doc.createElement('div');
  for (const prop of COPIED) mirror.style.setProperty(prop, style.getPropertyValue(prop));
  Object.assign(mirror.style, { position: 'absolute', visibility: 'hidden', top: '0', left: '-9999px', overflow: 'hidden', whiteSpace: 'pre-wrap', height: 'auto' });
  mirror.textContent = el.value.slice(0, offset);
  const marker = doc.createElement('span');
  marker.textContent = el.value.slice(offset) || '.';
  mirror.append(marker);
  doc.body.append(mirror);
  const lineHeight = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.45;
  // offsets are measured inside the mirror's border; the textarea's border is outside them
  const top = marker.offsetTop + (parseFloat(style.borderTopWidth) || 0) - el.scrollTop;
  const left = marker.offsetLeft + (parseFloat(style.borderLeftWidth) || 0) - el.scrollLeft;
  const box = { top, left, height: lineHeight };
  mirror.remove();
  return box;
}
