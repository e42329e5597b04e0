// Handles UNLOAD parts (qupersync.extract-part.v1). Every extractor of the group takes its share
// of the partitions, so a run's files are read by as many extractors as there are. A part is read
// in the handler (heartbeating), and its offset is committed once it is published and reported; a
// part of a run already announced as ended is skipped.
import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { batchHeaderNames, extractPartCodec, TopicNames } from '@qupersync/contracts';
import type { KafkaRecord, KafkaRecordContext } from '@qupersync/kafka';
import { JsonLogger } from '@qupersync/observability';
import { ExtractionRegistry } from './extraction.registry';
import { UnloadPartWorker } from './unload-part.worker';

@Controller()
export class ExtractPartConsumer {
  private readonly logger = new JsonLogger(ExtractPartConsumer.name);

  constructor(
    private readonly worker: UnloadPartWorker,
    private readonly registry: ExtractionRegistry,
  ) {}

  @EventPattern(TopicNames.extractPart)
  async onExtractPart(@Payload() record: KafkaRecord, @Ctx() context: KafkaRecordContext): Promise<void> {
    const part = extractPartCodec.decode(record.value);
    const ended = this.registry.endedRun(part.runId);
    if (ended !== undefined) {
      this.logger.info('UNLOAD part of an ended run skipped', {
        job: part.job,
        runId: part.runId,
        part: part.part,
        partition: record.partition,
        offset: record.offset,
      });
      return;
    }
    const controller = new AbortController();
    await this.worker.run(
      part,
      record.headers[batchHeaderNames.jobVersion] ?? null,
      async () => {
        await context.heartbeat().catch(() => undefined);
        if (this.registry.endedRun(part.runId) !== undefined) controller.abort();
      },
      controller.signal,
    );
  }
}
