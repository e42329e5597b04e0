// Parses `stack` command lines (pure): up [--loaders N] [--extractors N] [--no-services], down,
// status [--json],
// restart <name>.
export type StackCommand =
  | { command: 'up'; loaders: number; extractors: number; services: boolean }
  | { command: 'down' }
  | { command: 'status'; json: boolean }
  | { command: 'restart'; name: string };

export const stackUsage =
  'usage: stack up [--loaders N] [--extractors N] [--no-services] | down | status [--json] | restart <name>';

export class StackUsageError extends Error {
  constructor(problem: string) {
    super(`${problem}\n${stackUsage}`);
  }
}

export function parseStackArguments(argv: readonly string[]): StackCommand {
  const [command, ...rest] = argv;
  switch (command) {
    case 'up': {
      const counts = { loaders: 1, extractors: 1 };
      let services = true;
      for (let index = 0; index < rest.length; index += 1) {
        const argument = rest[index] ?? '';
        const flag = argument.split('=')[0] ?? '';
        if (argument === '--no-services') services = false;
        else if (flag === '--loaders' || flag === '--extractors') {
          const value = argument.includes('=') ? argument.slice(flag.length + 1) : rest[(index += 1)];
          const count = Number(value);
          if (!Number.isInteger(count) || count < 1 || count > 12)
            throw new StackUsageError(`${flag} must be an integer from 1 to 12, got ${value ?? 'nothing'}`);
          counts[flag === '--loaders' ? 'loaders' : 'extractors'] = count;
        } else throw new StackUsageError(`unknown option ${argument}`);
      }
      return { command, ...counts, services };
    }
    case 'down':
      if (rest.length > 0) throw new StackUsageError(`unexpected ${rest.join(' ')}`);
      return { command };
    case 'status': {
      const unknown = rest.filter((argument) => argument !== '--json');
      if (unknown.length > 0) throw new StackUsageError(`unknown option ${unknown.join(' ')}`);
      return { command, json: rest.includes('--json') };
    }
    case 'restart':
      if (rest.length !== 1 || !rest[0]) throw new StackUsageError('restart takes one process name');
      return { command, name: rest[0] };
    default:
      throw new StackUsageError(command ? `unknown command ${command}` : 'no command');
  }
}
