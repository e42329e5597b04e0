// Parses `qupersync` command lines into a typed command (pure, so every flag rule is unit-tested).
// Unknown flags and missing values are usage errors: a typo must never silently trigger a full run.
export type RunMode = 'full' | 'incremental';
export type TriggerTransport = 'http' | 'kafka';

export type CliCommand =
  | { command: 'help' }
  | { command: 'jobs'; json: boolean }
  | { command: 'jobs-reload'; removedRuns: 'finish' | 'cancel'; json: boolean }
  | { command: 'status'; json: boolean }
  | {
      command: 'trigger';
      job: string;
      mode: RunMode | undefined;
      wait: boolean;
      json: boolean;
      requestKey: string | undefined;
      via: TriggerTransport;
    }
  | { command: 'run'; runId: string; json: boolean }
  | { command: 'cancel'; runId: string; json: boolean }
  | { command: 'runs'; job: string | undefined; limit: number | undefined; json: boolean }
  | { command: 'failures'; job: string | undefined; json: boolean }
  | {
      command: 'dead-letters';
      job: string | undefined;
      runId: string | undefined;
      limit: number | undefined;
      json: boolean;
    }
  | { command: 'reset'; job: string; watermark: string[] | null; json: boolean }
  | { command: 'replay'; job: string; runId: string | undefined; wait: boolean; json: boolean }
  | { command: 'verify'; job: string; repair: boolean; json: boolean };

export const cliUsage = [
  'usage: qupersync <command> [options]',
  '',
  'commands:',
  "  status [--json]                                each service up or not, its consumer lag, each job's",
  '                                                 last run (exit 1 when a service is down)',
  '  jobs [--json]                                  list the jobs and their watermarks',
  '  jobs reload [--removed finish|cancel] [--json] read the jobs file again (every service follows); a',
  "                                                 removed job's active run finishes (default) or is cancelled",
  '  trigger <job> [--mode full|incremental] [--wait] [--json]',
  '                [--request-key KEY] [--via kafka]',
  '                                                 start a run (--wait: until it ends; exit 0 only on success)',
  '  run <run-id> [--json]                          show one run',
  '  cancel <run-id> [--json]                       stop a run: extraction ends, batches in flight are',
  '                                                 dropped, the watermark stays (exit 1 if it had ended)',
  '  runs [--job NAME] [--limit N] [--json]         list recent runs',
  '  failures [--job NAME] [--json]                 list recorded batch failures',
  '  dead-letters [--job NAME] [--run RUN-ID] [--limit N] [--json]',
  '                                                 list dead letters (invalid rows, poison messages), newest first',
  '  replay <job> [--run RUN-ID] [--wait] [--json] re-extract the keys of the dead letters not yet replayed',
  '                                                 (of one run) through the pipeline, with the rules as they',
  '                                                 are now; the letters are marked replayed when it succeeds',
  '  verify <job> [--repair] [--json]              compare the target with the source by checksums; exit 0',
  '                                                 only when equal (--repair: re-sync the differing keys first)',
  "  reset <job> [--watermark JSON] [--json]        clear the job's watermark (the next incremental run",
  '                                                 reads everything), or set it: --watermark \'["2024-01-01 00:00:00","42"]\'',
  '',
  'environment: COORDINATOR_URL (default: .qupersync/stack.env), COORDINATOR_API_TOKEN,',
  '             KAFKA_BROKERS (for --via kafka; default: .qupersync/stack.env)',
].join('\n');

export class CliUsageError extends Error {
  constructor(problem: string) {
    super(`${problem}\n\n${cliUsage}`);
    this.name = 'CliUsageError';
  }
}

interface OptionSpec {
  /** Flags that take no value. */
  readonly flags: readonly string[];
  /** Options that take exactly one value (`--name value` or `--name=value`). */
  readonly valued: readonly string[];
  readonly positionals: readonly string[];
}

interface ParsedOptions {
  readonly flags: ReadonlySet<string>;
  readonly values: ReadonlyMap<string, string>;
  readonly positionals: readonly string[];
}

const jobNamePattern = /^[a-z0-9_-]{1,64}$/;
const runIdPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function parseCliArguments(argv: readonly string[]): CliCommand {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h')
    return { command: 'help' };
  if (rest.includes('--help') || rest.includes('-h')) return { command: 'help' };
  switch (command) {
    case 'jobs': {
      if (rest[0] === 'reload') {
        const reload = parseOptions('jobs reload', rest.slice(1), {
          flags: ['--json'],
          valued: ['--removed'],
          positionals: [],
        });
        const removed = reload.values.get('--removed') ?? 'finish';
        if (removed !== 'finish' && removed !== 'cancel')
          throw new CliUsageError(`jobs reload: --removed is finish or cancel, not "${removed}"`);
        return { command: 'jobs-reload', removedRuns: removed, json: reload.flags.has('--json') };
      }
      const parsed = parseOptions(command, rest, { flags: ['--json'], valued: [], positionals: [] });
      return { command, json: parsed.flags.has('--json') };
    }
    case 'trigger': {
      const parsed = parseOptions(command, rest, {
        flags: ['--wait', '--json'],
        valued: ['--mode', '--request-key', '--via'],
        positionals: ['job'],
      });
      const job = parsed.positionals[0] ?? '';
      if (!jobNamePattern.test(job))
        throw new CliUsageError(`trigger: "${job}" is not a job name ([a-z0-9_-]{1,64})`);
      const requestKey = parsed.values.get('--request-key');
      if (requestKey !== undefined && (requestKey.length === 0 || requestKey.length > 200)) {
        throw new CliUsageError('trigger: --request-key must be 1 to 200 characters');
      }
      return {
        command,
        job,
        mode: parseMode(parsed.values.get('--mode')),
        wait: parsed.flags.has('--wait'),
        json: parsed.flags.has('--json'),
        requestKey,
        via: parseTransport(parsed.values.get('--via')),
      };
    }
    case 'run': {
      const parsed = parseOptions(command, rest, { flags: ['--json'], valued: [], positionals: ['run-id'] });
      return { command, runId: parsed.positionals[0] ?? '', json: parsed.flags.has('--json') };
    }
    case 'dead-letters': {
      const parsed = parseOptions(command, rest, {
        flags: ['--json'],
        valued: ['--job', '--run', '--limit'],
        positionals: [],
      });
      const runId = parsed.values.get('--run');
      if (runId !== undefined && !runIdPattern.test(runId))
        throw new CliUsageError(`dead-letters: "${runId}" is not a run id (a UUID)`);
      return {
        command,
        job: parseOptionalJob(command, parsed.values.get('--job')),
        runId,
        limit: parseLimit(parsed.values.get('--limit')),
        json: parsed.flags.has('--json'),
      };
    }
    case 'status': {
      const parsed = parseOptions(command, rest, { flags: ['--json'], valued: [], positionals: [] });
      return { command, json: parsed.flags.has('--json') };
    }
    case 'cancel': {
      const parsed = parseOptions(command, rest, { flags: ['--json'], valued: [], positionals: ['run-id'] });
      const runId = parsed.positionals[0] ?? '';
      if (!runIdPattern.test(runId)) throw new CliUsageError(`cancel: "${runId}" is not a run id (a UUID)`);
      return { command, runId, json: parsed.flags.has('--json') };
    }
    case 'runs': {
      const parsed = parseOptions(command, rest, {
        flags: ['--json'],
        valued: ['--job', '--limit'],
        positionals: [],
      });
      return {
        command,
        job: parseOptionalJob(command, parsed.values.get('--job')),
        limit: parseLimit(parsed.values.get('--limit')),
        json: parsed.flags.has('--json'),
      };
    }
    case 'failures': {
      const parsed = parseOptions(command, rest, { flags: ['--json'], valued: ['--job'], positionals: [] });
      return {
        command,
        job: parseOptionalJob(command, parsed.values.get('--job')),
        json: parsed.flags.has('--json'),
      };
    }
    case 'reset': {
      const parsed = parseOptions(command, rest, {
        flags: ['--json'],
        valued: ['--watermark'],
        positionals: ['job'],
      });
      const job = parsed.positionals[0] ?? '';
      if (!jobNamePattern.test(job))
        throw new CliUsageError(`reset: "${job}" is not a job name ([a-z0-9_-]{1,64})`);
      return {
        command,
        job,
        watermark: parseWatermark(parsed.values.get('--watermark')),
        json: parsed.flags.has('--json'),
      };
    }
    case 'replay': {
      const parsed = parseOptions(command, rest, {
        flags: ['--wait', '--json'],
        valued: ['--run'],
        positionals: ['job'],
      });
      const job = parsed.positionals[0] ?? '';
      if (!jobNamePattern.test(job))
        throw new CliUsageError(`replay: "${job}" is not a job name ([a-z0-9_-]{1,64})`);
      const runId = parsed.values.get('--run');
      if (runId !== undefined && !runIdPattern.test(runId))
        throw new CliUsageError(`replay: "${runId}" is not a run id (a UUID)`);
      return { command, job, runId, wait: parsed.flags.has('--wait'), json: parsed.flags.has('--json') };
    }
    case 'verify': {
      const parsed = parseOptions(command, rest, {
        flags: ['--repair', '--json'],
        valued: [],
        positionals: ['job'],
      });
      const job = parsed.positionals[0] ?? '';
      if (!jobNamePattern.test(job))
        throw new CliUsageError(`verify: "${job}" is not a job name ([a-z0-9_-]{1,64})`);
      return { command, job, repair: parsed.flags.has('--repair'), json: parsed.flags.has('--json') };
    }
    default:
      throw new CliUsageError(`unknown command "${command}"`);
  }
}

/** A watermark as the API shows it: a JSON array of text values, [watermark, ...primary key]. */
function parseWatermark(text: string | undefined): string[] | null {
  if (text === undefined) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((value) => typeof value === 'string'))
    throw new CliUsageError(
      `reset: --watermark must be a JSON array of strings, like '["2024-01-01 00:00:00","42"]'`,
    );
  return parsed.filter((value): value is string => typeof value === 'string');
}

function parseOptions(command: string, argv: readonly string[], spec: OptionSpec): ParsedOptions {
  const flags = new Set<string>();
  const values = new Map<string, string>();
  const positionals: string[] = [];
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index] ?? '';
    if (!argument.startsWith('--')) {
      positionals.push(argument);
      continue;
    }
    const equals = argument.indexOf('=');
    const name = equals === -1 ? argument : argument.slice(0, equals);
    if (spec.flags.includes(name)) {
      if (equals !== -1) throw new CliUsageError(`${command}: ${name} takes no value`);
      flags.add(name);
    } else if (spec.valued.includes(name)) {
      const value = equals === -1 ? argv[(index += 1)] : argument.slice(equals + 1);
      if (value === undefined || (equals === -1 && value.startsWith('--'))) {
        throw new CliUsageError(`${command}: ${name} needs a value`);
      }
      values.set(name, value);
    } else {
      throw new CliUsageError(`${command}: unknown option ${name}`);
    }
  }
  if (positionals.length !== spec.positionals.length) {
    const expected =
      spec.positionals.length === 0 ? 'no arguments' : spec.positionals.map((name) => `<${name}>`).join(' ');
    throw new CliUsageError(
      `${command}: expected ${expected}, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}`,
    );
  }
  return { flags, values, positionals };
}

function parseMode(value: string | undefined): RunMode | undefined {
  if (value === undefined) return undefined;
  if (value === 'full' || value === 'incremental') return value;
  throw new CliUsageError(`trigger: --mode must be full or incremental, got "${value}"`);
}

function parseTransport(value: string | undefined): TriggerTransport {
  if (value === undefined || value === 'http') return 'http';
  if (value === 'kafka') return 'kafka';
  throw new CliUsageError(`trigger: --via must be kafka (or http, the default), got "${value}"`);
}

function parseOptionalJob(command: string, value: string | undefined): string | undefined {
  if (value !== undefined && !jobNamePattern.test(value)) {
    throw new CliUsageError(`${command}: "${value}" is not a job name ([a-z0-9_-]{1,64})`);
  }
  return value;
}

function parseLimit(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new CliUsageError(`runs: --limit must be an integer from 1 to 1000, got "${value}"`);
  }
  return limit;
}
