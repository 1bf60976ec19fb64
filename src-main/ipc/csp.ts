/**
 * The renderer's Content Security Policy, the same in Electron (protocol response header) and in
 * browser mode (HTTP response header); src-renderer/index.html carries it as a meta tag too (a
 * unit test keeps them equal). Scripts only from our own origin: no inline script, no eval, no
 * remote content. Styles allow inline attributes (Svelte sets style attributes); images allow
 * data:/blob: for live previews and canvases.
 */
export const CSP_DIRECTIVES: Readonly<Record<string, string>> = {
  'default-src': "'self'",
  'script-src': "'self'",
  'style-src': "'self' 'unsafe-inline'",
  'img-src': "'self' data: blob:",
  'font-src': "'self'",
  'connect-src': "'self'",
  'media-src': "'self' blob:",
  'worker-src': "'self' blob:",
  'object-src': "'none'",
  'base-uri': "'none'",
  'form-action': "'none'",
  'frame-ancestors': "'none'",
};

export const CONTENT_SECURITY_POLICY = Object.entries(CSP_DIRECTIVES)
  .map(([name, value]) => `${name} ${value}`)
  .join('; ');

/** The same policy for a <meta http-equiv> tag, which cannot carry frame-ancestors (browsers ignore it there). */
export const CONTENT_SECURITY_POLICY_META = Object.entries(CSP_DIRECTIVES)
  .filter(([name]) => name !== 'frame-ancestors')
  .map(([name, value]) => `${name} ${value}`)
  .join('; ');
