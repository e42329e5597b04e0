// Durations in the jobs file are written like "0s", "90s", "15m", "2h", "1d".
const units: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDurationMs(text: string): number | undefined {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(text.trim());
  if (match === null) return undefined;
  const [, amount, unit] = match;
  const factor = unit === undefined ? undefined : units[unit];
  return amount === undefined || factor === undefined ? undefined : Number(amount) * factor;
}
