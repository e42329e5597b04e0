// Parses `npm run demo -- [--rows N] [--keep]` (pure, unit-tested).
export interface DemoOptions {
  /** Rows in the warehouse table before the first run. */
  rows: number;
  /** Leave the stack running at the end, for a look with `npx qupersync`. */
  keep: boolean;
  /** The local stack's folder; undefined = the default .qupersync, which the CLI reads. */
  stackDirectory: string | undefined;
}

export const demoUsage =
  'usage: npm run demo -- [--rows N (1000..10000000, default 100000)] [--keep] [--stack-directory DIR (default .qupersync)]';

export class DemoUsageError extends Error {
  constructor(problem: string) {
    super(`${problem}\n${demoUsage}`);
    this.name = 'DemoUsageError';
  }
}

export function parseDemoArguments(argv: readonly string[]): DemoOptions {
  const options: DemoOptions = { rows: 100_000, keep: false, stackDirectory: undefined };
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index] ?? '';
    if (argument === '--keep') options.keep = true;
    else if (argument === '--rows' || argument.startsWith('--rows=')) {
      const value = argument.includes('=') ? argument.slice('--rows='.length) : argv[(index += 1)];
      const rows = Number(value?.replace(/_/g, ''));
      // At least 1,000 rows so "~1% updated" is a real set and ids above 2^53 are present.
      if (!Number.isInteger(rows) || rows < 1000 || rows > 10_000_000) {
        throw new DemoUsageError(
          `--rows must be an integer from 1000 to 10000000, got ${value ?? 'nothing'}`,
        );
      }
      options.rows = rows;
    } else if (argument === '--stack-directory' || argument.startsWith('--stack-directory=')) {
      const value = argument.includes('=') ? argument.slice('--stack-directory='.length) : argv[(index += 1)];
      if (value === undefined || value === '' || value.startsWith('--'))
        throw new DemoUsageError('--stack-directory needs a folder');
      options.stackDirectory = value;
    } else throw new DemoUsageError(`unknown option ${argument}`);
  }
  return options;
}
