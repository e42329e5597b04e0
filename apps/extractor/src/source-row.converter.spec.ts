import { buildColumn } from '@qupersync/testing';
import { BatchContainerCodec, decodeBatchContainer } from '@qupersync/contracts';
import type { BatchSchema } from '@qupersync/contracts';
import { createSourceRowConverter, nullFlagsColumn } from './source-row.converter';

const schema: BatchSchema = {
  job: 'orders',
  primaryKey: ['id'],
  watermark: null,
  columns: [
    buildColumn('id', 'bigint', { nullable: false }),
    buildColumn('note', 'text'),
    buildColumn('code', 'text', { nullable: false }),
    buildColumn('amount', 'decimal'),
    buildColumn('active', 'boolean'),
    buildColumn('document', 'super'),
  ],
};

describe('createSourceRowConverter', () => {
  it('selects BIGINT as text and, for CSV, ends with NULL flags for the nullable text columns', () => {
    const csv = createSourceRowConverter(schema, 'CSV');
    expect(csv.projection).toEqual([
      'CAST(q."id" AS VARCHAR(20)) AS "id"',
      'q."note"',
      'q."code"',
      'q."amount"',
      'q."active"',
      'q."document"',
      `'~' || CASE WHEN q."note" IS NULL THEN '1' ELSE '0' END || CASE WHEN q."document" IS NULL THEN '1' ELSE '0' END AS "${nullFlagsColumn}"`,
    ]);
    expect(createSourceRowConverter(schema, 'JSON').projection).toHaveLength(6);
  });

  it('tells NULL from an empty string by the flags alone, and an empty number from nothing', () => {
    const csv = createSourceRowConverter(schema, 'CSV');
    expect(csv.toRow(['9007199254740993', '', '', '', '', '{}', '~10'])).toEqual({
      id: 9007199254740993n,
      note: null,
      code: '',
      amount: null,
      active: null,
      document: '{}',
    });
    expect(csv.toRow(['1', '', 'x', '-0.50', 'f', '', '~01'])).toEqual({
      id: 1n,
      note: '',
      code: 'x',
      amount: '-0.50',
      active: false,
      document: null,
    });
  });

  it('refuses a CSV record whose flags are missing or do not fit the schema', () => {
    const csv = createSourceRowConverter(schema, 'CSV');
    expect(() => csv.toRow(['1', '', 'x', '1', 't', '{}', '10'])).toThrow(/valid qupersync.null_flags/);
    expect(() => csv.toRow(['1', '', 'x', '1', 't', '{}', '~1'])).toThrow(/valid qupersync.null_flags/);
    expect(() => csv.toRow(['1', '', 'x', '1', 'maybe', '{}', '~00'])).toThrow(/"maybe" is not a boolean/);
  });

  it('takes JSON fields as they come, NULL included', () => {
    const json = createSourceRowConverter(schema, 'JSON');
    expect(json.toRow(['42', null, '', '1.5', true, null])).toEqual({
      id: 42n,
      note: null,
      code: '',
      amount: '1.5',
      active: true,
      document: null,
    });
  });

  it('encodes records straight to the Avro bytes their rows make (valueAt), BIGINT of any length', () => {
    const codec = new BatchContainerCodec(schema);
    const csv = createSourceRowConverter(schema, 'CSV');
    const records = [
      ['9007199254740993', '', '', '', '', '{}', '~10'],
      ['1', '', 'x', '-0.50', 'f', '', '~01'],
      ['-999999999999999', 'n', 'y', '12.3400000000', 't', '[1]', '~00'],
      ['007', 'tab\there', 'z', '0', 'true', '', '~01'],
      ['-9223372036854775808', 'naïve', '', '-1', '0', '{}', '~00'],
    ];
    const fromRecords = codec.encodeFrom(records, csv.fill);
    // The sync markers are random per container: compare what lies between them.
    const rows = records.map((record) => csv.toRow(record));
    expect(decodeBatchContainer(fromRecords).rows).toEqual(decodeBatchContainer(codec.encode(rows)).rows);
    const body = (message: Buffer): Buffer =>
      message.subarray(message.indexOf(message.subarray(-16)) + 16, -16);
    expect(body(fromRecords).equals(body(codec.encode(rows)))).toBe(true);
    expect(() => codec.encodeFrom([['x1', '', 'x', '1', 't', '{}', '~00']], csv.fill)).toThrow(
      /row cannot be encoded: .*id/,
    );
    expect(() => codec.encodeFrom([['1', '', 'x', '1', 't', '{}', '10']], csv.fill)).toThrow(
      /valid qupersync.null_flags/,
    );
  });
});
