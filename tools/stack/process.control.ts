// Process plumbing shared by the stack pieces: run a command to completion, check and stop a
// pid we started (and only that pid), poll a condition with a deadline, tail a log file.
import { spawn, type SpawnOptions } from 'node:child_process';
import * as fs from 'node:fs';

export interface CommandResult {
  code: number;
  output: string;
}

export class CommandFailedError extends Error {
  constructor(
    readonly command: string,
    readonly result: CommandResult,
  ) {
    super(`${command} exited with ${result.code}\n${result.output.trim().split('\n').slice(-30).join('\n')}`);
  }
}

/** Runs a command, collecting stdout+stderr; rejects with the output when it fails. */
export async function runCommand(
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): Promise<string> {
  const result = await runCommandUnchecked(command, args, options);
  if (result.code !== 0) throw new CommandFailedError([command, ...args].join(' '), result);
  return result.output;
}

export function runCommandUnchecked(
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output: Buffer.concat(chunks).toString('utf8') }));
  });
}

export const sleep = (milliseconds: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, milliseconds));

/** Alive means signalable and not a zombie (a zombie's pid still answers kill(0) until reaped). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return isErrnoException(error) && error.code === 'EPERM';
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no procfs: trust kill(0)
  }
}

/** Gone means even a zombie entry is reaped, so a lock holder check (kill(0)) by others passes. */
export function isProcessGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return isErrnoException(error) && error.code === 'ESRCH';
  }
}

/**
 * True when the live process `pid` has `marker` in its command line. Pids are reused, so
 * before signalling a pid read back from a state file we check it is still ours.
 */
export function processMatches(pid: number, marker: string): boolean {
  if (!isProcessAlive(pid)) return false;
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').includes(marker);
  } catch {
    return true; // no procfs: the pid is alive and we cannot tell, so trust the state file
  }
}

/** SIGTERM, then SIGKILL after `timeoutMs`; resolves once the process is gone. */
export async function stopProcess(pid: number, timeoutMs = 15_000): Promise<void> {
  if (!signal(pid, 'SIGTERM')) return;
  const deadline = Date.now() + timeoutMs;
  while (isProcessAlive(pid)) {
    if (Date.now() > deadline) {
      signal(pid, 'SIGKILL');
      await waitFor(() => !isProcessAlive(pid), {
        timeoutMs: 10_000,
        what: `pid ${pid} to exit after SIGKILL`,
      });
      return;
    }
    await sleep(100);
  }
}

export function signal(pid: number, name: NodeJS.Signals): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch {
    return false;
  }
}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  what: string;
}

/** Polls `check` until it returns true; `check` may throw to report why it is not ready yet. */
export async function waitFor(check: () => boolean | Promise<boolean>, options: WaitOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError = '';
  for (;;) {
    try {
      if (await check()) return;
    } catch (error) {
      if (error instanceof FatalWaitError) throw error;
      lastError = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${options.timeoutMs} ms waiting for ${options.what}${lastError ? `: ${lastError}` : ''}`,
      );
    }
    await sleep(options.intervalMs ?? 250);
  }
}

/** Thrown from a `waitFor` check to stop waiting at once (e.g. the process died). */
export class FatalWaitError extends Error {}

export function tailFile(file: string, lines = 40): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return `(no log at ${file})`;
  }
}

function isErrnoException(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && 'code' in error;
}
