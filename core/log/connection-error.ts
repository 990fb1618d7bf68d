// The connection errors HAProxy 2.6 logs for a connection that ends before its first stream (its CO_ER_* codes and
// their texts, src/connection.c conn_err_code_str; session_kill_embryonic): a bad or missing PROXY header, a failed or
// abandoned TLS handshake. The texts and which ones `option dontlognull` silences were measured on haproxy 2.6.12
// (tests/regressions/issue-0013-log-errors.test.ts). Pure tables and classifiers; forwarder threads.

/**
 * Each error: HAProxy's text (`%[fc_err_str]`), whether `option dontlognull` silences it (2.6 skips the connections
 * that sent nothing: closed, failed or timed out with no byte; a timeout takes its code only after that check, so it
 * is silent too), and its CO_ER_* number (`%[fc_err]`).
 */
export const CONN_ERRORS = {
  proxyEmpty: ['Connection closed while waiting for PROXY protocol header', true, 11],
  proxyAbort: ['Connection error while waiting for PROXY protocol header', true, 12],
  proxyTimeout: ['Timeout while waiting for PROXY protocol header', true, 13],
  proxyTruncated: ['Truncated PROXY protocol header received', false, 14],
  proxyNotHeader: ['Received something which does not look like a PROXY protocol header', false, 15],
  proxyInvalid: ['Received an invalid PROXY protocol header', false, 16],
  sslEmpty: ['Connection closed during SSL handshake', true, 24],
  sslAbort: ['Connection error during SSL handshake', true, 25],
  sslTimeout: ['Timeout during SSL handshake', true, 26],
  sslHandshake: ['SSL handshake failure', false, 34],
  sslCaFail: ['SSL client CA chain cannot be verified', false, 30],
  sslCrtFail: ['SSL client certificate not trusted', false, 31],
} as const satisfies Record<string, readonly [string, boolean, number]>;

export type ConnError = keyof typeof CONN_ERRORS;

/** The 16 bytes of a PROXY v2 header's fixed part: HAProxy 2.6 calls fewer bytes that are no header "truncated". */
const PROXY_V2_FIXED = 16;

/** How a PROXY header wait ended: the parser's verdict, or what ended the wait first. */
export type ProxyWaitEnd = 'absent' | 'invalid' | 'too-long' | 'closed' | 'error' | 'timeout';

/**
 * How a PROXY header wait ended, as HAProxy names it: `parse` the parser's verdict on the bytes ('absent': they cannot
 * start a header; 'invalid'; 'too-long': a v2 header longer than the buffer), or the wait's end ('closed', 'error',
 * 'timeout') with `held` bytes received so far. HAProxy reads the header from the first read only, so a header that
 * is cut short, whatever then ends the wait, is "truncated" there. Pure.
 */
export function proxyHeaderError(how: ProxyWaitEnd, held: number): ConnError {
  switch (how) {
    case 'absent':
      return held < PROXY_V2_FIXED ? 'proxyTruncated' : 'proxyNotHeader';
    case 'invalid':
      return 'proxyInvalid';
    case 'too-long':
      return 'proxyTruncated';
    case 'closed':
      return held > 0 ? 'proxyTruncated' : 'proxyEmpty';
    case 'error':
      return held > 0 ? 'proxyTruncated' : 'proxyAbort';
    case 'timeout':
      return held > 0 ? 'proxyTruncated' : 'proxyTimeout';
  }
}

/**
 * A TLS handshake that failed on a node:tls error `code` and `message` (the 'tlsClientError' event), or ended without one
 * (undefined: the client left first). A refused client certificate is named where it is refused (tls-front.ts). Pure.
 */
export function tlsHandshakeError(code: string | undefined, message = ''): ConnError {
  // Node's "socket hang up": the client's FIN before the handshake was done.
  if (code === undefined || (code === 'ECONNRESET' && message === 'socket hang up')) return 'sslEmpty';
  if (code === 'ERR_TLS_HANDSHAKE_TIMEOUT') return 'sslTimeout';
  // A socket error (ECONNRESET, EPIPE…) in the middle of the handshake.
  if (/^E[A-Z]+$/.test(code)) return 'sslAbort';
  return 'sslHandshake';
}
