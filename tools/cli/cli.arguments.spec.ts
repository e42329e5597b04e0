import { CliUsageError, parseCliArguments } from './cli.arguments';

describe('parseCliArguments', () => {
  it('parses jobs with and without --json', () => {
    expect(parseCliArguments(['jobs'])).toEqual({ command: 'jobs', json: false });
    expect(parseCliArguments(['jobs', '--json'])).toEqual({ command: 'jobs', json: true });
  });

  it('parses jobs reload: removed jobs finish their runs unless --removed cancel', () => {
    expect(parseCliArguments(['jobs', 'reload'])).toEqual({
      command: 'jobs-reload',
      removedRuns: 'finish',
      json: false,
    });
    expect(parseCliArguments(['jobs', 'reload', '--removed', 'cancel', '--json'])).toEqual({
      command: 'jobs-reload',
      removedRuns: 'cancel',
      json: true,
    });
    expect(() => parseCliArguments(['jobs', 'reload', '--removed', 'drop'])).toThrow(
      /--removed is finish or cancel, not "drop"/,
    );
  });

  it('parses a trigger with every option, in both --name value and --name=value forms', () => {
    expect(
      parseCliArguments([
        'trigger',
        'orders',
        '--mode',
        'full',
        '--wait',
        '--json',
        '--request-key=abc',
        '--via',
        'kafka',
      ]),
    ).toEqual({
      command: 'trigger',
      job: 'orders',
      mode: 'full',
      wait: true,
      json: true,
      requestKey: 'abc',
      via: 'kafka',
    });
  });

  it('defaults a trigger to the job mode, HTTP, no wait', () => {
    expect(parseCliArguments(['trigger', 'orders'])).toEqual({
      command: 'trigger',
      job: 'orders',
      mode: undefined,
      wait: false,
      json: false,
      requestKey: undefined,
      via: 'http',
    });
  });

  it('parses run, runs and failures', () => {
    expect(parseCliArguments(['run', 'r-1', '--json'])).toEqual({ command: 'run', runId: 'r-1', json: true });
    expect(parseCliArguments(['runs', '--job', 'orders', '--limit=5'])).toEqual({
      command: 'runs',
      job: 'orders',
      limit: 5,
      json: false,
    });
    expect(parseCliArguments(['failures'])).toEqual({ command: 'failures', job: undefined, json: false });
  });

  it('parses dead-letters with its filters, refusing a run that is not a UUID', () => {
    const runId = '0b6f8c1e-2d1a-4b7e-9c3f-5a6b7c8d9e0f';
    expect(parseCliArguments(['dead-letters'])).toEqual({
      command: 'dead-letters',
      job: undefined,
      runId: undefined,
      limit: undefined,
      json: false,
    });
    expect(
      parseCliArguments(['dead-letters', '--job', 'orders', '--run', runId, '--limit', '5', '--json']),
    ).toEqual({ command: 'dead-letters', job: 'orders', runId, limit: 5, json: true });
    expect(() => parseCliArguments(['dead-letters', '--run', 'r-1'])).toThrow(/not a run id/);
  });

  it('parses status, with --json and nothing else', () => {
    expect(parseCliArguments(['status'])).toEqual({ command: 'status', json: false });
    expect(parseCliArguments(['status', '--json'])).toEqual({ command: 'status', json: true });
    expect(() => parseCliArguments(['status', 'orders'])).toThrow(CliUsageError);
  });

  it('parses cancel with a run id, refusing anything that is not a UUID', () => {
    const runId = '0b6f8c1e-2d1a-4b7e-9c3f-5a6b7c8d9e0f';
    expect(parseCliArguments(['cancel', runId, '--json'])).toEqual({ command: 'cancel', runId, json: true });
    expect(() => parseCliArguments(['cancel', 'orders'])).toThrow(/cancel: "orders" is not a run id/);
    expect(() => parseCliArguments(['cancel'])).toThrow(CliUsageError);
  });

  it('parses reset with and without a watermark, refusing one that is not a JSON array of strings', () => {
    expect(parseCliArguments(['reset', 'orders'])).toEqual({
      command: 'reset',
      job: 'orders',
      watermark: null,
      json: false,
    });
    expect(
      parseCliArguments(['reset', 'orders', '--watermark', '["2024-01-01 00:00:00","42"]', '--json']),
    ).toEqual({
      command: 'reset',
      job: 'orders',
      watermark: ['2024-01-01 00:00:00', '42'],
      json: true,
    });
    expect(() => parseCliArguments(['reset', 'orders', '--watermark', '2024-01-01'])).toThrow(
      '--watermark must be a JSON array of strings',
    );
    expect(() => parseCliArguments(['reset', 'orders', '--watermark', '[1]'])).toThrow(
      'JSON array of strings',
    );
  });

  it('parses replay with an optional run, --wait and --json, refusing a bad job or run id', () => {
    const runId = '6f1c1f5e-6a43-4a5e-9d61-0d8f1b2f9a10';
    expect(parseCliArguments(['replay', 'orders'])).toEqual({
      command: 'replay',
      job: 'orders',
      runId: undefined,
      wait: false,
      json: false,
    });
    expect(parseCliArguments(['replay', 'orders', `--run=${runId}`, '--wait', '--json'])).toEqual({
      command: 'replay',
      job: 'orders',
      runId,
      wait: true,
      json: true,
    });
    expect(() => parseCliArguments(['replay', 'orders', '--run', '42'])).toThrow('"42" is not a run id');
    expect(() => parseCliArguments(['replay', 'Orders!'])).toThrow('is not a job name');
    expect(() => parseCliArguments(['replay'])).toThrow('expected <job>, got none');
  });

  it('parses verify with --repair and --json, refusing a bad job name', () => {
    expect(parseCliArguments(['verify', 'orders'])).toEqual({
      command: 'verify',
      job: 'orders',
      repair: false,
      json: false,
    });
    expect(parseCliArguments(['verify', 'orders', '--repair', '--json'])).toEqual({
      command: 'verify',
      job: 'orders',
      repair: true,
      json: true,
    });
    expect(() => parseCliArguments(['verify', 'orders', '--fix'])).toThrow('unknown option --fix');
    expect(() => parseCliArguments(['verify', 'Orders!'])).toThrow('is not a job name');
  });

  it('answers help for no command, help, -h and --help anywhere', () => {
    expect(parseCliArguments([])).toEqual({ command: 'help' });
    expect(parseCliArguments(['--help'])).toEqual({ command: 'help' });
    expect(parseCliArguments(['trigger', '-h'])).toEqual({ command: 'help' });
  });

  it.each([
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['trigger'], 'expected <job>'],
    [['trigger', 'a', 'b'], 'expected <job>'],
    [['trigger', 'Orders!'], 'is not a job name'],
    [['trigger', 'orders', '--mode', 'sideways'], '--mode must be full or incremental'],
    [['trigger', 'orders', '--mode'], '--mode needs a value'],
    [['trigger', 'orders', '--mode', '--wait'], '--mode needs a value'],
    [['trigger', 'orders', '--via', 'pigeon'], '--via must be kafka'],
    [['trigger', 'orders', '--wiat'], 'unknown option --wiat'],
    [['trigger', 'orders', '--wait=yes'], '--wait takes no value'],
    [['jobs', 'extra'], 'expected no arguments'],
    [['runs', '--limit', '0'], '--limit must be an integer'],
    [['runs', '--job', 'BAD NAME'], 'is not a job name'],
    [['run'], 'expected <run-id>'],
  ])('rejects %j with a usage error', (argv, problem) => {
    expect(() => parseCliArguments(argv)).toThrow(CliUsageError);
    expect(() => parseCliArguments(argv)).toThrow(problem);
    expect(() => parseCliArguments(argv)).toThrow('usage: qupersync');
  });
});
