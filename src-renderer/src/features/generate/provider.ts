/** Which execution provider a preference resolves to here (the engine's `auto` order, ort.ts AUTO_ORDER). */
import type { ProviderStatusData, Settings } from '../../lib/api/types.ts';

const AUTO_ORDER = ['cuda', 'dml', 'coreml', 'webgpu', 'cpu'] as const;

export function resolveProvider(preference: Settings['provider'], providers: readonly ProviderStatusData[]): { label: string; note: string | null } {
  const working = providers.filter((p) => p.works);
  if (preference === 'auto') {
    const pick = AUTO_ORDER.map((id) => working.find((p) => p.id === id)).find((p) => p !== undefined);
    return { label: pick?.label ?? 'CPU', note: 'chosen automatically' };
  }
  const wanted = providers.find((p) => p.id === preference);
  if (wanted?.works) return { label: wanted.label, note: null };
  return { label: 'CPU', note: `${wanted?.label ?? preference} is not available here` };
}
