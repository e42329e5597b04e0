import { CsvRecordsError, parseCsvRecords } from './csv-records.parser';

describe('parseCsvRecords', () => {
  it('reads plain, quoted, empty and multi-line fields, with LF or CRLF record ends', () => {
    const text = 'id,note,flags\r\n1,plain,~0\n2,"a, ""quoted""\nline",~0\r\n3,"",~1\n4,,~0';
    expect(parseCsvRecords(text, 3)).toEqual([
      ['id', 'note', 'flags'],
      ['1', 'plain', '~0'],
      ['2', 'a, "quoted"\nline', '~0'],
      ['3', '', '~1'],
      ['4', '', '~0'],
    ]);
  });

  it('keeps every Unicode character and a trailing empty field', () => {
    expect(parseCsvRecords('naïve 🚀,\n', 2)).toEqual([['naïve 🚀', '']]);
  });

  it.each([
    ['1,"open\n', /unterminated quoted field in record 1/],
    ['1,2\n3\n', /record 2 has 1 fields, expected 2/],
    ['1,"a"b\n', /unexpected text after a quoted field in record 1/],
    ['1,a"b\n', /a quote inside an unquoted field in record 1/],
  ])('rejects malformed text %p', (text, message) => {
    expect(() => parseCsvRecords(text, 2)).toThrow(CsvRecordsError);
    expect(() => parseCsvRecords(text, 2)).toThrow(message);
  });

  it('returns no records for an empty page', () => {
    expect(parseCsvRecords('', 3)).toEqual([]);
  });
});
