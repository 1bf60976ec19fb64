/** Saving files made in the engine (process exports) from the window. */

/** Download a file made in the engine (exports): a Blob and an object URL behind an <a download>. */
export function saveFile(base64: string, mime: string, fileName: string): void {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const url = URL.createObjectURL(new Blob([bytes], { type: mime }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}
