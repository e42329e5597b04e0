// The local stack's programmatic API, for test setup, the demo, the bench and chaos tests.
export {
  startKafka,
  stopKafka,
  createTopics,
  listTopics,
  type KafkaServer,
  type KafkaStartOptions,
} from './kafka.server';
export { ensureKafkaLibraries, readKafkaVersion, kafkaLibraryDirectory } from './kafka.artifacts';
export {
  startPostgres,
  stopPostgres,
  type PostgresCluster,
  type PostgresStartOptions,
} from './postgres.cluster';
export { findPostgresBinaries, PostgresMissingError } from './postgres.binaries';
export { findJava, JavaMissingError } from './java.locator';
export {
  planServices,
  startService,
  startServices,
  stopService,
  serviceKinds,
  ServiceMainMissingError,
  type ServiceKind,
  type ServiceSpec,
  type ServiceProcess,
  type ServicePlanInput,
} from './service.process';
export {
  upStack,
  downStack,
  stackStatus,
  restartStackProcess,
  type StackUpOptions,
  type StackUpResult,
  type StackProcessStatus,
} from './stack.runner';
export {
  readStackEnv,
  readStackState,
  type StackEnvironment,
  type StackState,
  type StackProcessRecord,
} from './stack.state';
export { findFreePort, findFreePorts } from './port.finder';
export { isProcessAlive, processMatches, stopProcess, waitFor } from './process.control';
export { leaseStackDirectory, type DirectoryLease } from './directory.lease';
export { repositoryRoot, defaultStackDirectory, testStackDirectory } from './stack.paths';
export {
  localS3Credentials,
  localUnloadBucket,
  localUnloadIamRole,
  s3Environment,
  startS3Server,
  startS3ServerProcess,
  type S3ServerHandle,
} from './s3.server';
