/**
 * Where a roving focus goes on a key (WAI-ARIA tabs pattern): arrows wrap around, Home and End jump
 * to the ends; −1 for any other key. Shared by the tab bars and the Pipeline view's stage chain.
 */
export function rovingTarget(key: string, index: number, count: number): number {
  const last = count - 1;
  if (key === 'ArrowRight') return index === last ? 0 : index + 1;
  if (key === 'ArrowLeft') return index === 0 ? last : index - 1;
  if (key === 'Home') return 0;
  if (key === 'End') return last;
  return -1;
}
