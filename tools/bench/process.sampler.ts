// What the bench reads about the stack's processes without touching them: peak RSS (VmHWM) and
// CPU time from /proc, and the batch-duration histograms from each service's /metrics. The
// parsers are pure (unit-tested); the readers return null for a process that is gone.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import type { BatchTiming } from './bench.report';

export interface CpuTicks {
  /** utime + stime of the process itself (all its threads). */
  own: number;
  /** cutime + cstime: children it has waited for (PostgreSQL backends that already exited). */
  reapedChildren: number;
}

/** VmHWM of a /proc/<pid>/status text, in MB (the kernel reports kB). */
export function parsePeakRssMegabytes(status: string): number | null {
  const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
  return match?.[1] === undefined ? null : Math.round((Number(match[1]) / 1024) * 10) / 10;
}

/** The fields of /proc/<pid>/stat the bench needs; the command name may hold spaces and ')'. */
export function parseProcessStat(stat: string): { parentPid: number; ticks: CpuTicks } | null {
  const end = stat.lastIndexOf(')');
  if (end < 0) return null;
  // Fields after "(comm) ": state is field 3, so field n is at index n - 3.
  const fields = stat
    .slice(end + 1)
    .trim()
    .split(/\s+/);
  const field = (n: number): number => Number(fields[n - 3]);
  const values = [field(4), field(14), field(15), field(16), field(17)];
  if (values.some((value) => !Number.isFinite(value))) return null;
  return {
    parentPid: field(4),
    ticks: { own: field(14) + field(15), reapedChildren: field(16) + field(17) },
  };
}

/** qupersync_batch_duration_seconds count and sum per phase from a Prometheus text exposition. */
export function parseBatchDurations(metrics: string): Record<string, BatchTiming> {
  const timings: Record<string, BatchTiming> = {};
  const pattern = /^qupersync_batch_duration_seconds_(sum|count)\{([^}]*)\}\s+(\S+)$/gm;
  for (const match of metrics.matchAll(pattern)) {
    const phase = /phase="([^"]*)"/.exec(match[2] ?? '')?.[1];
    const value = Number(match[3]);
    if (phase === undefined || !Number.isFinite(value)) continue;
    const timing = (timings[phase] ??= { count: 0, sum_seconds: 0 });
    if (match[1] === 'sum') timing.sum_seconds += value;
    else timing.count += value;
  }
  return timings;
}

/** after - before, per phase (histograms only grow while the process lives). */
export function subtractBatchDurations(
  after: Record<string, BatchTiming>,
  before: Record<string, BatchTiming>,
): Record<string, BatchTiming> {
  const difference: Record<string, BatchTiming> = {};
  for (const [phase, timing] of Object.entries(after)) {
    const earlier = before[phase] ?? { count: 0, sum_seconds: 0 };
    difference[phase] = {
      count: timing.count - earlier.count,
      sum_seconds: Math.round((timing.sum_seconds - earlier.sum_seconds) * 1000) / 1000,
    };
  }
  return difference;
}

export function readPeakRssMegabytes(pid: number): number | null {
  return parsePeakRssMegabytes(readOrEmpty(`/proc/${pid}/status`));
}

/**
 * Starts a new peak RSS window for the process (Linux: `5` to /proc/<pid>/clear_refs resets
 * VmHWM to the current RSS), so one phase's peak can be read apart. False when not permitted.
 */
export function resetPeakRss(pid: number): boolean {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

export function readCpuTicks(pid: number): CpuTicks | null {
  return parseProcessStat(readOrEmpty(`/proc/${pid}/stat`))?.ticks ?? null;
}

/**
 * CPU ticks of a process plus all its children, living and reaped: for the postmaster this is
 * every backend's work, including connections that closed during the measurement.
 */
export function readProcessTreeTicks(pid: number): number | null {
  const root = readCpuTicks(pid);
  if (root === null) return null;
  let total = root.own + root.reapedChildren;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = parseProcessStat(readOrEmpty(`/proc/${entry}/stat`));
    if (stat !== null && stat.parentPid === pid) total += stat.ticks.own + stat.ticks.reapedChildren;
  }
  return total;
}

let ticksPerSecond: number | undefined;

/** USER_HZ; 100 on every Linux we know of, but asked rather than assumed. */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
      ticksPerSecond = Number.isInteger(value) && value > 0 ? value : 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

export async function readBatchDurations(port: number): Promise<Record<string, BatchTiming>> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5000) });
    return response.ok ? parseBatchDurations(await response.text()) : {};
  } catch {
    // A service without /metrics (the data-api) simply contributes no phase.
    return {};
  }
}

function readOrEmpty(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
