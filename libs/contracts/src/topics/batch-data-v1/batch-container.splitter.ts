// Cuts a batch container that is too large for one Kafka message into parts that fit, each a
// complete container of the same schema with a contiguous slice of the rows, in order. Used by
// the transformer, whose output can outgrow the extractor's batch (a rule that adds columns).
import { QuperSyncError } from '../../quper-sync.error';
import { BatchContainerCodec, decodeBatchContainer } from './batch-container.codec';
import type { BatchRow, BatchSchema } from './batch-schema';

export interface BatchContainerPart {
  readonly container: Buffer;
  readonly rowCount: number;
}

/** The container itself when it fits; otherwise its rows halved until every part fits. */
export function splitBatchContainer(
  container: Buffer,
  rowCount: number,
  maxBytes: number,
): BatchContainerPart[] {
  if (container.length <= maxBytes) return [{ container, rowCount }];
  const { schema, rows } = decodeBatchContainer(container);
  const codec = new BatchContainerCodec(schema);
  return splitRows(codec, schema, rows, maxBytes);
}

function splitRows(
  codec: BatchContainerCodec,
  schema: BatchSchema,
  rows: readonly BatchRow[],
  maxBytes: number,
): BatchContainerPart[] {
  const encoded = codec.encode(rows);
  if (encoded.length <= maxBytes) return [{ container: encoded, rowCount: rows.length }];
  const [only] = rows;
  if (rows.length === 1 && only !== undefined) {
    throw new QuperSyncError(
      'ROW_TOO_LARGE',
      'permanent',
      `the row with key ${describeRowKey(schema, only)} takes ${encoded.length} bytes, above the ` +
        `${maxBytes}-byte batch limit (KAFKA_MAX_BATCH_BYTES); raise the limit (and the brokers' ` +
        'message.max.bytes) or exclude the column that makes it large',
    );
  }
  const middle = Math.ceil(rows.length / 2);
  return [
    ...splitRows(codec, schema, rows.slice(0, middle), maxBytes),
    ...splitRows(codec, schema, rows.slice(middle), maxBytes),
  ];
}

function describeRowKey(schema: BatchSchema, row: BatchRow): string {
  return `(${schema.primaryKey
    .map((column) => {
      const value = row[column];
      const text =
        value === null || value === undefined
          ? 'NULL'
          : Buffer.isBuffer(value)
            ? value.toString('hex')
            : String(value);
      return `${column}=${text}`;
    })
    .join(', ')})`;
}
