// Kafka handlers of the coordinator: triggers from other systems and batch events from the
// pipeline. Bad triggers are permanent errors: the transport dead-letters them with the reason
// and the coordinator keeps going.
import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import {
  batchEventCodec,
  deadLetterCodec,
  describeError,
  QuperSyncError,
  TopicNames,
  triggerCodec,
} from '@qupersync/contracts';
import type { DeadLetterMessage } from '@qupersync/contracts';
import { isDatabaseUnavailable } from '@qupersync/postgres';
import type { KafkaRecord, KafkaRecordContext } from '@qupersync/kafka';
import { JsonLogger } from '@qupersync/observability';
import { DeadLetterRepository } from './dead-letter.repository';
import { RunLifecycleService } from './run-lifecycle.service';

@Controller()
export class CoordinatorEventsConsumer {
  private readonly logger = new JsonLogger(CoordinatorEventsConsumer.name);

  constructor(
    private readonly lifecycle: RunLifecycleService,
    private readonly deadLetters: DeadLetterRepository,
  ) {}

  @EventPattern(TopicNames.trigger)
  async onTrigger(@Payload() record: KafkaRecord, @Ctx() _context: KafkaRecordContext): Promise<void> {
    const trigger = triggerCodec.decode(record.value);
    const outcome = await whileDatabaseReachable(() =>
      this.lifecycle.trigger({
        job: trigger.job,
        mode: trigger.mode,
        requestKey: trigger.requestKey,
        source: 'kafka',
      }),
    );
    this.logger.info('trigger received', {
      job: trigger.job,
      runId: outcome.run.id,
      coalesced: outcome.coalesced,
      partition: record.partition,
      offset: record.offset,
    });
  }

  @EventPattern(TopicNames.batchEvent)
  async onBatchEvent(@Payload() record: KafkaRecord, @Ctx() _context: KafkaRecordContext): Promise<void> {
    const event = batchEventCodec.decode(record.value);
    await whileDatabaseReachable(() => this.lifecycle.applyEvent(event));
  }

  /**
   * Keeps every dead letter queryable. A letter that cannot be decoded is logged and skipped:
   * failing it would dead-letter it into the topic it came from, for ever.
   */
  @EventPattern(TopicNames.deadLetter)
  async onDeadLetter(@Payload() record: KafkaRecord, @Ctx() _context: KafkaRecordContext): Promise<void> {
    let letter: DeadLetterMessage;
    try {
      letter = deadLetterCodec.decode(record.value);
    } catch (error) {
      this.logger.warn('undecodable dead letter skipped', {
        partition: record.partition,
        offset: record.offset,
        error: describeError(error),
      });
      return;
    }
    await whileDatabaseReachable(() => this.deadLetters.record(record.partition, record.offset, letter));
  }
}

/**
 * A state database outage is transient: the transport keeps the record and retries it for as
 * long as the outage lasts, so no trigger or batch event is lost or dead-lettered because of it.
 */
async function whileDatabaseReachable<Result>(work: () => Promise<Result>): Promise<Result> {
  try {
    return await work();
  } catch (error) {
    if (isDatabaseUnavailable(error)) {
      throw new QuperSyncError(
        'TARGET_UNAVAILABLE',
        'transient',
        `state database unavailable: ${describeError(error)}`,
      );
    }
    throw error;
  }
}
