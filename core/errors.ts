// OrcaError and the table of error codes: the one place a code is defined (codes are never reused).
// A leaf module (it imports nothing): config/config-error.ts builds ConfigError on it, so the config language and the
// engine share one code table without config/ reaching into the engine. Any thread may construct these; across
// threads they travel as plain { code, message, detail } objects.

/**
 * code → [side, default retryable, one-line meaning]. The side is who the failure is blamed on, as HAProxy's
 * termination states blame it (the first letter: C client, S server, I internal) and so chooses the stats counter
 * (core/forward/termination.ts). retryable decides whether dispatch tries the connection again (dispatch.ts).
 * README lists this table between the error-codes markers (tests/contracts/error-codes.test.ts).
 */
export const ERROR_CODES = {
  ORCA_CONFIG_SYNTAX: ['internal', false, 'the configuration text cannot be parsed'],
  ORCA_CONFIG_UNKNOWN_KEYWORD: ['internal', false, 'a keyword HAProxy 2.6 does not have in this section'],
  ORCA_CONFIG_BAD_VALUE: ['internal', false, 'a keyword has a value of the wrong form or range'],
  ORCA_CONFIG_RESOLVE: ['internal', false, 'an address cannot be resolved'],
  ORCA_CONFIG_REFERENCE: ['internal', false, 'a name refers to a section that does not exist'],
  ORCA_CONFIG_FILE: ['internal', false, 'a configuration file cannot be read'],
  ORCA_CONFIG_USER: ['internal', false, 'an unknown user or group'],
  ORCA_CONFIG_NOT_IMPLEMENTED: ['internal', false, 'a keyword orcalb refuses to run without, as it does not implement it yet'],
  ORCA_CLI_USAGE: ['internal', false, 'bad command-line arguments'],
  ORCA_BIND_FAILED: ['internal', false, 'a listening socket cannot be opened'],
  ORCA_SERVER_CONNECT_REFUSED: ['server', true, 'the server refused the connection'],
  ORCA_SERVER_CONNECT_TIMEOUT: ['server', true, 'the server did not accept within timeout connect'],
  ORCA_SERVER_CONNECT_ERROR: ['server', true, 'connecting to the server failed'],
  ORCA_SERVER_CLOSED: ['server', false, 'the server closed or reset the connection'],
  ORCA_SERVER_TIMEOUT: ['server', false, 'the server was idle past timeout server'],
  ORCA_CLIENT_TIMEOUT: ['client', false, 'the client was idle past timeout client'],
  ORCA_CLIENT_CLOSED: ['client', false, 'the client reset the connection, or left before a server took it'],
  ORCA_CLIENT_BAD_PROXY_HEADER: ['client', false, 'accept-proxy: the client sent no valid PROXY header'],
  // HAProxy blames these on the server side (SC, sQ, SQ) and counts them as connection errors (econ).
  ORCA_NO_SERVER: ['server', false, 'no server is available in the backend'],
  ORCA_QUEUE_TIMEOUT: ['server', false, 'the connection waited in the queue past timeout queue'],
  ORCA_QUEUE_FULL: ['server', false, 'the queue of the server the connection is bound to is full (maxqueue)'],
  ORCA_DDB_PROTOCOL: ['client', false, 'a DolphinDB message cannot be framed or decoded'],
  ORCA_INTERNAL: ['internal', false, 'an unexpected error inside orcalb'],
} as const;

/**
 * Codes taken out of the table. None may come back with another meaning (codes are never reused); the contract test
 * keeps new codes off this list. Removed in issue 9 because nothing ever raised them: ORCA_CONFIG_NO_LISTENER (a
 * config without a listener is a `-c` report line and exit code 2, not an error), ORCA_ADDON_UNAVAILABLE (the
 * missing fd-dup addon is a warning, and orcalb accepts with reuseport), ORCA_STOPPING (a stop closes sockets, and
 * each session ends with the error of what that cut).
 */
export const RETIRED_ERROR_CODES = ['ORCA_CONFIG_NO_LISTENER', 'ORCA_ADDON_UNAVAILABLE', 'ORCA_STOPPING'] as const;

export type OrcaErrorCode = keyof typeof ERROR_CODES;
export type ErrorSide = 'client' | 'server' | 'internal';

/** The form in which errors cross thread boundaries. */
export interface PlainError {
  readonly code: OrcaErrorCode;
  readonly message: string;
  readonly detail?: string;
}

export class OrcaError extends Error {
  readonly code: OrcaErrorCode;
  readonly side: ErrorSide;
  readonly retryable: boolean;
  readonly detail: string | undefined;

  constructor(
    code: OrcaErrorCode,
    message: string,
    options?: { detail?: string; cause?: unknown; retryable?: boolean; side?: ErrorSide },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    const [side, retryable] = ERROR_CODES[code];
    this.name = 'OrcaError';
    this.code = code;
    // A protocol error's side depends on who sent the bytes; the table holds the usual one.
    this.side = options?.side ?? side;
    this.retryable = options?.retryable ?? retryable;
    this.detail = options?.detail;
  }

  toPlain(): PlainError {
    return this.detail === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, detail: this.detail };
  }
}
