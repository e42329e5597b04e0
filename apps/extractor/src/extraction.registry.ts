// The extractions running in this process: at most EXTRACTOR_CONCURRENT_EXTRACTIONS at once,
// one per run. It listens to qupersync.run.control.v1 (every extractor reads all of it), and when
// the coordinator says a run has ended (failed, stalled, or done) it aborts that run's extraction,
// which cancels its statement in the warehouse, instead of letting it read a table for nothing.
import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { describeError, QuperSyncError, runControlCodec, TopicNames } from '@qupersync/contracts';
import { KafkaGateway } from '@qupersync/kafka';
import { JsonLogger } from '@qupersync/observability';

export const EXTRACTION_CONCURRENCY = Symbol('EXTRACTION_CONCURRENCY');

/** Why an extraction was stopped: a newer attempt of its run started in this process. */
export class SupersededSignal extends Error {
  constructor(readonly runId: string) {
    super(`a newer extraction attempt of run ${runId} started`);
    this.name = 'SupersededSignal';
  }
}

/** Why an extraction was stopped from outside: its run ended. */
export class RunEndedSignal extends Error {
  constructor(
    readonly runId: string,
    readonly status: string,
    readonly reason: string | null,
  ) {
    super(`run ${runId} has ended (${status}${reason === null ? '' : `: ${reason}`})`);
    this.name = 'RunEndedSignal';
  }
}

interface RunningExtraction {
  readonly controller: AbortController;
  readonly done: Promise<void>;
}

@Injectable()
export class ExtractionRegistry implements OnApplicationBootstrap {
  private readonly logger = new JsonLogger(ExtractionRegistry.name);
  private readonly running = new Map<string, RunningExtraction>();
  /** Runs announced as ended, newest last (bounded): a late redelivered request for one is skipped. */
  private readonly ended = new Map<string, RunEndedSignal>();
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly kafka: KafkaGateway,
    @Inject(EXTRACTION_CONCURRENCY) private readonly concurrency: number,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.kafka.subscribeBroadcast(TopicNames.runControl, 'qupersync-extractor-control', (value) => {
      const message = runControlCodec.decode(value);
      this.runEnded(new RunEndedSignal(message.runId, message.status, message.reason));
    });
  }

  /** The extraction of this run going on here, if any (a redelivered request starts anew and stops it). */
  find(runId: string): RunningExtraction | undefined {
    return this.running.get(runId);
  }

  /** Why the run is known to have ended, if it is. */
  endedRun(runId: string): RunEndedSignal | undefined {
    return this.ended.get(runId);
  }

  /**
   * Waits for a free slot (calling `keepAlive` meanwhile), then runs `work` as this run's
   * extraction with a signal that aborts when the run is announced as ended. An older attempt of
   * the same run still going here (its request came back after a rebalance) is stopped: the new
   * attempt is the one the run's fence will take, so the old one could only produce stale work.
   * Throws a transient error, leaving the request for redelivery, when the partition is taken
   * away while it waits (the consumer must return to rejoin its group).
   */
  async start(
    runId: string,
    context: { keepAlive: () => Promise<void>; isStale: () => boolean },
    work: (signal: AbortSignal) => Promise<void>,
  ): Promise<RunningExtraction> {
    const older = this.running.get(runId);
    if (older !== undefined) {
      older.controller.abort(new SupersededSignal(runId));
      await older.done;
    }
    while (this.running.size >= this.concurrency) {
      if (context.isStale())
        throw new QuperSyncError(
          'INTERNAL',
          'transient',
          `no extraction slot free before the partition moved; run ${runId} is left for redelivery`,
        );
      const freed = new Promise<void>((resolve) => this.waiting.push(resolve));
      const tick = new Promise<void>((resolve) => setTimeout(resolve, 1_000).unref());
      await Promise.race([freed, tick]);
      await context.keepAlive();
    }
    const controller = new AbortController();
    const done = work(controller.signal).finally(() => {
      if (this.running.get(runId)?.controller === controller) this.running.delete(runId);
      // Every waiter looks again; those that find no slot wait once more.
      for (const wake of this.waiting.splice(0)) wake();
    });
    const extraction: RunningExtraction = { controller, done };
    this.running.set(runId, extraction);
    return extraction;
  }

  private runEnded(signal: RunEndedSignal): void {
    this.ended.set(signal.runId, signal);
    if (this.ended.size > maxRememberedRuns) {
      const oldest = this.ended.keys().next().value;
      if (oldest !== undefined) this.ended.delete(oldest);
    }
    const extraction = this.running.get(signal.runId);
    if (extraction === undefined || extraction.controller.signal.aborted) return;
    this.logger.warn('run ended while extracting; stopping the extraction', {
      runId: signal.runId,
      status: signal.status,
      reason: signal.reason,
    });
    try {
      extraction.controller.abort(signal);
    } catch (error) {
      this.logger.error('could not stop the extraction', {
        runId: signal.runId,
        error: describeError(error),
      });
    }
  }
}

const maxRememberedRuns = 10_000;
