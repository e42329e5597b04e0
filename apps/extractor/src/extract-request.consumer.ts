// Handles extract requests. A failed extraction is reported to the coordinator (the run fails,
// the watermark stays) instead of being retried here: the next run starts from the same cursor.
import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { describeError, extractRequestCodec, QuperSyncError, TopicNames } from '@qupersync/contracts';
import type { KafkaRecord, KafkaRecordContext } from '@qupersync/kafka';
import { JsonLogger, PipelineMetrics } from '@qupersync/observability';
import { BatchPublisher } from './batch-publisher.service';
import { ExtractionService } from './extraction.service';

@Controller()
export class ExtractRequestConsumer {
  private readonly logger = new JsonLogger(ExtractRequestConsumer.name);

  constructor(
    private readonly extraction: ExtractionService,
    private readonly publisher: BatchPublisher,
    private readonly metrics: PipelineMetrics,
  ) {}

  @EventPattern(TopicNames.extractRequest)
  async onExtractRequest(@Payload() record: KafkaRecord, @Ctx() context: KafkaRecordContext): Promise<void> {
    const request = extractRequestCodec.decode(record.value);
    try {
      await this.extraction.extract(request, { heartbeat: () => context.heartbeat() });
    } catch (error) {
      const code = error instanceof QuperSyncError ? error.code : 'INTERNAL';
      this.logger.error('extraction failed', {
        job: request.job,
        runId: request.runId,
        code,
        error: describeError(error),
        partition: record.partition,
        offset: record.offset,
      });
      this.metrics.failures.inc({ phase: 'extract', code });
      await this.publisher.sendEvent({
        eventId: `${request.runId}:extraction_failed`,
        runId: request.runId,
        job: request.job,
        kind: 'extraction_failed',
        errorCode: code,
        error: describeError(error),
      });
    }
  }
}
