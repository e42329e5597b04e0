// `qupersync`: operate a running QuperSync through the coordinator's HTTP API (DESIGN.md section 8).
// Results go to stdout, progress and errors to stderr. Exit codes: 0 success, 1 failure (a run
// that did not succeed, an unreachable coordinator, an API error), 2 bad command line.
import { randomUUID } from 'node:crypto';
import * as os from 'node:os';
import { cliUsage, CliUsageError, parseCliArguments, type CliCommand } from './cli.arguments';
import {
  CliEnvironmentError,
  requireCoordinatorUrl,
  requireKafkaBrokers,
  resolveCliEnvironment,
  type CliEnvironment,
} from './cli.environment';
import {
  formatFailures,
  formatStatus,
  formatDeadLetters,
  formatJobs,
  formatJobsReload,
  formatJson,
  formatProgress,
  formatRun,
  formatRunJson,
  formatRunOutcome,
  formatRuns,
} from './cli.output';
import {
  CoordinatorClient,
  CoordinatorRequestError,
  CoordinatorUnreachableError,
} from './coordinator.client';
import { toRunSummary, type RunView, type VerificationView } from './coordinator-api.schema';
import { findRunByRequestKey, RunWaitTimeoutError, waitForRunEnd } from './run.waiter';
import { kafkaSecurityFromEnvironment } from '@qupersync/kafka';
import { TriggerPublisher } from './trigger.publisher';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** true when stderr is a terminal: progress then rewrites one line instead of scrolling. */
  interactive: boolean;
}

export interface CliDependencies {
  environment: CliEnvironment;
  createClient?: (environment: CliEnvironment) => CoordinatorClient;
  publishTrigger?: (
    brokers: readonly string[],
    message: Parameters<TriggerPublisher['publish']>[0],
  ) => Promise<void>;
  pollIntervalMs?: number;
}

export async function runCli(
  argv: readonly string[],
  io: CliIo,
  dependencies: CliDependencies,
): Promise<number> {
  let command: CliCommand;
  try {
    command = parseCliArguments(argv);
  } catch (error) {
    if (error instanceof CliUsageError) {
      io.stderr(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (command.command === 'help') {
    io.stdout(`${cliUsage}\n`);
    return 0;
  }
  try {
    const createClient =
      dependencies.createClient ??
      ((environment: CliEnvironment) =>
        new CoordinatorClient({
          baseUrl: requireCoordinatorUrl(environment),
          apiToken: environment.apiToken,
        }));
    const client = createClient(dependencies.environment);
    return await execute(command, client, io, dependencies);
  } catch (error) {
    if (
      error instanceof CoordinatorUnreachableError ||
      error instanceof CoordinatorRequestError ||
      error instanceof CliEnvironmentError ||
      error instanceof RunWaitTimeoutError
    ) {
      io.stderr(`qupersync: ${error.message}\n`);
      return 1;
    }
    io.stderr(`qupersync: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}

async function execute(
  command: Exclude<CliCommand, { command: 'help' }>,
  client: CoordinatorClient,
  io: CliIo,
  dependencies: CliDependencies,
): Promise<number> {
  switch (command.command) {
    case 'jobs': {
      const jobs = await client.listJobs();
      io.stdout(command.json ? formatJson(jobs) : formatJobs(jobs));
      return 0;
    }
    case 'jobs-reload': {
      const reload = await client.reloadJobs(command.removedRuns);
      io.stdout(command.json ? formatJson(reload) : formatJobsReload(reload));
      return 0;
    }
    case 'run': {
      const run = await client.getRun(command.runId);
      io.stdout(command.json ? formatRunJson(run) : formatRun(run));
      return 0;
    }
    case 'dead-letters': {
      const letters = await client.listDeadLetters({
        job: command.job,
        runId: command.runId,
        limit: command.limit,
      });
      io.stdout(command.json ? formatJson(letters) : formatDeadLetters(letters));
      return 0;
    }
    case 'status': {
      const status = await client.getStatus();
      io.stdout(command.json ? formatJson(status) : formatStatus(status));
      return status.healthy ? 0 : 1;
    }
    case 'cancel': {
      const run = await client.cancelRun(command.runId);
      io.stdout(
        command.json
          ? formatRunJson(run)
          : `run ${run.runId} of ${run.job} cancelled: ${run.rowsLoaded} rows were loaded; the watermark stays\n`,
      );
      return 0;
    }
    case 'runs': {
      const runs = await client.listRuns({ job: command.job, limit: command.limit });
      io.stdout(command.json ? formatJson(runs.map(toRunSummary)) : formatRuns(runs));
      return 0;
    }
    case 'failures': {
      const failures = await client.listFailures({ job: command.job });
      io.stdout(command.json ? formatJson(failures) : formatFailures(failures));
      return 0;
    }
    case 'trigger':
      return trigger(command, client, io, dependencies);
    case 'replay':
      return replay(command, client, io, dependencies);
    case 'verify': {
      const verification = await client.verify(command.job, command.repair);
      io.stdout(command.json ? formatJson(verification) : formatVerification(verification));
      return verification.equal ? 0 : 1;
    }
    case 'reset': {
      const reset = await client.resetJob(command.job, command.watermark);
      io.stdout(
        command.json
          ? formatJson(reset)
          : reset.watermark === null
            ? `watermark of ${reset.job} cleared: its next incremental run reads every row\n`
            : `watermark of ${reset.job} set to ${JSON.stringify(reset.watermark)}\n`,
      );
      return 0;
    }
  }
}

async function trigger(
  command: Extract<CliCommand, { command: 'trigger' }>,
  client: CoordinatorClient,
  io: CliIo,
  dependencies: CliDependencies,
): Promise<number> {
  const pollIntervalMs = dependencies.pollIntervalMs ?? 500;
  let run: RunView;
  if (command.via === 'kafka') {
    const requestKey = command.requestKey ?? `cli-${randomUUID()}`;
    const brokers = requireKafkaBrokers(dependencies.environment);
    const publish =
      dependencies.publishTrigger ??
      ((targets: readonly string[], message: Parameters<TriggerPublisher['publish']>[0]) =>
        new TriggerPublisher(targets, kafkaSecurityFromEnvironment()).publish(message));
    await publish(brokers, {
      job: command.job,
      requestKey,
      mode: command.mode ?? null,
      requestedBy: `qupersync-cli@${os.hostname()}`,
      requestedAtMs: Date.now(),
    });
    io.stderr(`published a trigger for ${command.job} to Kafka (request key ${requestKey})\n`);
    if (!command.wait) {
      if (command.json) io.stdout(formatJson({ job: command.job, requestKey, published: true }));
      return 0;
    }
    run = await findRunByRequestKey(client, command.job, requestKey, { pollIntervalMs });
  } else {
    const accepted = await client.triggerRun(command.job, {
      mode: command.mode,
      requestKey: command.requestKey,
    });
    io.stderr(
      accepted.coalesced
        ? `${command.job} already had an active run: joined run ${accepted.runId} (${accepted.status})\n`
        : `started run ${accepted.runId} of ${command.job} (${accepted.status})\n`,
    );
    run = await client.getRun(accepted.runId);
  }
  if (!command.wait) {
    io.stdout(command.json ? formatRunJson(run) : `${run.runId}\n`);
    return 0;
  }
  const finished = await waitShowingProgress(client, run.runId, io, pollIntervalMs);
  if (command.json) io.stdout(formatRunJson(finished));
  else io.stdout(formatRunOutcome(finished));
  return finished.status === 'succeeded' ? 0 : 1;
}

/** Waits for a run to end, its progress on stderr (one line redrawn on a terminal). */
async function waitShowingProgress(
  client: CoordinatorClient,
  runId: string,
  io: CliIo,
  pollIntervalMs: number,
): Promise<RunView> {
  let lastLine = '';
  const finished = await waitForRunEnd(client, runId, {
    pollIntervalMs,
    onProgress: (progress, elapsedMs) => {
      const line = formatProgress(progress, elapsedMs);
      if (io.interactive) io.stderr(`\r\x1b[2K${line}`);
      else if (stripElapsed(line) !== stripElapsed(lastLine)) io.stderr(`${line}\n`);
      lastLine = line;
    },
  });
  if (io.interactive) io.stderr('\n');
  return finished;
}

/**
 * `replay`: starts the keyed run that re-extracts the job's dead-lettered keys. Exit 0 when
 * there was nothing to replay or (with --wait) the replay succeeded.
 */
async function replay(
  command: Extract<CliCommand, { command: 'replay' }>,
  client: CoordinatorClient,
  io: CliIo,
  dependencies: CliDependencies,
): Promise<number> {
  const outcome = await client.replay(command.job, command.runId);
  const unreplayable =
    outcome.notReplayable === 0
      ? ''
      : `; ${outcome.notReplayable} letter(s) have no key to re-extract (a poison message, a NULL key, a key the entity's rules may have rewritten)`;
  if (outcome.run === null) {
    io.stdout(command.json ? formatJson(outcome) : `nothing to replay for ${outcome.job}${unreplayable}\n`);
    return 0;
  }
  io.stderr(
    `replaying ${outcome.letters} dead letter(s) of ${outcome.job}: run ${outcome.run.runId} re-extracts ${outcome.keys} key(s)${unreplayable}\n`,
  );
  if (outcome.remaining > 0)
    io.stderr(`${outcome.remaining} more key(s) wait for the next replay, once this run has ended\n`);
  if (!command.wait) {
    io.stdout(command.json ? formatJson(outcome) : `${outcome.run.runId}\n`);
    return 0;
  }
  const finished = await waitShowingProgress(
    client,
    outcome.run.runId,
    io,
    dependencies.pollIntervalMs ?? 500,
  );
  io.stdout(command.json ? formatJson({ ...outcome, run: finished }) : formatRunOutcome(finished));
  return finished.status === 'succeeded' ? 0 : 1;
}

/** What `verify` prints without --json: the verdict, the counts, and what a repair did. */
export function formatVerification(verification: VerificationView): string {
  const lines: string[] = [];
  const repair = verification.repair;
  if (repair !== null) {
    const before = repair.before;
    lines.push(
      `before repair: ${before.missing} missing, ${before.extra} extra, ${before.different} different`,
      ...repair.runs.map(
        (run) =>
          `  run ${run.runId}: ${run.status}, ${run.keys} keys, ${run.rowsLoaded} rows loaded${run.error === null ? '' : ` (${run.error})`}`,
      ),
    );
    if (repair.extraDeleted > 0)
      lines.push(`  ${repair.extraDeleted} extra keys deleted (or stamped, under deletes: soft)`);
    if (repair.extraKept > 0)
      lines.push(
        repair.extraDeleted > 0
          ? `  ${repair.extraKept} extra keys remain`
          : `  ${repair.extraKept} extra keys kept: the job does not allow deletes (deletes: hard or soft)`,
      );
    if (repair.stoppedBecause !== null) lines.push(`  the repair stopped early: ${repair.stoppedBecause}`);
  }
  lines.push(
    verification.equal
      ? `${verification.job}: equal, ${verification.rowsSource} rows`
      : `${verification.job}: NOT equal: ${verification.missing} missing, ${verification.extra} extra, ${verification.different} different (source ${verification.rowsSource} rows, target ${verification.rowsTarget})`,
    `  ${verification.rangesCompared} ranges and ${verification.rowsCompared} rows compared in ${verification.statements} statements, ${verification.seconds} s`,
  );
  if (verification.sample.length > 0)
    lines.push(`  sample keys: ${verification.sample.map((key) => JSON.stringify(key)).join(' ')}`);
  if (verification.columnsSkipped.length > 0)
    lines.push(`  columns not compared: ${verification.columnsSkipped.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

/** In a log (not a terminal) a line is only worth printing when something besides the clock moved. */
function stripElapsed(line: string): string {
  return line.replace(/\s+\S+ (ms|s|min \d+ s)$/, '');
}

if (require.main === module) {
  const io: CliIo = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    interactive: process.stderr.isTTY === true,
  };
  runCli(process.argv.slice(2), io, { environment: resolveCliEnvironment(process.env) })
    .then((code) => {
      process.exitCode = code;
    })
    .catch((error: unknown) => {
      process.stderr.write(
        `qupersync: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exitCode = 1;
    });
}
