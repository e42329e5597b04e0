import { DemoUsageError, parseDemoArguments } from './demo.arguments';

describe('parseDemoArguments', () => {
  it('defaults to 100,000 rows and stopping the stack', () => {
    expect(parseDemoArguments([])).toEqual({ rows: 100_000, keep: false, stackDirectory: undefined });
  });

  it('reads --rows in both forms and --keep', () => {
    expect(parseDemoArguments(['--rows', '5000', '--keep'])).toEqual({
      rows: 5000,
      keep: true,
      stackDirectory: undefined,
    });
    expect(parseDemoArguments(['--rows=1_000_000', '--stack-directory', '/tmp/s'])).toEqual({
      rows: 1_000_000,
      keep: false,
      stackDirectory: '/tmp/s',
    });
  });

  it.each([[['--rows']], [['--rows', '10']], [['--rows', 'many']], [['--fast']], [['--stack-directory']]])(
    'rejects %j',
    (argv) => {
      expect(() => parseDemoArguments(argv)).toThrow(DemoUsageError);
    },
  );
});
