/**
 * The studio's keyboard shortcuts: one table, used by the global key handler and listed in the
 * help popover. Matching is a pure function of the key event's fields.
 */
export type ShortcutId =
  | 'generate'
  | 'cancel'
  | 'help'
  | 'settings'
  | 'tab-1'
  | 'tab-2'
  | 'tab-3'
  | 'tab-4'
  | 'tab-5'
  | 'tab-6'
  | 'tab-7'
  | 'undo-delete';

export interface Shortcut {
  id: ShortcutId;
  /** as shown to the user, e.g. ["Ctrl", "Enter"] */
  keys: readonly string[];
  description: string;
  /** also fires while typing in a text field */
  inTextFields: boolean;
}

/** Also listed in the help popover, but handled by the focused control itself. */
export interface LocalShortcut {
  keys: readonly string[];
  description: string;
}

export const SHORTCUTS: readonly Shortcut[] = [
  { id: 'generate', keys: ['Ctrl', 'Enter'], description: 'Generate (queue a job)', inTextFields: true },
  { id: 'cancel', keys: ['Esc'], description: 'Cancel the running job', inTextFields: true },
  { id: 'tab-1', keys: ['Alt', '1'], description: 'Generate tab', inTextFields: true },
  { id: 'tab-2', keys: ['Alt', '2'], description: 'Image to image tab', inTextFields: true },
  { id: 'tab-3', keys: ['Alt', '3'], description: 'Inpaint tab', inTextFields: true },
  { id: 'tab-4', keys: ['Alt', '4'], description: 'Denoise tab', inTextFields: true },
  { id: 'tab-5', keys: ['Alt', '5'], description: 'Process tab', inTextFields: true },
  { id: 'tab-6', keys: ['Alt', '6'], description: 'Gallery tab', inTextFields: true },
  { id: 'tab-7', keys: ['Alt', '7'], description: 'Playground tab', inTextFields: true },
  { id: 'settings', keys: ['Ctrl', ','], description: 'Settings', inTextFields: true },
  { id: 'undo-delete', keys: ['Ctrl', 'Z'], description: 'Undo the last delete (outside text fields)', inTextFields: false },
  { id: 'help', keys: ['?'], description: 'Keyboard shortcuts (outside text fields)', inTextFields: false },
];

/** The global shortcuts as the help lists them: the seven tab keys in one row. */
export const HELP_SHORTCUTS: readonly LocalShortcut[] = [
  ...SHORTCUTS.filter((s) => !s.id.startsWith('tab-')).slice(0, 2),
  { keys: ['Alt', '1 … 7'], description: 'Switch to the tab of that number (Generate … Playground)' },
  ...SHORTCUTS.filter((s) => !s.id.startsWith('tab-')).slice(2),
];

export const LOCAL_SHORTCUTS: readonly LocalShortcut[] = [
  { keys: ['←', '→', '↑', '↓'], description: 'Move between tabs, results and gallery images' },
  { keys: ['↑', '↓'], description: 'In the prompt: earlier prompts of your jobs, and back to what you typed' },
  { keys: ['Delete'], description: 'Delete the selected gallery image, or all the picked ones (undo with Ctrl+Z)' },
  { keys: ['Enter'], description: 'Open the selected result on the canvas' },
  { keys: ['Space'], description: 'Gallery: view the selected image full size (← → for the next, Esc closes)' },
  { keys: ['Shift', '←', '→'], description: 'Gallery: pick several images (also Ctrl+click, Shift+click, Ctrl+Space, Ctrl+A)' },
  { keys: ['Ctrl', 'V'], description: 'Paste an image: its parameters, or the input of an edit tab' },
];

/** The fields of a KeyboardEvent the matcher reads. */
export interface KeyInput {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
  /** the focused element is a text field (input, textarea, contenteditable) */
  inTextField: boolean;
}

function which(e: KeyInput): ShortcutId | null {
  const mod = e.ctrlKey || e.metaKey; // Cmd on macOS
  if (mod && !e.altKey && e.key === 'Enter') return 'generate';
  if (e.key === 'Escape' && !mod && !e.altKey) return 'cancel';
  if (mod && !e.altKey && e.key === ',') return 'settings';
  if (mod && !e.altKey && !e.shiftKey && (e.key === 'z' || e.key === 'Z')) return 'undo-delete';
  if (e.altKey && !mod && /^[1-7]$/.test(e.key)) return `tab-${e.key}` as ShortcutId;
  if (!mod && !e.altKey && e.key === '?') return 'help';
  return null;
}

export function matchShortcut(e: KeyInput): ShortcutId | null {
  const id = which(e);
  if (!id) return null;
  const shortcut = SHORTCUTS.find((s) => s.id === id);
  return shortcut && (shortcut.inTextFields || !e.inTextField) ? id : null;
}
