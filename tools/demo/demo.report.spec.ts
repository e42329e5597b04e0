import { DemoReport, formatStepTable } from './demo.report';

describe('demo report', () => {
  it('passes only when no step failed', () => {
    const report = new DemoReport();
    expect(report.passed).toBe(false);
    report.record({ name: 'a', outcome: 'ok', durationMs: 10, detail: '' });
    report.record({ name: 'b', outcome: 'note', durationMs: 10, detail: 'types differ' });
    expect(report.passed).toBe(true);
    report.record({ name: 'c', outcome: 'FAILED', durationMs: 10, detail: 'mismatch' });
    expect(report.passed).toBe(false);
  });

  it('prints one row per step and the total', () => {
    const text = formatStepTable([
      { name: 'start the stack', outcome: 'ok', durationMs: 12_300, detail: '' },
      { name: 'compare', outcome: 'FAILED', durationMs: 450, detail: 'md5 differs' },
    ]);
    expect(text).toMatch(/^1\s+start the stack\s+ok\s+12\.3 s$/m);
    expect(text).toMatch(/^2\s+compare\s+FAILED\s+450 ms\s+md5 differs$/m);
    expect(text).toContain('total 12.8 s');
  });
});
