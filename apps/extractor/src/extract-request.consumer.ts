// Handles extract requests. Each delivery is its own extraction attempt, named here with an id
// that sorts by start time: the coordinator completes the run on the batches of the attempt that
// reports completion, never on a mix of attempts, and loaders write only the newest attempt's
// batches (the run's fence). A failed extraction is reported to the coordinator with its attempt
// (the run fails, the watermark stays) instead of being retried here. A heartbeat that fails
// because the group is rebalancing (another extractor joined or left) is not a failure of the
// extraction: it goes on, and if the request is redelivered elsewhere the newer attempt wins.
import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import {
  batchEventId,
  describeError,
  extractRequestCodec,
  QuperSyncError,
  TopicNames,
} from '@qupersync/contracts';
import type { KafkaRecord, KafkaRecordContext } from '@qupersync/kafka';
import { JsonLogger, PipelineMetrics, SystemClock } from '@qupersync/observability';
import { BatchPublisher } from './batch-publisher.service';
import { ExtractionService, newExtractionId } from './extraction.service';

@Controller()
export class ExtractRequestConsumer {
  private readonly logger = new JsonLogger(ExtractRequestConsumer.name);

  constructor(
    private readonly extraction: ExtractionService,
    private readonly publisher: BatchPublisher,
    private readonly metrics: PipelineMetrics,
    private readonly clock: SystemClock,
  ) {}

  @EventPattern(TopicNames.extractRequest)
  async onExtractRequest(@Payload() record: KafkaRecord, @Ctx() context: KafkaRecordContext): Promise<void> {
    const request = extractRequestCodec.decode(record.value);
    const extractionId = newExtractionId(this.clock.nowMs());
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
      await this.extraction.extract(request, { heartbeat }, extractionId);
    } catch (error) {
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
      await this.publisher.sendEvent({
        eventId: batchEventId({ runId: request.runId, extractionId, sequence: null }, 'extraction_failed'),
        extractionId,
        runId: request.runId,
        job: request.job,
        kind: 'extraction_failed',
        errorCode: code,
        error: describeError(error),
      });
    }
  }
}
