/**
 * Window-level view state: which tab is open, what the central canvas shows, which dialog or
 * popover is open. No data from the main side lives here.
 */
export const TABS = [
  { id: 'generate', label: 'Generate' },
  { id: 'img2img', label: 'Image to image' },
  { id: 'inpaint', label: 'Inpaint' },
  { id: 'denoise', label: 'Denoise' },
  { id: 'process', label: 'Process' },
  { id: 'gallery', label: 'Gallery' },
  { id: 'playground', label: 'Playground' },
] as const;

export type TabId = (typeof TABS)[number]['id'];
/** the tabs that work on an input image (each its own InputImageState, EditInputs) */
export type EditTabId = 'img2img' | 'inpaint' | 'denoise';
export const EDIT_TABS: readonly EditTabId[] = ['img2img', 'inpaint', 'denoise'];

export function tabLabel(id: TabId): string {
  return TABS.find((t) => t.id === id)?.label ?? id;
}

/** The canvas follows a job (live preview, progress, or where it stopped) or shows one saved image. */
export type CanvasView =
  | { kind: 'empty' }
  | { kind: 'job'; jobId: string }
  | { kind: 'image'; id: string }
  /** every image of one finished job as a grid (a batch); a cell opens that image (kind 'image') */
  | { kind: 'batch'; jobId: string };

export class UiState {
  #tab = $state<TabId>('generate');
  #canvas = $state.raw<CanvasView>({ kind: 'empty' });
  #settingsOpen = $state(false);
  #helpOpen = $state(false);
  /**
   * The queue beside every tab (the top bar's Queue button toggles it): shown at first on windows
   * wide enough to spare the room, as InvokeAI's right-hand panel is.
   */
  #queueOpen = $state(((globalThis as { innerWidth?: number }).innerWidth ?? 1280) >= 1200);

  get tab(): TabId {
    return this.#tab;
  }
  set tab(id: TabId) {
    this.#tab = id;
  }
  get isEditTab(): boolean {
    return (EDIT_TABS as readonly string[]).includes(this.#tab);
  }
  get canvas(): CanvasView {
    return this.#canvas;
  }
  get settingsOpen(): boolean {
    return this.#settingsOpen;
  }
  set settingsOpen(open: boolean) {
    this.#settingsOpen = open;
    if (open) this.#helpOpen = false;
  }
  get queueOpen(): boolean {
    return this.#queueOpen;
  }
  set queueOpen(open: boolean) {
    this.#queueOpen = open;
  }
  get helpOpen(): boolean {
    return this.#helpOpen;
  }
  set helpOpen(open: boolean) {
    this.#helpOpen = open;
  }
  /** a dialog or popover has the keyboard (Esc closes it instead of cancelling the job) */
  get overlayOpen(): boolean {
    return this.#settingsOpen || this.#helpOpen;
  }

  showJob(jobId: string): void {
    this.#canvas = { kind: 'job', jobId };
  }
  showImage(id: string): void {
    this.#canvas = { kind: 'image', id };
  }
  /** the images of one job as a grid (BatchGrid) */
  showBatch(jobId: string): void {
    this.#canvas = { kind: 'batch', jobId };
  }
  clearCanvas(): void {
    this.#canvas = { kind: 'empty' };
  }
  /**
   * A finished job hands the canvas to its image, or to the grid of its images when it made several,
   * unless the user looked elsewhere meanwhile.
   */
  jobFinished(jobId: string, firstImageId: string, images = 1): void {
    const view = this.#canvas;
    if (view.kind !== 'empty' && !(view.kind === 'job' && view.jobId === jobId)) return;
    if (images > 1) this.showBatch(jobId);
    else this.showImage(firstImageId);
  }
  /** An image went away (deleted): the canvas shows the next one, if any. */
  imageRemoved(id: string, next: string | null): void {
    const view = this.#canvas;
    if (view.kind === 'image' && view.id === id) this.#canvas = next ? { kind: 'image', id: next } : { kind: 'empty' };
  }
}
