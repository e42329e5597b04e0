// `npm run stack -- <command>`: the local stack without Docker. Progress goes to stderr, the
// result (endpoints, status) to stdout.
import { parseStackArguments, StackUsageError } from './stack.arguments';
import { downStack, restartStackProcess, stackStatus, upStack } from './stack.runner';
import { defaultStackDirectory } from './stack.paths';
import { stackEnvironmentFile, stackStateFile } from './stack.state';

const log = (line: string): void => {
  process.stderr.write(`[stack] ${line}\n`);
};

async function main(argv: readonly string[]): Promise<void> {
  const command = parseStackArguments(argv);
  switch (command.command) {
    case 'up': {
      const { state, alreadyUp } = await upStack({
        loaders: command.loaders,
        extractors: command.extractors,
        services: command.services,
        log,
      });
      log(alreadyUp ? 'the stack is already up (run `down` first to restart it)' : 'the stack is up');
      for (const record of state.processes)
        process.stdout.write(
          `${record.name.padEnd(12)} pid ${String(record.pid).padEnd(8)} port ${record.port}  log ${record.logFile}\n`,
        );
      for (const [key, value] of Object.entries(state.environment))
        if (value) process.stdout.write(`${key}=${value}\n`);
      process.stdout.write(
        `(written to ${stackEnvironmentFile(defaultStackDirectory)} and ${stackStateFile(defaultStackDirectory)})\n`,
      );
      return;
    }
    case 'down': {
      const stopped = await downStack();
      log(stopped.length > 0 ? `stopped ${stopped.join(', ')}` : 'nothing was running');
      return;
    }
    case 'status': {
      const processes = stackStatus();
      if (command.json)
        process.stdout.write(
          `${JSON.stringify(
            processes.map(({ name, pid, port, alive }) => ({ name, pid, port, alive })),
            null,
            2,
          )}\n`,
        );
      else if (processes.length === 0) process.stdout.write('the stack is not running\n');
      else
        for (const entry of processes)
          process.stdout.write(
            `${entry.name.padEnd(12)} pid ${String(entry.pid).padEnd(8)} port ${String(entry.port).padEnd(6)} ${entry.alive ? 'alive' : 'DEAD'}\n`,
          );
      return;
    }
    case 'restart': {
      const record = await restartStackProcess(command.name);
      log(`restarted ${record.name} as pid ${record.pid}`);
      return;
    }
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  // Expected failures (usage, missing programs, a service that never got healthy) read best as
  // their message; the stack trace is there for LOG_LEVEL=debug.
  const debug = process.env.LOG_LEVEL === 'debug' && !(error instanceof StackUsageError);
  process.stderr.write(
    `${error instanceof Error ? (debug ? (error.stack ?? error.message) : error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
