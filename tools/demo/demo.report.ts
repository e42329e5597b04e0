// The demo's step log: every step with its outcome and duration, printed as one table at the
// end, so a failing step is visible next to the ones that passed.
import { formatDuration, formatTable } from '../cli/cli.output';

export type StepOutcome = 'ok' | 'FAILED' | 'note';

export interface StepRecord {
  readonly name: string;
  readonly outcome: StepOutcome;
  readonly durationMs: number;
  readonly detail: string;
}

export class DemoReport {
  private readonly steps: StepRecord[] = [];

  constructor(private readonly log: (line: string) => void = () => undefined) {}

  record(step: StepRecord): void {
    this.steps.push(step);
    this.log(
      `${step.outcome === 'FAILED' ? '✗' : '✓'} ${step.name} (${formatDuration(step.durationMs)})${step.detail ? `: ${step.detail}` : ''}`,
    );
  }

  get passed(): boolean {
    return this.steps.length > 0 && this.steps.every((step) => step.outcome !== 'FAILED');
  }

  get records(): readonly StepRecord[] {
    return this.steps;
  }

  format(): string {
    return formatStepTable(this.steps);
  }
}

export function formatStepTable(steps: readonly StepRecord[]): string {
  const rows = steps.map((step, index) => [
    String(index + 1),
    step.name,
    step.outcome,
    formatDuration(step.durationMs),
    step.detail,
  ]);
  const total = steps.reduce((sum, step) => sum + step.durationMs, 0);
  return `${formatTable(['#', 'STEP', 'RESULT', 'DURATION', 'DETAIL'], rows)}\n${''.padEnd(4)}total ${formatDuration(total)}\n`;
}
