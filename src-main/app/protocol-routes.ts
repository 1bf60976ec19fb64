/**
 * What reverie://app/<path> serves (pure, tested without Electron): the built renderer, and
 * gallery images under /media/gallery/ — the same paths browser mode serves over HTTP, so the
 * renderer uses one URL scheme for images in both modes.
 */
import { MEDIA_PREFIX } from '../ipc/names.ts';
import { APP_HOST, APP_SCHEME } from '../ipc/validate-sender.ts';
import { mimeType, resolveUnder } from '../server/static.ts';

export type AppRoute = { file: string; contentType: string } | { status: number; reason: string };

export interface AppRouteDeps {
  rendererDir: string;
  galleryFile: (fileName: string) => string | null;
}

export function routeAppRequest(url: string, deps: AppRouteDeps): AppRoute {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { status: 400, reason: 'malformed URL' };
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return { status: 404, reason: `not an app URL: ${url}` };
  const galleryPrefix = `${MEDIA_PREFIX}gallery/`;
  if (u.pathname.startsWith(galleryPrefix)) {
    let name: string;
    try {
      name = decodeURIComponent(u.pathname.slice(galleryPrefix.length));
    } catch {
      return { status: 400, reason: 'malformed image name' };
    }
    const file = deps.galleryFile(name);
    return file ? { file, contentType: 'image/png' } : { status: 404, reason: 'no such image' };
  }
  const file = resolveUnder(deps.rendererDir, u.pathname === '/' ? '/index.html' : u.pathname);
  if (!file) return { status: 404, reason: `nothing at ${u.pathname}` };
  return { file, contentType: mimeType(file) };
}
