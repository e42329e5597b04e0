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
