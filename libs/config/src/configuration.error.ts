// A configuration problem is permanent: the service must not start with it.
export class ConfigurationError extends Error {
  readonly code = 'CONFIGURATION_INVALID';
  readonly errorClass = 'permanent' as const;

  constructor(
    message: string,
    readonly problems: readonly string[],
  ) {
    super(message);
    this.name = 'ConfigurationError';
  }
}
