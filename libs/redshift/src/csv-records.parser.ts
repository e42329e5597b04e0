// Parses the CSVRecords text of a GetStatementResultV2 page (RFC 4180: fields separated by
// commas, records by LF or CRLF, a field in double quotes when it holds a comma, a quote or a line
// break, with inner quotes doubled). Every field comes back as text: what NULL looks like is the
// caller's business (the extractor selects a NULL-flags column so it never has to guess).

export class CsvRecordsError extends Error {}

/** The records of one page, each checked to have `columns` fields. */
export function parseCsvRecords(text: string, columns: number): string[][] {
  const records: string[][] = [];
  const length = text.length;
  let position = 0;
  while (position < length) {
    const record: string[] = [];
    for (;;) {
      let value: string;
      if (text.charCodeAt(position) === 34 /* " */) {
        value = '';
        let start = position + 1;
        for (;;) {
          const quote = text.indexOf('"', start);
          if (quote < 0)
            throw new CsvRecordsError(`unterminated quoted field in record ${records.length + 1}`);
          if (text.charCodeAt(quote + 1) === 34) {
            value += text.slice(start, quote + 1);
            start = quote + 2;
            continue;
          }
          value += text.slice(start, quote);
          position = quote + 1;
          break;
        }
      } else {
        let end = position;
        while (end < length) {
          const code = text.charCodeAt(end);
          if (code === 44 || code === 10 || code === 13) break;
          if (code === 34)
            throw new CsvRecordsError(`a quote inside an unquoted field in record ${records.length + 1}`);
          end++;
        }
        value = text.slice(position, end);
        position = end;
      }
      record.push(value);
      const next = text.charCodeAt(position);
      if (next === 44 /* , */) {
        position++;
        continue;
      }
      if (next === 13 /* \r */ && text.charCodeAt(position + 1) === 10) position += 2;
      else if (next === 10 /* \n */) position++;
      else if (position < length)
        throw new CsvRecordsError(`unexpected text after a quoted field in record ${records.length + 1}`);
      break;
    }
    if (record.length !== columns)
      throw new CsvRecordsError(
        `record ${records.length + 1} has ${record.length} fields, expected ${columns}`,
      );
    records.push(record);
  }
  return records;
}
