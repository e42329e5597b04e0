// Parses `stack` command lines (pure): up [--loaders N] [--no-services], down, status [--json],
// restart <name>.
export type StackCommand =
  | { command: 'up'; loaders: number; services: boolean }
  | { command: 'down' }
  | { command: 'status'; json: boolean }
  | { command: 'restart'; name: string };

export const stackUsage =
  'usage: stack up [--loaders N] [--no-services] | down | status [--json] | restart <name>';

export class StackUsageError extends Error {
  constructor(problem: string) {
    super(`${problem}\n${stackUsage}`);
  }
}

export function parseStackArguments(argv: readonly string[]): StackCommand {
  const [command, ...rest] = argv;
  switch (command) {
    case 'up': {
      let loaders = 1;
      let services = true;
      for (let index = 0; index < rest.length; index += 1) {
        const argument = rest[index] ?? '';
        if (argument === '--no-services') services = false;
        else if (argument === '--loaders' || argument.startsWith('--loaders=')) {
          const value = argument.includes('=') ? argument.slice('--loaders='.length) : rest[(index += 1)];
          loaders = Number(value);
          if (!Number.isInteger(loaders) || loaders < 1 || loaders > 12)
            throw new StackUsageError(`--loaders must be an integer from 1 to 12, got ${value ?? 'nothing'}`);
        } else throw new StackUsageError(`unknown option ${argument}`);
      }
      return { command, loaders, services };
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
