/** Numbers of the Pipeline view as people read them: four significant digits, small and large ones in e-notation. */
export function statText(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e5 || a < 1e-3 ? v.toExponential(3) : Number(v.toPrecision(4)).toString();
}

/** "4 × 8 × 8" */
export function shapeText(dims: readonly number[]): string {
  return dims.join(' × ');
}
