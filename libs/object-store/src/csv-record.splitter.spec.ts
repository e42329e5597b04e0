import { CsvRecordSplitter, cutIntoBlocks } from './csv-record.splitter';

const csv = 'a,"line\nbreak"\nb,"quote "" ✓"\nc,\n';

describe('CsvRecordSplitter', () => {
  it.each([1, 2, 3, 7, 64])('gives back exactly the whole records, fed %i bytes at a time', (size) => {
    const bytes = Buffer.from(`${csv}d,last`);
    const splitter = new CsvRecordSplitter();
    const pieces: Buffer[] = [];
    let count = 0;
    for (let start = 0; start < bytes.length; start += size) {
      const whole = splitter.push(bytes.subarray(start, start + size));
      // Every piece ends at a record boundary: never inside the quoted line break.
      if (whole.bytes.length > 0) expect(whole.bytes.toString('utf8').endsWith('\n')).toBe(true);
      pieces.push(whole.bytes);
      count += whole.count;
    }
    const rest = splitter.end();
    expect(Buffer.concat([...pieces, rest.bytes]).toString('utf8')).toBe(`${csv}d,last\n`);
    expect(count + rest.count).toBe(4);
  });

  it('refuses a stream that ends inside a quoted field', () => {
    const splitter = new CsvRecordSplitter();
    splitter.push(Buffer.from('a,"open\n'));
    expect(() => splitter.end()).toThrow(/inside a quoted field/);
  });
});

describe('cutIntoBlocks', () => {
  it('cuts at record boundaries into blocks of about the size asked', () => {
    const records = Buffer.from(csv.repeat(50));
    const blocks = cutIntoBlocks(records, 40);
    expect(Buffer.concat(blocks.map((block) => block.bytes)).equals(records)).toBe(true);
    expect(blocks.reduce((sum, block) => sum + block.count, 0)).toBe(150);
    expect(blocks.length).toBeGreaterThan(10);
    for (const block of blocks) expect(block.bytes.toString('utf8')).toMatch(/^[abc],[\s\S]*\n$/);
  });
});
