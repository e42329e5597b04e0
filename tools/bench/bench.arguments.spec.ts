import { BenchUsageError, parseBenchArguments } from './bench.arguments';

describe('parseBenchArguments', () => {
  it('defaults to 1,000,000 rows, one loader, no JSON, stopping the stack', () => {
    expect(parseBenchArguments([])).toEqual({
      rows: 1_000_000,
      loaders: 1,
      jsonFile: undefined,
      keep: false,
      memoryReferenceFile: undefined,
      extractors: 1,
      extract: 'data_api',
      cpuProfileDirectory: undefined,
    });
  });

  it('reads every option, with a space or an equals sign', () => {
    expect(parseBenchArguments(['--rows', '200_000', '--loaders=2', '--json', 'out.json', '--keep'])).toEqual(
      {
        rows: 200_000,
        loaders: 2,
        jsonFile: 'out.json',
        keep: true,
        memoryReferenceFile: undefined,
        extractors: 1,
        extract: 'data_api',
        cpuProfileDirectory: undefined,
      },
    );
    expect(parseBenchArguments(['--cpu-profile', '/tmp/profiles'])).toMatchObject({
      cpuProfileDirectory: '/tmp/profiles',
    });
    expect(parseBenchArguments(['--extract', 'unload', '--extractors=2'])).toMatchObject({
      extract: 'unload',
      extractors: 2,
    });
    expect(parseBenchArguments(['--rows=2000000', '--memory-reference', 'small.json'])).toMatchObject({
      rows: 2_000_000,
      memoryReferenceFile: 'small.json',
    });
  });

  it.each([
    [['--rows']],
    [['--rows', '999']],
    [['--rows', '1500.5']],
    [['--rows', 'many']],
    [['--rows=']],
    [['--loaders', '0']],
    [['--loaders', '9']],
    [['--json']],
    [['--cpu-profile']],
    [['--json', '--keep']],
    [['--memory-reference']],
    [['--keep=yes']],
    [['--extract']],
    [['--extractors', '9']],
    [['--extract', 'parquet']],
    [['--fast']],
    [['extra']],
  ])('rejects %j with the usage', (argv) => {
    expect(() => parseBenchArguments(argv)).toThrow(BenchUsageError);
    expect(() => parseBenchArguments(argv)).toThrow(/usage: npm run bench/);
  });
});
