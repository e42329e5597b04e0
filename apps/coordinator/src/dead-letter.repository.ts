// The coordinator's copy of qupersync.dead-letter.v1 in qupersync_dead_letters: written as the
// topic is read (idempotent by topic position), listed by job and run, and pruned after the
// retention the operator chose (DEAD_LETTER_RETENTION_DAYS).
import { Injectable } from '@nestjs/common';
import type { DeadLetterMessage } from '@qupersync/contracts';
import { PostgresDatabase } from '@qupersync/postgres';
import type { PoolClient } from 'pg';
import { z } from 'zod';

export interface DeadLetterView {
  readonly partition: number;
  readonly offset: string;
  readonly job: string | null;
  readonly runId: string | null;
  readonly sequence: number | null;
  readonly stage: string;
  readonly errorCode: string;
  readonly reason: string;
  readonly rowKey: string | null;
  /** The refused row as JSON text (a row-level letter), or null for a whole message. */
  readonly row: string | null;
  readonly source: string | null;
  /** Bytes of the original message kept with the letter (shown as a size, not dumped). */
  readonly payloadBytes: number;
  readonly occurredAt: string;
  readonly replayedAt: string | null;
  /** The replay run that re-extracts this letter's key (replayedAt is set when it succeeds). */
  readonly replayRunId: string | null;
}

/** What a replay claimed: the distinct keys to re-extract and the letters they stand for. */
export interface ReplayClaim {
  readonly keys: string[][];
  readonly letters: number;
  /**
   * Unreplayed letters without a usable key (a poison message, a NULL key, a loader's letter whose
   * key the entity's rules may have rewritten): replay cannot help them.
   */
  readonly notReplayable: number;
  /** Replayable letters left for a later replay, beyond the keys one run carries. */
  readonly remaining: number;
}

const rowKeySchema = z.record(z.union([z.string(), z.number(), z.boolean(), z.null()]));

/**
 * A letter's row key (`{"id":"42"}`, exact values as the transformer wrote them) as a key tuple
 * in primary-key order, for the extractor to bind; undefined when it cannot be re-extracted (not
 * JSON, a missing column, a NULL value).
 */
export function keyTupleOf(rowKey: string, primaryKey: readonly string[]): string[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(rowKey);
  } catch {
    return undefined;
  }
  const values = rowKeySchema.safeParse(parsed);
  if (!values.success) return undefined;
  const byLowerName = new Map(
    Object.entries(values.data).map(([name, value]) => [name.toLowerCase(), value]),
  );
  const tuple: string[] = [];
  for (const column of primaryKey) {
    const value = column in values.data ? values.data[column] : byLowerName.get(column.toLowerCase());
    if (value === undefined || value === null) return undefined;
    tuple.push(String(value));
  }
  return tuple;
}

interface DeadLetterRow {
  topic_partition: number;
  topic_offset: string;
  job: string | null;
  run_id: string | null;
  sequence: number | null;
  stage: string;
  error_code: string;
  reason: string;
  row_key: string | null;
  row_text: string | null;
  source_topic: string | null;
  source_partition: number | null;
  source_offset: string | null;
  payload_bytes: number;
  occurred_at: Date;
  replayed_at: Date | null;
  replay_run_id: string | null;
}

/** PostgreSQL text cannot hold NUL; a letter about bad bytes must still be kept (U+FFFD instead). */
function text(value: string | null): string | null {
  return value === null ? null : value.replaceAll('\u0000', '\uFFFD');
}

@Injectable()
export class DeadLetterRepository {
  constructor(private readonly database: PostgresDatabase) {}

  /** Records one letter read at `partition`/`offset` of the topic; a second read inserts nothing. */
  async record(partition: number, offset: string, letter: DeadLetterMessage): Promise<void> {
    await this.database.query(
      `INSERT INTO qupersync_dead_letters (topic_partition, topic_offset, job, run_id, sequence, stage,
         error_code, reason, row_key, row_text, source_topic, source_partition, source_offset, payload,
         occurred_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, to_timestamp($15 / 1000.0))
       ON CONFLICT (topic_partition, topic_offset) DO NOTHING`,
      [
        partition,
        offset,
        text(letter.job),
        text(letter.runId),
        letter.sequence,
        letter.stage,
        text(letter.errorCode),
        text(letter.reason),
        text(letter.rowKey),
        text(letter.row),
        text(letter.sourceTopic),
        letter.sourcePartition,
        letter.sourceOffset,
        letter.payload,
        letter.occurredAtMs,
      ],
    );
  }

  async list(filter: {
    job?: string | undefined;
    runId?: string | undefined;
    limit: number;
  }): Promise<DeadLetterView[]> {
    const rows = await this.database.query<DeadLetterRow>(
      `SELECT topic_partition, topic_offset::text AS topic_offset, job, run_id, sequence, stage, error_code,
              reason, row_key, row_text, source_topic, source_partition, source_offset,
              COALESCE(octet_length(payload), 0) AS payload_bytes, occurred_at, replayed_at,
              replay_run_id
         FROM qupersync_dead_letters
        WHERE ($1::text IS NULL OR job = $1) AND ($2::text IS NULL OR run_id = $2)
        ORDER BY occurred_at DESC, topic_partition, topic_offset DESC
        LIMIT $3`,
      [filter.job ?? null, filter.runId ?? null, filter.limit],
    );
    return rows.map((row) => ({
      partition: row.topic_partition,
      offset: row.topic_offset,
      job: row.job,
      runId: row.run_id,
      sequence: row.sequence,
      stage: row.stage,
      errorCode: row.error_code,
      reason: row.reason,
      rowKey: row.row_key,
      row: row.row_text,
      source:
        row.source_topic === null
          ? null
          : `${row.source_topic}/${row.source_partition ?? '?'}@${row.source_offset ?? '?'}`,
      payloadBytes: Number(row.payload_bytes),
      occurredAt: row.occurred_at.toISOString(),
      replayedAt: row.replayed_at?.toISOString() ?? null,
      replayRunId: row.replay_run_id,
    }));
  }

  /**
   * Claims the job's unreplayed letters (of one run, or all) for the replay run `replayRunId`, up
   * to `maxKeys` distinct keys, inside the caller's transaction. A letter already claimed by a
   * replay that failed or was cancelled is claimed again: only success sets replayed_at.
   */
  async claimForReplay(
    client: PoolClient,
    claim: {
      job: string;
      runId: string | null;
      replayRunId: string;
      primaryKey: readonly string[];
      /**
       * The key's names in the target (entity.rename), when the entity keeps rows as they are: a
       * loader's letter names its key there. Null when rules or a class may rewrite keys: such a
       * letter's key may not be the source's, so it is not replayable.
       */
      targetKeyNames: readonly string[] | null;
      maxKeys: number;
    },
  ): Promise<ReplayClaim> {
    const filter = `job = $1 AND ($2::text IS NULL OR run_id = $2) AND replayed_at IS NULL`;
    // Bounded: a few more candidates than one replay takes, for keys that turn out unusable.
    const candidates = (
      await client.query<{ row_key: string; stage: string }>(
        `SELECT DISTINCT row_key, stage FROM qupersync_dead_letters WHERE ${filter} AND row_key IS NOT NULL
          ORDER BY row_key, stage LIMIT $3`,
        [claim.job, claim.runId, claim.maxKeys * 2],
      )
    ).rows;
    const keys: string[][] = [];
    const seen = new Set<string>();
    const rowKeys: string[] = [];
    let unusable = 0;
    for (const { row_key: rowKey, stage } of candidates) {
      if (keys.length >= claim.maxKeys) break;
      // A transformer's letter holds the raw row's key (source names, source values).
      const names = stage === 'transformer' ? claim.primaryKey : claim.targetKeyNames;
      const tuple = names === null ? undefined : keyTupleOf(rowKey, names);
      if (tuple === undefined) {
        unusable += 1;
        continue;
      }
      rowKeys.push(rowKey);
      const id = JSON.stringify(tuple);
      if (!seen.has(id)) {
        seen.add(id);
        keys.push(tuple);
      }
    }
    const counts = (
      await client.query<{ claimed: string; keyless: string; candidates: string }>(
        `WITH claimed AS (
           UPDATE qupersync_dead_letters SET replay_run_id = $3
            WHERE ${filter} AND row_key = ANY($4::text[]) RETURNING 1)
         SELECT (SELECT count(*) FROM claimed)::text AS claimed,
                (SELECT count(*) FROM qupersync_dead_letters WHERE ${filter} AND row_key IS NULL)::text AS keyless,
                (SELECT count(DISTINCT row_key) FROM qupersync_dead_letters WHERE ${filter})::text AS candidates`,
        [claim.job, claim.runId, claim.replayRunId, rowKeys],
      )
    ).rows[0];
    return {
      keys,
      letters: Number(counts?.claimed ?? 0),
      notReplayable: Number(counts?.keyless ?? 0) + unusable,
      // Distinct row keys neither claimed nor found unusable (counted before this claim).
      remaining: Math.max(0, Number(counts?.candidates ?? 0) - new Set(rowKeys).size - unusable),
    };
  }

  /** The letters a replay run claimed are replayed: it succeeded (inside the transaction that ends it). */
  async markReplayed(client: PoolClient, replayRunId: string): Promise<number> {
    const result = await client.query(
      'UPDATE qupersync_dead_letters SET replayed_at = now() WHERE replay_run_id = $1 AND replayed_at IS NULL',
      [replayRunId],
    );
    return result.rowCount ?? 0;
  }

  /**
   * Deletes letters that occurred more than `days` ago (by when they happened, not when this table
   * first saw them), a bounded number per call; returns how many went.
   */
  async prune(days: number, batch = 10_000): Promise<number> {
    const rows = await this.database.query<{ deleted: string }>(
      `WITH old AS (
         SELECT topic_partition, topic_offset FROM qupersync_dead_letters
          WHERE occurred_at < now() - make_interval(days => $1) LIMIT $2)
       , gone AS (
         DELETE FROM qupersync_dead_letters d USING old
          WHERE d.topic_partition = old.topic_partition AND d.topic_offset = old.topic_offset RETURNING 1)
       SELECT count(*)::text AS deleted FROM gone`,
      [days, batch],
    );
    return Number(rows[0]?.deleted ?? 0);
  }
}
