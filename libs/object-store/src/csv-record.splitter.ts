// Cuts a CSV byte stream into whole records, so a file read in chunks can be parsed chunk by
// chunk (a quoted field may hold line breaks and span chunks). It works on bytes: '"' and '\n' are
// ASCII and never part of a multi-byte UTF-8 character, so a cut never splits a character.

export interface CsvRecords {
  /** Whole records, each ending in a line break. */
  readonly bytes: Buffer;
  readonly count: number;
}

export class CsvRecordSplitter {
  private carry: Buffer = Buffer.alloc(0);
  private inQuotes = false;

  /** The whole records completed by this chunk (possibly none). */
  push(chunk: Buffer): CsvRecords {
    const data = this.carry.length === 0 ? chunk : Buffer.concat([this.carry, chunk]);
    let boundary = 0;
    let count = 0;
    let inQuotes = this.inQuotes;
    for (let index = this.carry.length; index < data.length; index++) {
      const byte = data[index];
      if (byte === 0x22) inQuotes = !inQuotes;
      else if (byte === 0x0a && !inQuotes) {
        boundary = index + 1;
        count++;
      }
    }
    this.inQuotes = inQuotes;
    this.carry = data.subarray(boundary);
    return { bytes: data.subarray(0, boundary), count };
  }

  /** What is left at the end of the stream: a last record without a line break, or nothing. */
  end(): CsvRecords {
    const rest = this.carry;
    this.carry = Buffer.alloc(0);
    if (this.inQuotes) throw new Error('the CSV stream ends inside a quoted field');
    return rest.length === 0
      ? { bytes: rest, count: 0 }
      : { bytes: Buffer.concat([rest, Buffer.from('\n')]), count: 1 };
  }
}

/**
 * Whole records (a buffer that starts at a record boundary) cut into blocks of about `maxBytes`
 * each, at record boundaries (a record longer than that is a block of its own).
 */
export function cutIntoBlocks(records: Buffer, maxBytes: number): CsvRecords[] {
  const blocks: CsvRecords[] = [];
  let start = 0;
  let count = 0;
  let inQuotes = false;
  for (let index = 0; index < records.length; index++) {
    const byte = records[index];
    if (byte === 0x22) inQuotes = !inQuotes;
    else if (byte === 0x0a && !inQuotes) {
      count++;
      if (index + 1 - start >= maxBytes) {
        blocks.push({ bytes: records.subarray(start, index + 1), count });
        start = index + 1;
        count = 0;
      }
    }
  }
  if (start < records.length) blocks.push({ bytes: records.subarray(start), count });
  return blocks;
}
