// Waits for the parts of this process's UNLOAD extractions. An attempt's files go out as parts on
// qupersync.extract-part.v1, which every extractor of the group reads; whichever takes a part
// reports it on qupersync.extract-part.done.v1, which every extractor reads whole. The attempt's
// own extractor completes the extraction once each of its parts has reported (a part read twice,
// after a rebalance, reports twice and counts once) and fails it on the first part that failed.
import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import {
  type ErrorCode,
  extractPartDoneCodec,
  type ExtractPartDoneMessage,
  QuperSyncError,
  TopicNames,
} from '@qupersync/contracts';
import { KafkaGateway } from '@qupersync/kafka';

export interface PartsOutcome {
  readonly batches: number;
  readonly rows: number;
  /** How many parts each extractor read, by its client id. */
  readonly workers: Readonly<Record<string, number>>;
}

interface Waiter {
  readonly parts: number;
  readonly done: Map<number, ExtractPartDoneMessage>;
  settle?: (outcome: PartsOutcome | QuperSyncError) => void;
  result?: PartsOutcome | QuperSyncError;
}

@Injectable()
export class UnloadPartTracker implements OnApplicationBootstrap {
  private readonly waiters = new Map<string, Waiter>();

  constructor(private readonly kafka: KafkaGateway) {}

  async onApplicationBootstrap(): Promise<void> {
    // From the beginning: a report published while this process's group is still joining is
    // read all the same (the topic holds small records; older attempts' reports are ignored).
    await this.kafka.subscribeBroadcast(
      TopicNames.extractPartDone,
      'qupersync-extractor-parts',
      (value) => this.onDone(extractPartDoneCodec.decode(value)),
      { fromBeginning: true },
    );
  }

  /** Registers an attempt's parts; call before publishing them. */
  expect(extractionId: string, parts: number): void {
    this.waiters.set(extractionId, { parts, done: new Map() });
  }

  /**
   * Resolves once every part of the attempt has reported; `keepAlive` runs every few seconds
   * meanwhile (the extract request's heartbeat), and `signal` gives up (the run ended).
   */
  async wait(
    extractionId: string,
    keepAlive: () => Promise<void>,
    signal: AbortSignal | undefined,
  ): Promise<PartsOutcome> {
    const waiter = this.waiters.get(extractionId);
    if (waiter === undefined) throw new Error(`no parts expected for extraction ${extractionId}`);
    try {
      const settled = new Promise<PartsOutcome | QuperSyncError>((resolve) => {
        if (waiter.result !== undefined) resolve(waiter.result);
        else waiter.settle = resolve;
      });
      for (;;) {
        signal?.throwIfAborted();
        const tick = new Promise<'tick'>((resolve) => setTimeout(() => resolve('tick'), 3_000).unref());
        const outcome = await Promise.race([settled, tick]);
        if (outcome === 'tick') {
          await keepAlive();
          continue;
        }
        if (outcome instanceof QuperSyncError) throw outcome;
        return outcome;
      }
    } finally {
      this.waiters.delete(extractionId);
    }
  }

  private onDone(message: ExtractPartDoneMessage): void {
    const waiter = this.waiters.get(message.extractionId);
    if (waiter === undefined || waiter.result !== undefined || waiter.done.has(message.part)) return;
    if (message.error !== null) {
      this.finish(
        waiter,
        new QuperSyncError(
          toErrorCode(message.errorCode),
          'permanent',
          `part ${message.part + 1} of ${waiter.parts} (read by ${message.worker}) failed: ${message.error}`,
        ),
      );
      return;
    }
    waiter.done.set(message.part, message);
    if (waiter.done.size < waiter.parts) return;
    const reports = [...waiter.done.values()];
    const workers: Record<string, number> = {};
    for (const report of reports) workers[report.worker] = (workers[report.worker] ?? 0) + 1;
    this.finish(waiter, {
      batches: reports.reduce((sum, report) => sum + report.batches, 0),
      rows: reports.reduce((sum, report) => sum + report.rows, 0),
      workers,
    });
  }

  private finish(waiter: Waiter, result: PartsOutcome | QuperSyncError): void {
    waiter.result = result;
    waiter.settle?.(result);
  }
}

const knownCodes: readonly ErrorCode[] = [
  'SOURCE_STATEMENT_FAILED',
  'SOURCE_UNAVAILABLE',
  'OBJECT_STORE_FAILED',
  'ROW_INVALID',
  'ROW_TOO_LARGE',
  'BROKER_REJECTED',
  'MESSAGE_INVALID',
];

function toErrorCode(code: string | null): ErrorCode {
  return knownCodes.find((known) => known === code) ?? 'INTERNAL';
}
