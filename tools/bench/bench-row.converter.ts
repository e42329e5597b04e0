// Turns a warehouse row, read as PostgreSQL's text output, into the exact in-memory row the
// pipeline carries to the loader (BIGINT as bigint, decimals padded to their scale, timestamps
// with six fractional digits), using the pipeline's own codecs so the two cannot drift apart.
import {
  formatDate,
  formatTimestampMicros,
  formatUnscaledDecimal,
  parseDate,
  parseTimestampMicros,
  parseUnscaledDecimal,
  type BatchColumn,
  type BatchRow,
  type ExactValue,
} from '@qupersync/contracts';
import { toCopyText, toExactValue } from '@qupersync/entity';

export type TextRow = Record<string, string | null>;

export function toBatchRow(columns: readonly BatchColumn[], text: TextRow): BatchRow {
  const row: BatchRow = {};
  for (const column of columns) row[column.name] = toPipelineValue(column, text[column.name] ?? null);
  return row;
}

export function toPipelineValue(column: BatchColumn, text: string | null): ExactValue {
  if (text === null) return null;
  switch (column.kind) {
    case 'decimal':
      // The transformer decodes Avro decimals to exactly `scale` places; so does this.
      return column.scale === null
        ? text
        : formatUnscaledDecimal(parseUnscaledDecimal(text, column.scale), column.scale);
    case 'timestamp':
    case 'timestamptz':
      return formatTimestampMicros(parseTimestampMicros(text), column.kind === 'timestamptz');
    case 'date':
      return formatDate(parseDate(text));
    case 'smallint':
    case 'integer':
    case 'bigint':
    case 'real':
    case 'double':
    case 'boolean':
    case 'text':
    case 'time':
    case 'timetz':
    case 'super':
    case 'varbyte':
      return toExactValue(text, column);
  }
}

/** The rows as one COPY text payload, byte for byte what the loader sends to its staging table. */
export function toCopyPayload(columns: readonly BatchColumn[], rows: readonly BatchRow[]): Buffer {
  const names = columns.map((column) => column.name);
  const lines = rows.map((row) => names.map((name) => toCopyText(row[name] ?? null)).join('\t'));
  return Buffer.from(lines.length === 0 ? '' : `${lines.join('\n')}\n`, 'utf8');
}
