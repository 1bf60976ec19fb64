/**
 * Every tab that works on an image has an input of its own (Image to image, Inpaint, Denoise, and
 * the Process tab's forward process and anomaly map): a drop, a paste or "Send to" sets only the
 * input of the tab that is open or named, and "Use the image from …" copies another tab's input on
 * purpose. One InputImageState per tab; the same bytes shared by two tabs are uploaded once (Uploads
 * keys them by Blob).
 */
import type { GalleryItem } from '../api/types.ts';
import { InputImageState } from './input-image.svelte.ts';
import type { InputImage, InputImageDeps, InputSource } from './input-image.svelte.ts';
import type { ToastState } from './toasts.svelte.ts';
import { EDIT_TABS, tabLabel } from './ui.svelte.ts';
import type { EditTabId, UiState } from './ui.svelte.ts';

/** the Process tab's views that take an image */
export type ProcessInputId = 'forward' | 'anomaly';
export type InputTabId = EditTabId | ProcessInputId;

const PROCESS_INPUT_LABELS: Record<ProcessInputId, string> = { forward: 'Forward process', anomaly: 'Anomaly map' };
export const INPUT_TABS: readonly InputTabId[] = [...EDIT_TABS, 'forward', 'anomaly'];

/** "Image to image", "Forward process" */
export function inputLabel(id: InputTabId): string {
  return id === 'forward' || id === 'anomaly' ? PROCESS_INPUT_LABELS[id] : tabLabel(id);
}

/** Another tab's input that can be copied: the tab and its image. */
export interface OtherInput {
  readonly id: InputTabId;
  readonly label: string;
  readonly image: InputImage;
}

const isEditTab = (tab: string): tab is EditTabId => (EDIT_TABS as readonly string[]).includes(tab);

export class EditInputs {
  readonly #inputs: Record<InputTabId, InputImageState>;
  /** the Process view now showing an input (set by the view while it is on screen) */
  #shown = $state<ProcessInputId | null>(null);

  constructor(
    private readonly ui: UiState,
    private readonly toasts: ToastState,
    deps: InputImageDeps = {},
  ) {
    const make = (): InputImageState => new InputImageState(deps);
    this.#inputs = { img2img: make(), inpaint: make(), denoise: make(), forward: make(), anomaly: make() };
  }

  /** the input of one tab */
  of(id: InputTabId): InputImageState {
    return this.#inputs[id];
  }

  /** where a dropped or pasted image goes now: the open edit tab, or the Process view showing an input; null elsewhere */
  get target(): InputTabId | null {
    const tab = this.ui.tab;
    if (isEditTab(tab)) return tab;
    return tab === 'process' ? this.#shown : null;
  }

  /** A Process view that shows an input calls this while it is on screen; returns the cleanup. */
  showing(id: ProcessInputId): () => void {
    this.#shown = id;
    return () => {
      if (this.#shown === id) this.#shown = null;
    };
  }

  /** The other tabs' inputs that hold an image, each image once (what "Use the image from …" offers to `id`). */
  others(id: InputTabId): OtherInput[] {
    const out: OtherInput[] = [];
    for (const other of INPUT_TABS) {
      const image = this.#inputs[other].image;
      if (other !== id && image && !out.some((o) => o.image.blob === image.blob)) out.push({ id: other, label: inputLabel(other), image });
    }
    return out;
  }

  /** "Use the image from <tab>": `to` gets the same image as `from`; false when `from` has none. */
  copy(from: InputTabId, to: InputTabId): boolean {
    const image = this.#inputs[from].image;
    if (!image || from === to) return false;
    this.#inputs[to].adopt(image);
    return true;
  }

  /** An image dropped or pasted on the window: the target's input; false when no tab takes one now. */
  async take(file: Blob, name: string, source: InputSource): Promise<boolean> {
    const target = this.target;
    if (target === null) return false;
    await this.#set(target, file, name, source);
    return true;
  }

  /** "Use as input image" (a PNG without parameters): that tab's input, and the tab opens. */
  async use(file: Blob, name: string, tab: EditTabId): Promise<void> {
    if (await this.#set(tab, file, name, 'drop')) this.ui.tab = tab;
  }

  /** "Send to …": the item becomes the input image of that edit tab only, which opens. */
  async send(item: GalleryItem, tab: EditTabId): Promise<void> {
    const input = this.#inputs[tab];
    if (await input.setFromGallery(item)) {
      this.ui.tab = tab;
      this.toasts.show({ kind: 'success', message: `${item.fileName} is the input image of ${tabLabel(tab)}.` });
    } else {
      this.toasts.show({ kind: 'error', message: input.error ?? `Could not use ${item.fileName}.` });
    }
  }

  async #set(id: InputTabId, file: Blob, name: string, source: InputSource): Promise<boolean> {
    const input = this.#inputs[id];
    if (await input.setFile(file, name, source)) return true;
    this.toasts.show({ kind: 'error', message: input.error ?? `Could not use ${name}.` });
    return false;
  }
}
