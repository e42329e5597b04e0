// Errors the endpoint answers with, shaped like the real service's AWS JSON 1.1 errors: HTTP 400
// (500 for internal ones), body {"__type": "<name>", "message": "..."} and x-amzn-errortype.

export type DataApiErrorType =
  | 'ValidationException'
  | 'ResourceNotFoundException'
  | 'ActiveStatementsExceededException'
  | 'ThrottlingException'
  | 'UnknownOperationException'
  | 'SerializationException'
  | 'InternalServerException'
  | 'QueryTimeoutException'
  | 'DatabaseConnectionException'
  | 'ExecuteStatementException';

export class DataApiError extends Error {
  constructor(
    readonly type: DataApiErrorType,
    message: string,
    /** Extra members of the error shape, e.g. ResourceId of ResourceNotFoundException. */
    readonly details: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = type;
  }

  get httpStatus(): number {
    switch (this.type) {
      case 'InternalServerException':
      case 'DatabaseConnectionException':
      case 'ExecuteStatementException':
        return 500;
      case 'QueryTimeoutException':
      case 'ValidationException':
      case 'ResourceNotFoundException':
      case 'ActiveStatementsExceededException':
      case 'ThrottlingException':
      case 'UnknownOperationException':
      case 'SerializationException':
        return 400;
    }
  }

  toBody(): Record<string, string> {
    return { __type: this.type, message: this.message, ...this.details };
  }
}

export function validationError(message: string): DataApiError {
  return new DataApiError('ValidationException', message);
}

export function statementNotFound(id: string): DataApiError {
  return new DataApiError('ResourceNotFoundException', `Query does not exist: ${id}`, { ResourceId: id });
}
