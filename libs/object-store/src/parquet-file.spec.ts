import type { AsyncBuffer } from 'hyparquet';
import { ParquetFileBuilder, type ParquetColumn } from './parquet-file.writer';
import { ParquetFileError, type ParquetFieldValue, readParquetRows } from './parquet-file.reader';
import {
  dateText,
  daysOfDateText,
  decimalText,
  shortestFloat32,
  timestampText,
  unscaledDecimal,
} from './parquet-values';

function memoryFile(bytes: Buffer): AsyncBuffer {
  return {
    byteLength: bytes.length,
    slice: (start, end) => {
      const copy = new ArrayBuffer((end ?? bytes.length) - start);
      new Uint8Array(copy).set(bytes.subarray(start, end));
      return copy;
    },
  };
}

async function readAll(
  bytes: Buffer,
  columns: number,
  zoned: boolean[] = [],
): Promise<{ rows: ParquetFieldValue[][]; pages: number }> {
  const rows: ParquetFieldValue[][] = [];
  let pages = 0;
  for await (const page of readParquetRows(memoryFile(bytes), { columns, zoned })) {
    pages++;
    rows.push(...page);
  }
  return { rows, pages };
}

describe('Parquet values', () => {
  it.each([
    [0n, 0, '0'],
    [-5n, 0, '-5'],
    [1n, 10, '0.0000000001'],
    [-1234500n, 4, '-123.4500'],
    [-(10n ** 38n - 1n), 10, '-9999999999999999999999999999.9999999999'],
  ])('prints the unscaled %s at scale %s as %s, and reads it back', (unscaled, scale, text) => {
    expect(decimalText(unscaled, scale)).toBe(text);
    expect(unscaledDecimal(text, scale)).toBe(unscaled);
  });

  it('refuses decimal text with digits beyond the scale', () => {
    expect(() => unscaledDecimal('1.23456', 4)).toThrow(/more than 4 digits/);
    expect(unscaledDecimal('1.2300', 2)).toBe(123n);
  });

  it.each([
    [0, '1970-01-01'],
    [19782, '2024-02-29'],
    [-719528, '0001-01-01 BC'],
    [-719162, '0001-01-01'],
    [2_932_896, '9999-12-31'],
  ])('prints day %s as %s', (days, text) => {
    expect(dateText(days)).toBe(text);
  });

  it('reads back every date it prints, across eras', () => {
    for (let days = -3_000_000; days <= 3_000_000; days += 997)
      expect(daysOfDateText(dateText(days))).toBe(days);
  });

  it('prints timestamps before the epoch and before year 1 as PostgreSQL does', () => {
    expect(timestampText(-1n, false)).toBe('1969-12-31 23:59:59.999999');
    expect(timestampText(1704067204000028n, true)).toBe('2024-01-01 00:00:04.000028+00');
    expect(timestampText(-62135596800000000n - 1n, false)).toBe('0001-12-31 23:59:59.999999 BC');
  });

  it('gives a REAL the shortest text that reads back to the same float', () => {
    expect(shortestFloat32(Math.fround(1.1))).toBe(1.1);
    expect(shortestFloat32(Math.fround(3.4028234663852886e38))).toBe(3.4028235e38);
    expect(shortestFloat32(Number.NaN)).toBeNaN();
  });
});

describe('Parquet files (the local endpoint writes, the extractor reads)', () => {
  const columns: ParquetColumn[] = [
    { name: 'i', type: { kind: 'int32' } },
    { name: 'b', type: { kind: 'int64' } },
    { name: 'd5', type: { kind: 'decimal', precision: 5, scale: 2 } },
    { name: 'd18', type: { kind: 'decimal', precision: 18, scale: 4 } },
    { name: 'd38', type: { kind: 'decimal', precision: 38, scale: 10 } },
    { name: 'r', type: { kind: 'float' } },
    { name: 'f', type: { kind: 'double' } },
    { name: 'ok', type: { kind: 'boolean' } },
    { name: 's', type: { kind: 'string' } },
    { name: 'day', type: { kind: 'date' } },
    { name: 'ts', type: { kind: 'timestamp', utc: false } },
    { name: 'tz', type: { kind: 'timestamp', utc: true } },
    { name: 't', type: { kind: 'time' } },
  ];
  const zoned = columns.map((column) => column.type.kind === 'timestamp' && column.type.utc);

  it('keeps every value exact: edges of each type, NULL apart from the empty string', async () => {
    const rows: (string | null)[][] = [
      [
        '-2147483648',
        '-9223372036854775808',
        '-999.99',
        '-0.0001',
        '-9999999999999999999999999999.9999999999',
        '1.1',
        '0.1',
        't',
        '',
        '0044-03-15 BC',
        '1969-12-31 23:59:59.999999',
        '2024-06-01 12:00:00.5+05:30',
        '23:59:59.999999',
      ],
      [
        '2147483647',
        '9223372036854775807',
        '999.99',
        '99999999999999.9999',
        '0.0000000001',
        '-Infinity',
        '1.7976931348623157e+308',
        'f',
        'ünï "q",\n\\',
        '294276-12-31',
        '200000-12-31 23:59:59.999999',
        '4713-01-01 00:00:00+00 BC',
        '00:00:00',
      ],
      columns.map(() => null),
    ];
    const builder = new ParquetFileBuilder(columns, 1 << 20);
    for (const row of rows) builder.push(row);
    const { rows: read } = await readAll(builder.finish(), columns.length, zoned);
    expect(read).toEqual([
      [
        -2147483648,
        '-9223372036854775808',
        '-999.99',
        '-0.0001',
        '-9999999999999999999999999999.9999999999',
        1.1,
        0.1,
        true,
        '',
        '0044-03-15 BC',
        '1969-12-31 23:59:59.999999',
        '2024-06-01 06:30:00.5+00',
        '23:59:59.999999',
      ],
      [
        2147483647,
        '9223372036854775807',
        '999.99',
        '99999999999999.9999',
        '0.0000000001',
        Number.NEGATIVE_INFINITY,
        1.7976931348623157e308,
        false,
        'ünï "q",\n\\',
        '294276-12-31',
        '200000-12-31 23:59:59.999999',
        '4713-01-01 00:00:00+00 BC',
        '00:00:00',
      ],
      columns.map(() => null),
    ]);
  });

  it('reads a row group at a time, every row once and in order', async () => {
    const builder = new ParquetFileBuilder([{ name: 'id', type: { kind: 'int64' } }], 4096);
    for (let id = 1; id <= 5000; id++) builder.push([String(id)]);
    const { rows, pages } = await readAll(builder.finish(), 1);
    expect(pages).toBeGreaterThan(3);
    expect(rows.map((row) => Number(row[0]))).toEqual(Array.from({ length: 5000 }, (_, index) => index + 1));
  });

  it('writes a file without rows that reads back as none, and starts afresh after finish', async () => {
    const builder = new ParquetFileBuilder([{ name: 'id', type: { kind: 'int32' } }], 1024);
    expect((await readAll(builder.finish(), 1)).rows).toEqual([]);
    builder.push(['7']);
    expect((await readAll(builder.finish(), 1)).rows).toEqual([[7]]);
  });

  it('names the column of a value it cannot hold, and keeps the rows it took whole', async () => {
    const pair = new ParquetFileBuilder(
      [
        { name: 'id', type: { kind: 'int32' } },
        { name: 'amount', type: { kind: 'decimal', precision: 5, scale: 2 } },
      ],
      1024,
    );
    pair.push(['1', '1.50']);
    expect(() => pair.push(['2', '1.234'])).toThrow(/column amount/);
    pair.push(['3', '3.00']);
    expect((await readAll(pair.finish(), 2)).rows).toEqual([
      [1, '1.50'],
      [3, '3.00'],
    ]);
  });

  it('names the column of a value it cannot hold', () => {
    const builder = new ParquetFileBuilder(
      [{ name: 'amount', type: { kind: 'decimal', precision: 5, scale: 2 } }],
      1024,
    );
    expect(() => builder.push(['1.234'])).toThrow(/column amount: "1.234" has more than 2 digits/);
    // PostgreSQL's and Redshift's last timestamp is past what 64-bit microseconds since 1970 hold.
    const late = new ParquetFileBuilder([{ name: 'at', type: { kind: 'timestamp', utc: false } }], 1024);
    expect(() => late.push(['294276-12-31 23:59:59.999999'])).toThrow(/column at: .*64-bit microseconds/);
  });

  it('refuses a file with other columns than selected, and bytes that are not Parquet', async () => {
    const builder = new ParquetFileBuilder([{ name: 'id', type: { kind: 'int32' } }], 1024);
    builder.push(['1']);
    const file = builder.finish();
    await expect(readAll(file, 2)).rejects.toThrow(
      new ParquetFileError('the file has 1 columns where 2 were selected'),
    );
    await expect(readAll(file.subarray(0, file.length - 9), 1)).rejects.toThrow(ParquetFileError);
    await expect(readAll(Buffer.from('id\n1\n'), 1)).rejects.toThrow(/not a readable Parquet file/);
  });
});
