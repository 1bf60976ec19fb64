/**
 * The studio reaches components through Svelte context: App.svelte sets it once, any component
 * below (the edit tabs' own panels included) calls `useStudio()`.
 */
import { getContext, setContext } from 'svelte';
import type { Studio } from './studio.svelte.ts';

const KEY = Symbol('reverie.studio');

export function provideStudio(studio: Studio): Studio {
  return setContext(KEY, studio);
}

export function useStudio(): Studio {
  const studio = getContext<Studio | undefined>(KEY);
  if (!studio) throw new Error('useStudio() must be called inside the studio (App.svelte provides it)');
  return studio;
}
