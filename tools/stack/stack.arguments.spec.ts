import { parseStackArguments, StackUsageError } from './stack.arguments';

describe('parseStackArguments', () => {
  it('defaults up to one loader and one extractor with services', () => {
    expect(parseStackArguments(['up'])).toEqual({ command: 'up', loaders: 1, extractors: 1, services: true });
  });

  it('reads --loaders N, --loaders=N and --no-services', () => {
    expect(parseStackArguments(['up', '--loaders', '4', '--no-services'])).toEqual({
      command: 'up',
      loaders: 4,
      extractors: 1,
      services: false,
    });
    expect(parseStackArguments(['up', '--loaders=3', '--extractors', '2'])).toEqual({
      command: 'up',
      loaders: 3,
      extractors: 2,
      services: true,
    });
  });

  it.each([['0'], ['13'], ['two'], ['1.5']])('rejects --loaders and --extractors %s', (value) => {
    expect(() => parseStackArguments(['up', '--loaders', value])).toThrow(StackUsageError);
    expect(() => parseStackArguments(['up', `--extractors=${value}`])).toThrow(/--extractors must be/);
  });

  it('rejects a missing loader count and unknown options', () => {
    expect(() => parseStackArguments(['up', '--loaders'])).toThrow('--loaders');
    expect(() => parseStackArguments(['up', '--fast'])).toThrow('unknown option --fast');
  });

  it('parses down, status [--json] and restart <name>', () => {
    expect(parseStackArguments(['down'])).toEqual({ command: 'down' });
    expect(parseStackArguments(['status'])).toEqual({ command: 'status', json: false });
    expect(parseStackArguments(['status', '--json'])).toEqual({ command: 'status', json: true });
    expect(parseStackArguments(['restart', 'loader-2'])).toEqual({ command: 'restart', name: 'loader-2' });
  });

  it('explains the usage for unknown or missing commands', () => {
    expect(() => parseStackArguments([])).toThrow(/no command\nusage:/);
    expect(() => parseStackArguments(['start'])).toThrow('unknown command start');
    expect(() => parseStackArguments(['restart'])).toThrow('one process name');
  });
});
