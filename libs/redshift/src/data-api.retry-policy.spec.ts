import { RedshiftDataServiceException, ValidationException } from '@aws-sdk/client-redshift-data';
import { backoffDelayMs, classifyDataApiFailure, nextPollIntervalMs } from './data-api.retry-policy';

function serviceError(
  name: string,
  status: number,
  fault: 'client' | 'server' = 'client',
): RedshiftDataServiceException {
  return new RedshiftDataServiceException({
    name,
    $fault: fault,
    $metadata: { httpStatusCode: status },
    message: `${name} happened`,
  });
}

function networkError(code: string): Error {
  return Object.assign(new Error(`connect ${code}`), { code });
}

describe('classifyDataApiFailure', () => {
  it.each([
    ['ThrottlingException', 400],
    ['ActiveStatementsExceededException', 400],
    ['SomethingNew', 429],
  ])('treats %s (%d) as throttling', (name, status) => {
    expect(classifyDataApiFailure(serviceError(name, status))).toEqual({
      kind: 'throttled',
      message: `${name} happened`,
    });
  });

  it.each([
    ['InternalServerException', 500, 'server'],
    ['BadGateway', 502, 'server'],
    ['DatabaseConnectionException', 500, 'server'],
    ['ExecuteStatementException', 500, 'server'],
    // A client fault by status, but a timeout: retried like an outage.
    ['QueryTimeoutException', 400, 'client'],
  ] as const)('treats %s (%d) as unavailable', (name, status, fault) => {
    expect(classifyDataApiFailure(serviceError(name, status, fault)).kind).toBe('unavailable');
  });

  it.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EAI_AGAIN'])(
    'treats network error %s as unavailable',
    (code) => {
      expect(classifyDataApiFailure(networkError(code)).kind).toBe('unavailable');
    },
  );

  it('rejects validation errors and unknown ids without retrying', () => {
    const validation = new ValidationException({
      message: 'Either WorkgroupName or ClusterIdentifier is required',
      $metadata: {},
    });
    expect(classifyDataApiFailure(validation)).toEqual({
      kind: 'rejected',
      message: 'Either WorkgroupName or ClusterIdentifier is required',
    });
    expect(classifyDataApiFailure(serviceError('ResourceNotFoundException', 400)).kind).toBe('rejected');
  });

  it('does not retry programming errors', () => {
    expect(classifyDataApiFailure(new TypeError('x is undefined')).kind).toBe('rejected');
    expect(classifyDataApiFailure('weird').kind).toBe('rejected');
  });
});

describe('backoffDelayMs', () => {
  const settings = { baseDelayMs: 100, maxDelayMs: 2_000 };

  it('doubles the ceiling per attempt and caps it', () => {
    expect([0, 1, 2, 3, 4, 5, 10].map((attempt) => backoffDelayMs(attempt, settings, 0.999_999))).toEqual([
      99, 199, 399, 799, 1_599, 1_999, 1_999,
    ]);
  });

  it('draws the whole interval from the random value (full jitter)', () => {
    expect(backoffDelayMs(3, settings, 0)).toBe(0);
    expect(backoffDelayMs(3, settings, 0.5)).toBe(400);
    expect(backoffDelayMs(3, settings, 7)).toBe(800);
  });
});

describe('nextPollIntervalMs', () => {
  it('grows by half and stops at the cap', () => {
    const intervals = [10];
    for (let poll = 0; poll < 8; poll += 1)
      intervals.push(nextPollIntervalMs(intervals[intervals.length - 1] ?? 0, 100));
    expect(intervals).toEqual([10, 15, 23, 35, 53, 80, 100, 100, 100]);
  });

  it('always grows a 1 ms interval', () => {
    expect(nextPollIntervalMs(1, 100)).toBe(2);
  });
});
