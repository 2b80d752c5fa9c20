/**
 * A wait that an interruption ends at once: a rollout stopped with Ctrl-C while it bakes for 30
 * minutes must stop now, its timer cleared so that nothing keeps the process alive.
 */

/** The longest delay a Node timer takes (about 24.8 days); a longer one would fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Waits `ms`, at most MAX_TIMER_MS: callers that wait longer check their clock and wait again. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.min(Math.max(0, ms), MAX_TIMER_MS),
    );
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
