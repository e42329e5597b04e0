// Exponential backoff with full jitter: attempt 1 waits up to base, attempt n up to base*2^(n-1),
// capped. Jitter spreads retries of parallel workers so they do not hammer a recovering server.
export function backoffDelayMs(
  attempt: number,
  baseMs: number,
  capMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
