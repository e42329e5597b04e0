// Handles extract requests. Each delivery is its own extraction attempt, named here with an id
// that sorts by start time: the coordinator completes the run on the batches of the attempt that
// reports completion, never on a mix of attempts, and loaders write only the newest attempt's
// batches (the run's fence). A failed extraction is reported to the coordinator with its attempt
// (the run fails, the watermark stays) instead of being retried here, except an attempt lost to a
// broker outage, which is followed by a new attempt once the broker is back. A heartbeat that fails
// because the group is rebalancing (another extractor joined or left) is not a failure of the
// extraction: it goes on, and if the request is redelivered elsewhere the newer attempt wins.
// The extraction runs detached from the handler (ExtractionRegistry bounds how many at once), so
// a long one never holds the requests queued behind it on its partition; the request's offset is
// committed when it ends. An extraction whose run the coordinator announces as ended stops, and
// so does an older attempt still running here when its request is redelivered to this process.
import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import {
  batchEventId,
  batchHeaderNames,
  describeError,
  extractRequestCodec,
  ExtractRequestMessage,
  QuperSyncError,
  TopicNames,
} from '@qupersync/contracts';
import { isBrokerOutage } from '@qupersync/kafka';
import type { KafkaRecord, KafkaRecordContext } from '@qupersync/kafka';
import { backoffDelayMs, JsonLogger, PipelineMetrics, SystemClock } from '@qupersync/observability';
import { BatchPublisher } from './batch-publisher.service';
import { ExtractionRegistry, RunEndedSignal, SupersededSignal } from './extraction.registry';
import { ExtractionService, newExtractionId } from './extraction.service';

@Controller()
export class ExtractRequestConsumer {
  private readonly logger = new JsonLogger(ExtractRequestConsumer.name);

  constructor(
    private readonly extraction: ExtractionService,
    private readonly publisher: BatchPublisher,
    private readonly metrics: PipelineMetrics,
    private readonly clock: SystemClock,
    private readonly registry: ExtractionRegistry,
  ) {}

  @EventPattern(TopicNames.extractRequest)
  async onExtractRequest(@Payload() record: KafkaRecord, @Ctx() context: KafkaRecordContext): Promise<void> {
    const request = extractRequestCodec.decode(record.value);
    const fields = {
      job: request.job,
      runId: request.runId,
      partition: record.partition,
      offset: record.offset,
    };
    const ended = this.registry.endedRun(request.runId);
    if (ended !== undefined) {
      this.logger.info('extract request of an ended run skipped', { ...fields, status: ended.status });
      return;
    }
    if (this.registry.find(request.runId) !== undefined)
      this.logger.info(
        'extract request redelivered while its older attempt runs here; starting anew',
        fields,
      );
    const extraction = await this.registry.start(
      request.runId,
      { keepAlive: () => context.heartbeat().catch(() => undefined), isStale: () => context.isStale() },
      (signal) => this.extractUntilVerdict(request, context, signal, record),
    );
    context.detach(extraction.done);
  }

  /**
   * Extraction attempts until one reaches a verdict. An attempt that failed because the broker was
   * away (a restart) is followed by a new attempt once it is back, instead of failing the run; the
   * run's stall timeout still bounds how long that may go on.
   */
  private async extractUntilVerdict(
    request: ExtractRequestMessage,
    context: KafkaRecordContext,
    signal: AbortSignal,
    record: KafkaRecord,
  ): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const extractionId = newExtractionId(this.clock.nowMs());
      const outage = await this.extract(request, extractionId, context, signal, record);
      if (outage === undefined || signal.aborted) return;
      const delayMs = backoffDelayMs(attempt, 1_000, 30_000);
      this.logger.warn('extraction attempt lost to a broker outage; a new attempt follows', {
        job: request.job,
        runId: request.runId,
        extractionId,
        delayMs,
        error: describeError(outage),
      });
      await this.clock.sleep(delayMs);
    }
  }

  /**
   * One attempt, start to verdict; never rejects (a failure is reported as extraction_failed).
   * Returns the error when the attempt was lost to a broker outage, for another attempt.
   */
  private async extract(
    request: ExtractRequestMessage,
    extractionId: string,
    context: KafkaRecordContext,
    signal: AbortSignal,
    record: KafkaRecord,
  ): Promise<unknown> {
    let heartbeatFailed = false;
    const heartbeat = async (): Promise<void> => {
      try {
        await context.heartbeat();
      } catch (error) {
        if (!heartbeatFailed)
          this.logger.warn('heartbeat failed (the group is rebalancing?); the extraction goes on', {
            job: request.job,
            runId: request.runId,
            extractionId,
            error: describeError(error),
          });
        heartbeatFailed = true;
      }
    };
    try {
      await this.extraction.extract(
        request,
        { heartbeat, signal },
        extractionId,
        record.headers[batchHeaderNames.jobVersion] ?? null,
      );
      return undefined;
    } catch (error) {
      if (signal.aborted && signal.reason instanceof SupersededSignal) {
        this.logger.info('extraction stopped: a newer attempt of its run started here', {
          job: request.job,
          runId: request.runId,
          extractionId,
        });
        return undefined;
      }
      if (isBrokerOutage(error)) return error;
      if (signal.aborted && signal.reason instanceof RunEndedSignal) {
        // The coordinator has ended the run; there is nobody to tell, and nothing it extracted
        // can be written any more (the loaders fence it).
        this.logger.info('extraction stopped: its run has ended', {
          job: request.job,
          runId: request.runId,
          extractionId,
          status: signal.reason.status,
        });
        this.metrics.extractionsStopped.inc();
        return undefined;
      }
      const code = error instanceof QuperSyncError ? error.code : 'INTERNAL';
      this.logger.error('extraction failed', {
        job: request.job,
        runId: request.runId,
        extractionId,
        code,
        error: describeError(error),
        partition: record.partition,
        offset: record.offset,
      });
      this.metrics.failures.inc({ phase: 'extract', code });
      await this.publisher
        .sendEvent({
          eventId: batchEventId({ runId: request.runId, extractionId, sequence: null }, 'extraction_failed'),
          extractionId,
          runId: request.runId,
          job: request.job,
          kind: 'extraction_failed',
          errorCode: code,
          error: describeError(error),
        })
        .catch((sendError: unknown) => {
          // The run then ends by the stall timeout, with its reason in this log line.
          this.logger.error('could not report the failed extraction', {
            job: request.job,
            runId: request.runId,
            extractionId,
            error: describeError(sendError),
          });
        });
      return undefined;
    }
  }
}
