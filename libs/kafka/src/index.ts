export * from './kafka.settings';
export * from './kafka.gateway';
export * from './kafka-record.transport';
export * from './kafka.module';
export * from './service.bootstrap';
export * from './rethrow-rpc-exception.filter';
export * from './kafka-error.classifier';
export * from './request-queue-idle.fix';
