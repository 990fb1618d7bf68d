// The one error the DolphinDB codec throws: a message that cannot be framed or decoded (bad header, unknown type,
// a length past the limit). An OrcaError with code ORCA_DDB_PROTOCOL and the side that sent the bytes.
// Any thread: the emulated node (decoding requests) and the health checker (decoding replies) both raise it.

import { OrcaError, type ErrorSide } from '../errors.js';

/** The stable code of every codec failure. Matched by callers instead of the message text. */
export const DDB_WIRE_ERROR_CODE = 'ORCA_DDB_PROTOCOL';

/**
 * A DolphinDB message that breaks the protocol. `side` says who sent it: 'client' when a node decodes a request,
 * 'server' when a check decodes a reply. Never retryable: the same bytes fail the same way.
 */
export class DdbWireError extends OrcaError {
  constructor(message: string, options?: { side?: ErrorSide; detail?: string }) {
    super(DDB_WIRE_ERROR_CODE, message, {
      side: options?.side ?? 'client',
      retryable: false,
      ...(options?.detail === undefined ? {} : { detail: options.detail }),
    });
    this.name = 'DdbWireError';
  }
}

/** True for errors this codec raised on purpose; anything else escaping the codec is a bug. */
export function isDdbWireError(error: unknown): error is DdbWireError {
  return error instanceof DdbWireError;
}
