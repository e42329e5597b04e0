// Summarizes the V8 CPU profiles `npm run bench -- --cpu-profile DIR` has each service write:
// which process spent its CPU where (busy time per package or file, the busiest functions), so a
// throughput claim can point at the code that sets the floor. Pure over the parsed profile.
import { z } from 'zod';

const callFrameSchema = z.object({
  functionName: z.string(),
  url: z.string(),
  lineNumber: z.number(),
});

export const cpuProfileSchema = z.object({
  nodes: z.array(z.object({ id: z.number(), callFrame: callFrameSchema })),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
});

export type CpuProfile = z.infer<typeof cpuProfileSchema>;

export interface ProfileSummary {
  /** The service, from the path of its main.js; `?` when none matched. */
  process: string;
  wallSeconds: number;
  /** Sampled time not idle; garbage collection and V8's own work included. */
  busySeconds: number;
  garbageCollectorSeconds: number;
  /** Busy seconds per npm package, Node built-in module or repository file, busiest first. */
  byModule: Array<[string, number]>;
  /** Busy seconds per function (name, module, line), busiest first. */
  byFunction: Array<[string, number]>;
}

function moduleOf(url: string): string {
  if (url === '') return '(native)';
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (dependency?.[1] !== undefined) return dependency[1];
  const compiled = /\/dist\/(.+)$/.exec(url);
  if (compiled?.[1] !== undefined) return compiled[1];
  return url.replace(/^file:\/\//, '');
}

function processOf(profile: CpuProfile): string {
  for (const node of profile.nodes) {
    const match = /\/dist\/apps\/([a-z-]+)\//.exec(node.callFrame.url);
    if (match?.[1] !== undefined) return match[1];
  }
  return '?';
}

function top(totals: Map<string, number>, count: number): Array<[string, number]> {
  return [...totals.entries()]
    .sort((left, right) => right[1] - left[1])
    .slice(0, count)
    .map(([name, micros]) => [name, Math.round(micros / 10_000) / 100]);
}

export function summarizeCpuProfile(profile: CpuProfile, count = 15): ProfileSummary {
  const selfMicros = new Map<number, number>();
  let wall = 0;
  profile.samples.forEach((node, index) => {
    const delta = Math.max(0, profile.timeDeltas[index] ?? 0);
    selfMicros.set(node, (selfMicros.get(node) ?? 0) + delta);
    wall += delta;
  });
  let idle = 0;
  let garbage = 0;
  const byModule = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const node of profile.nodes) {
    const micros = selfMicros.get(node.id) ?? 0;
    if (micros === 0) continue;
    const frame = node.callFrame;
    if (frame.functionName === '(idle)') {
      idle += micros;
      continue;
    }
    if (frame.functionName === '(garbage collector)') garbage += micros;
    const module = moduleOf(frame.url);
    byModule.set(module, (byModule.get(module) ?? 0) + micros);
    const name = `${frame.functionName === '' ? '(anonymous)' : frame.functionName} ${module}:${frame.lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
  }
  const seconds = (micros: number): number => Math.round(micros / 10_000) / 100;
  return {
    process: processOf(profile),
    wallSeconds: seconds(wall),
    busySeconds: seconds(wall - idle),
    garbageCollectorSeconds: seconds(garbage),
    byModule: top(byModule, count),
    byFunction: top(byFunction, count),
  };
}

export function formatProfileSummary(summary: ProfileSummary): string {
  const lines = [
    `${summary.process}: ${summary.busySeconds.toFixed(1)} s busy of ${summary.wallSeconds.toFixed(1)} s sampled (garbage collection ${summary.garbageCollectorSeconds.toFixed(1)} s)`,
    '  by module:',
    ...summary.byModule.map(([name, seconds]) => `    ${seconds.toFixed(2).padStart(7)} s  ${name}`),
    '  by function:',
    ...summary.byFunction.map(([name, seconds]) => `    ${seconds.toFixed(2).padStart(7)} s  ${name}`),
  ];
  return `${lines.join('\n')}\n`;
}
