/**
 * What the user reads when the engine process dies while it is needed (issue 18, item 6). A SIGKILL
 * is what the system sends when memory runs out (Linux's OOM killer, macOS's jetsam, a container's
 * memory limit), and nothing in Reverie sends it, so it is reported as running out of memory, with
 * what to change, instead of "signal SIGKILL". Any other exit keeps the signal or exit code.
 */
export interface ExitFacts {
  code: number | null;
  signal: string | null;
}

/** Killed by SIGKILL: the system ran out of memory (or someone ran `kill -9`; the advice is the same). */
export function killedForMemory(exit: ExitFacts): boolean {
  return exit.signal === 'SIGKILL';
}

/**
 * The ENGINE_CRASHED message: `during` names the calls that were running (' while running "txt2img"'),
 * `next` says whether a fresh engine was started.
 */
export function crashMessage(exit: ExitFacts, pid: number | null, during: string, next: string): string {
  if (killedForMemory(exit)) {
    return (
      `The engine ran out of memory (killed by the system: signal SIGKILL, pid ${pid ?? '?'})${during}. ` +
      'Use a smaller image size or batch size (a batch count makes more images one after another without more memory), ' +
      `or close other programs to free memory. ${next}`
    );
  }
  const how = exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code ?? 'unknown'}`;
  return `The engine process (pid ${pid ?? '?'}) stopped unexpectedly (${how})${during}. ${next}`;
}
