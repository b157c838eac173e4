// The one PermanentError/TransientError pair (#16: the worker and the operator each had one, with
// different constructors): whether retrying can help, and a code naming why: the worker's error_code
// (contracts/error-codes.ts), the operator's condition reason.

export class CodedError<Code extends string = string> extends Error {
  readonly code: Code;
  constructor(code: Code, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Retrying cannot help until the input changes: dead-letter the item, mark the bot Degraded. */
export class PermanentError<Code extends string = string> extends CodedError<Code> {}

/** Expected to go away by itself (timeouts, 5xx, 429, conflicts, an open breaker): retried with backoff. */
export class TransientError<Code extends string = string> extends CodedError<Code> {}
