import { coordinatorEnvironmentSchema, kafkaEnvironmentSchema } from './environment.schema';

function problems(result: {
  success: boolean;
  error?: { issues: Array<{ path: (string | number)[]; message: string }> };
}): string[] {
  return result.success
    ? []
    : (result.error?.issues ?? []).map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('coordinator environment', () => {
  it('requires an API token of 16+ characters unless COORDINATOR_API_AUTH=none', () => {
    expect(problems(coordinatorEnvironmentSchema.safeParse({}))).toEqual([
      'COORDINATOR_API_TOKEN: is required (or set COORDINATOR_API_AUTH=none to run the API without a token)',
    ]);
    expect(problems(coordinatorEnvironmentSchema.safeParse({ COORDINATOR_API_TOKEN: 'short' }))).toEqual([
      'COORDINATOR_API_TOKEN: must be at least 16 characters',
    ]);
    expect(problems(coordinatorEnvironmentSchema.safeParse({ COORDINATOR_API_AUTH: 'none' }))).toEqual([]);
    expect(
      problems(coordinatorEnvironmentSchema.safeParse({ COORDINATOR_API_TOKEN: 'a-long-enough-token' })),
    ).toEqual([]);
  });
});

describe('kafka environment', () => {
  const brokers = { KAFKA_BROKERS: 'kafka:9092' };

  it('refuses SASL without TLS unless that is explicitly allowed', () => {
    const sasl = {
      ...brokers,
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'u',
      KAFKA_SASL_PASSWORD: 'p',
    };
    expect(problems(kafkaEnvironmentSchema.safeParse(sasl))).toEqual([
      'KAFKA_SASL_MECHANISM: SASL without TLS sends the credentials in clear: set KAFKA_SSL=true (or KAFKA_SASL_ALLOW_PLAINTEXT=true to accept that)',
    ]);
    expect(problems(kafkaEnvironmentSchema.safeParse({ ...sasl, KAFKA_SSL: 'true' }))).toEqual([]);
    expect(
      problems(kafkaEnvironmentSchema.safeParse({ ...sasl, KAFKA_SASL_ALLOW_PLAINTEXT: 'true' })),
    ).toEqual([]);
  });

  it('takes TLS files only with TLS on, and a client certificate only with its key', () => {
    expect(problems(kafkaEnvironmentSchema.safeParse({ ...brokers, KAFKA_SSL_CA_FILE: '/ca.pem' }))).toEqual([
      'KAFKA_SSL_CA_FILE: needs KAFKA_SSL=true',
    ]);
    expect(
      problems(
        kafkaEnvironmentSchema.safeParse({ ...brokers, KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: '/c.pem' }),
      ),
    ).toEqual([
      'KAFKA_SSL_CERT_FILE: a client certificate and its key go together (KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE)',
    ]);
  });
});
