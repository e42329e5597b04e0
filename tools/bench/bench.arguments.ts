// Parses `npm run bench -- [--rows N] [--loaders N] [--extract unload] [--json FILE] [--keep] [--cpu-profile DIR]`
// (pure, unit-tested).
export interface BenchOptions {
  /** Rows in the warehouse table; DESIGN.md section 9 measures at 1,000,000. */
  rows: number;
  /** Loader instances in the bench stack's consumer group. */
  loaders: number;
  /** Where to write every figure as JSON; undefined = print only. */
  jsonFile: string | undefined;
  /** Leave the bench stack running at the end, for a look at its logs and /metrics. */
  keep: boolean;
  /** A `--json` file of a run at another size: peak RSS is compared with it (the 20% target). */
  memoryReferenceFile: string | undefined;
  /** Extractor instances in the bench stack's consumer group (they share UNLOAD parts). */
  extractors: number;
  /** unload: also time a full run through UNLOAD to S3, beside the Data API run. */
  extract: 'data_api' | 'unload';
  /** Every service writes a V8 CPU profile here, summarized per process at the end. */
  cpuProfileDirectory: string | undefined;
}

export const benchUsage =
  'usage: npm run bench -- [--rows N (1000..100000000, default 1000000)] [--loaders N (1..8, default 1)] ' +
  '[--extractors N (1..8, default 1)] [--extract unload (also time UNLOAD beside the Data API)] ' +
  '[--json FILE] [--keep] [--cpu-profile DIR (a V8 CPU profile per service, summarized)] ' +
  '[--memory-reference FILE (an earlier --json at another size)]';

export class BenchUsageError extends Error {
  constructor(problem: string) {
    super(`${problem}\n${benchUsage}`);
    this.name = 'BenchUsageError';
  }
}

export function parseBenchArguments(argv: readonly string[]): BenchOptions {
  const options: BenchOptions = {
    rows: 1_000_000,
    loaders: 1,
    jsonFile: undefined,
    keep: false,
    memoryReferenceFile: undefined,
    extractors: 1,
    extract: 'data_api',
    cpuProfileDirectory: undefined,
  };
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index] ?? '';
    const [flag, inline] = splitFlag(argument);
    const value = (): string | undefined => (inline !== undefined ? inline : argv[(index += 1)]);
    switch (flag) {
      case '--keep':
        if (inline !== undefined) throw new BenchUsageError('--keep takes no value');
        options.keep = true;
        break;
      case '--rows':
        // At least a few batches, so the throughput figures are not start-up noise.
        options.rows = parseInteger('--rows', value(), 1000, 100_000_000);
        break;
      case '--loaders':
        options.loaders = parseInteger('--loaders', value(), 1, 8);
        break;
      case '--json':
        options.jsonFile = parseFile('--json', value());
        break;
      case '--extractors':
        options.extractors = parseInteger('--extractors', value(), 1, 8);
        break;
      case '--extract': {
        const path = value();
        if (path !== 'unload' && path !== 'data_api')
          throw new BenchUsageError(`--extract must be unload or data_api, got ${path ?? 'nothing'}`);
        options.extract = path;
        break;
      }
      case '--cpu-profile':
        options.cpuProfileDirectory = parseFile('--cpu-profile', value());
        break;
      case '--memory-reference':
        options.memoryReferenceFile = parseFile('--memory-reference', value());
        break;
      default:
        throw new BenchUsageError(`unknown option ${argument}`);
    }
  }
  return options;
}

function splitFlag(argument: string): [string, string | undefined] {
  const equals = argument.indexOf('=');
  return argument.startsWith('--') && equals > 0
    ? [argument.slice(0, equals), argument.slice(equals + 1)]
    : [argument, undefined];
}

function parseFile(flag: string, value: string | undefined): string {
  if (value === undefined || value === '' || value.startsWith('--'))
    throw new BenchUsageError(`${flag} needs a file name`);
  return value;
}

function parseInteger(flag: string, value: string | undefined, minimum: number, maximum: number): number {
  const parsed = value === undefined || value.trim() === '' ? Number.NaN : Number(value.replace(/_/g, ''));
  if (!Number.isInteger(parsed) || parsed < minimum || parsed > maximum)
    throw new BenchUsageError(
      `${flag} must be an integer from ${minimum} to ${maximum}, got ${value ?? 'nothing'}`,
    );
  return parsed;
}
