import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { routeAppRequest } from '../../../src-main/app/protocol-routes.ts';

const deps = { rendererDir: '/app/dist/renderer', galleryFile: (name: string) => (/^[a-z0-9-]+\.png$/.test(name) ? path.join('/data/gallery', name) : null) };

describe('reverie:// protocol routes', () => {
  it('serves the renderer and gallery images at the same paths as browser mode', () => {
    expect(routeAppRequest('reverie://app/', deps)).toEqual({ file: '/app/dist/renderer/index.html', contentType: 'text/html; charset=utf-8' });
    expect(routeAppRequest('reverie://app/assets/index-1.js', deps)).toEqual({ file: '/app/dist/renderer/assets/index-1.js', contentType: 'text/javascript; charset=utf-8' });
    expect(routeAppRequest('reverie://app/media/gallery/abc-1.png', deps)).toEqual({ file: '/data/gallery/abc-1.png', contentType: 'image/png' });
  });

  it('refuses other hosts, traversal and foreign names', () => {
    expect(routeAppRequest('reverie://other/index.html', deps)).toMatchObject({ status: 404 });
    expect(routeAppRequest('reverie://app/media/gallery/..%2F..%2Fsettings.json', deps)).toMatchObject({ status: 404 });
    expect(routeAppRequest('reverie://app/..%2F..%2F..%2Fetc%2Fpasswd', deps)).toEqual({ file: '/app/dist/renderer/etc/passwd', contentType: 'application/octet-stream' });
    expect(routeAppRequest('reverie://app/media/gallery/%E0%A4%A', deps)).toMatchObject({ status: 400 });
  });
});
