/**
 * Short notices at the bottom of the window: what just happened, with at most one action
 * ("Undo" after a delete). Errors stay until dismissed; the rest fade after a while.
 */
export type ToastKind = 'info' | 'success' | 'error';

export interface ToastAction {
  label: string;
  run: () => void | Promise<unknown>;
}

export interface Toast {
  id: number;
  kind: ToastKind;
  message: string;
  /** further lines (notes), shown smaller */
  details: readonly string[];
  action: ToastAction | null;
}

export interface ToastInput {
  kind?: ToastKind;
  message: string;
  details?: readonly string[];
  action?: ToastAction;
  /** ms until it goes away; 0 = stays until dismissed (default: errors stay, others 6 s, with an action 10 s) */
  timeoutMs?: number;
}

export interface TimerDeps {
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
}

const MAX_TOASTS = 4;

export class ToastState {
  #toasts = $state.raw<readonly Toast[]>([]);
  #nextId = 1;
  /** not reactive: timer handles by toast id */
  readonly #timers: Record<number, unknown> = {};
  readonly #time: TimerDeps;

  constructor(time?: TimerDeps) {
    this.#time = time ?? {
      setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
      clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof globalThis.setTimeout>),
    };
  }

  get toasts(): readonly Toast[] {
    return this.#toasts;
  }

  show(input: ToastInput): number {
    const kind = input.kind ?? 'info';
    const toast: Toast = { id: this.#nextId++, kind, message: input.message, details: input.details ?? [], action: input.action ?? null };
    const all = [...this.#toasts, toast];
    for (const dropped of all.slice(0, Math.max(0, all.length - MAX_TOASTS))) this.#clearTimer(dropped.id);
    this.#toasts = all.slice(-MAX_TOASTS);
    const timeout = input.timeoutMs ?? (kind === 'error' ? 0 : input.action ? 10_000 : 6_000);
    if (timeout > 0) this.#timers[toast.id] = this.#time.setTimeout(() => this.dismiss(toast.id), timeout);
    return toast.id;
  }

  dismiss(id: number): void {
    this.#clearTimer(id);
    this.#toasts = this.#toasts.filter((t) => t.id !== id);
  }

  /** Runs a toast's action once, then dismisses it. */
  async act(id: number): Promise<void> {
    const toast = this.#toasts.find((t) => t.id === id);
    if (!toast?.action) return;
    this.dismiss(id);
    await toast.action.run();
  }

  #clearTimer(id: number): void {
    const timer = this.#timers[id];
    if (timer !== undefined) this.#time.clearTimeout(timer);
    delete this.#timers[id];
  }
}
