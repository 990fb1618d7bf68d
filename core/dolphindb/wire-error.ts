// The one error the DolphinDB codec throws: a message that cannot be framed or decoded (bad header, unknown type,
// a length past the limit). Shaped like OrcaError (code, side, retryable, detail, toPlain) so callers treat it alike.
// Any thread: the emulated node (decoding requests) and the health checker (decoding replies) both raise it.

import type { ErrorSide, PlainError } from '../errors.js';

/** The stable code of every codec failure. Matched by callers instead of the message text. */
export const DDB_WIRE_ERROR_CODE = 'ORCA_DDB_PROTOCOL';

/**
 * A DolphinDB message that breaks the protocol. `side` says who sent it: 'client' when a node decodes a request,
 * 'server' when a check decodes a reply. Never retryable: the same bytes fail the same way.
 */
export class DdbWireError extends Error {
  readonly code: typeof DDB_WIRE_ERROR_CODE;
  readonly side: ErrorSide;
  readonly retryable: boolean;
  readonly detail: string | undefined;

  constructor(message: string, options?: { side?: ErrorSide; detail?: string }) {
    super(message);
    this.name = 'DdbWireError';
    this.code = DDB_WIRE_ERROR_CODE;
    this.side = options?.side ?? 'client';
    this.retryable = false;
    this.detail = options?.detail;
  }

  /** The plain form that crosses threads. The code is not in core/errors.ts's table yet, hence the cast-free spread. */
  toPlain(): Omit<PlainError, 'code'> & { code: typeof DDB_WIRE_ERROR_CODE } {
    return this.detail === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, detail: this.detail };
  }
}

/** True for errors this codec raised on purpose; anything else escaping the codec is a bug. */
export function isDdbWireError(error: unknown): error is DdbWireError {
  return error instanceof DdbWireError;
}
