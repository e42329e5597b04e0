import { isDatabaseUnavailable } from './postgres.database';

function databaseError(code: string, message = 'boom'): Error {
  return Object.assign(new Error(message), { code });
}

describe('isDatabaseUnavailable', () => {
  it('treats failover, shutdown, lost connections, exhausted resources and serialization as transient', () => {
    for (const code of [
      '25006',
      '57P01',
      '57P02',
      '57P03',
      '08000',
      '08006',
      '08P01',
      '53100',
      '53300',
      '40001',
    ])
      expect([code, isDatabaseUnavailable(databaseError(code))]).toEqual([code, true]);
    expect(isDatabaseUnavailable(databaseError('ECONNREFUSED'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
  });

  it('leaves errors about the data or the statement to the caller', () => {
    for (const code of ['23505', '22001', '42P01', '57014', '40P01'])
      expect([code, isDatabaseUnavailable(databaseError(code))]).toEqual([code, false]);
    expect(isDatabaseUnavailable('25006')).toBe(false);
  });
});
