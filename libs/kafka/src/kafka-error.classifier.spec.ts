import { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from 'kafkajs';
import { QuperSyncError } from '@qupersync/contracts';
import { classifySendError, isBrokerOutage, permanentBrokerReason } from './kafka-error.classifier';

const protocolError = (type: string, retriable: boolean): KafkaJSProtocolError =>
  // kafkajs builds these from a protocol error description: { message, type, code, retriable }.
  new KafkaJSProtocolError(Object.assign(new Error(`broker says ${type}`), { type, code: 1, retriable }));

describe('kafka error classification', () => {
  it('finds a permanent broker error directly or inside retries given up', () => {
    expect(permanentBrokerReason(protocolError('MESSAGE_TOO_LARGE', false))).toBe(
      'MESSAGE_TOO_LARGE: broker says MESSAGE_TOO_LARGE',
    );
    const exhausted = new KafkaJSNumberOfRetriesExceeded(protocolError('UNKNOWN_TOPIC_OR_PARTITION', true), {
      retryCount: 5,
      retryTime: 1000,
    });
    expect(permanentBrokerReason(exhausted)).toMatch(/^UNKNOWN_TOPIC_OR_PARTITION/);
    expect(permanentBrokerReason(protocolError('TOPIC_AUTHORIZATION_FAILED', false))).toBeDefined();
  });

  it('leaves outages to be retried', () => {
    expect(permanentBrokerReason(protocolError('NOT_LEADER_FOR_PARTITION', true))).toBeUndefined();
    expect(permanentBrokerReason(new Error('Connection timeout'))).toBeUndefined();
    const outage = new Error('outage');
    expect(() => classifySendError(outage, 't', 1, 10)).toThrow(outage);
  });

  it('turns a permanent one into BROKER_REJECTED with the topic, the size and the reason', () => {
    let thrown: unknown;
    try {
      classifySendError(protocolError('MESSAGE_TOO_LARGE', false), 'qupersync.batch.event.v1', 2, 2_000_000);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(QuperSyncError);
    expect(thrown).toMatchObject({
      code: 'BROKER_REJECTED',
      errorClass: 'permanent',
      message:
        'the broker refused 2 record(s) (2000000 bytes) for qupersync.batch.event.v1: MESSAGE_TOO_LARGE: broker says MESSAGE_TOO_LARGE',
    });
  });
});

describe('isBrokerOutage', () => {
  it('takes a lost connection for an outage, and a refusal or anything else for none', () => {
    expect(isBrokerOutage(new KafkaJSConnectionError('connect ECONNREFUSED 127.0.0.1:9092'))).toBe(true);
    expect(isBrokerOutage(protocolError('MESSAGE_TOO_LARGE', false))).toBe(false);
    expect(isBrokerOutage(new QuperSyncError('BROKER_REJECTED', 'permanent', 'refused'))).toBe(false);
    expect(isBrokerOutage(new Error('ECONNREFUSED'))).toBe(false);
  });
});
