// The malformed and ambiguous HTTP/1.x request corpus (issue 3 "strict parsing"): raw client bytes and the verdict
// haproxy 2.6.12 gives each in `mode http` with default options (measured; http-malformed.test.ts re-checks every
// verdict against the real binary), then server responses and whether haproxy relays them or answers 502. Data
// only: the engine's end-to-end compat test reuses it against orcalb.

/** What a proxy did with one request: answered an error itself, passed it to the server, or hung up silently. */
export type Verdict = { readonly verdict: 'refused'; readonly status: number } | { readonly verdict: 'forwarded' } | { readonly verdict: 'closed' };

export interface CorpusCase {
  /** kebab-case, unique; says what is odd about the request. */
  readonly name: string;
  /** The request bytes, one char per byte (Latin-1); sent in one write. */
  readonly raw: string;
  /** haproxy 2.6.12's verdict. */
  readonly haproxy: Verdict;
  /** Set where orcalb forwards other head bytes than haproxy on purpose; says why. */
  readonly headDeviation?: string;
}

const REFUSED_400: Verdict = { verdict: 'refused', status: 400 };
const REFUSED_422: Verdict = { verdict: 'refused', status: 422 };
const FORWARDED: Verdict = { verdict: 'forwarded' };

const GET = 'GET / HTTP/1.1\r\nHost: a\r\n';
const POST = 'POST / HTTP/1.1\r\nHost: a\r\n';
const CHUNKED = `${POST}Transfer-Encoding: chunked\r\n\r\n`;
const BODY = '5\r\nhello\r\n0\r\n\r\n';

/** A GET with one header `X-A: aaa…` padded so the whole head is exactly `total` bytes. */
function headOfSize(total: number): string {
  return `${GET}X-A: ${'a'.repeat(total - GET.length - 9)}\r\n\r\n`;
}

/** A GET whose one header value is padded with leading spaces: big raw, small once parsed. */
function spacedHeadOfSize(total: number): string {
  return `${GET}X-A:${' '.repeat(total - GET.length - 9)}b\r\n\r\n`;
}

function manyHeaders(n: number): string {
  let s = 'GET / HTTP/1.1\r\n';
  for (let i = 0; i < n; i++) s += `X-${i}: a\r\n`;
  return `${s}\r\n`;
}

function c(name: string, raw: string, haproxy: Verdict, headDeviation?: string): CorpusCase {
  return headDeviation === undefined ? { name, raw, haproxy } : { name, raw, haproxy, headDeviation };
}

export const HTTP_CORPUS: readonly CorpusCase[] = [
  c('plain-get', `${GET}\r\n`, FORWARDED),
  // Header syntax (RFC 9112 §5).
  c('space-before-colon', `${GET}X-A : b\r\n\r\n`, REFUSED_400),
  c('tab-before-colon', `${GET}X-A\t: b\r\n\r\n`, REFUSED_400),
  c('space-inside-name', `${GET}X A: b\r\n\r\n`, REFUSED_400),
  c('invalid-name-char', `${GET}X(A): b\r\n\r\n`, REFUSED_400),
  c('high-byte-in-name', `${GET}X-\xe9: b\r\n\r\n`, REFUSED_400),
  c('empty-name', `${GET}: b\r\n\r\n`, REFUSED_400),
  c('no-colon', `${GET}XAb\r\n\r\n`, REFUSED_400),
  c('obs-fold-joined', `${GET}X-A: b\r\n c\r\n\r\n`, FORWARDED),
  c('obs-fold-first-line', 'GET / HTTP/1.1\r\n Host: a\r\n\r\n', REFUSED_400),
  c('nul-in-value-passes', `${GET}X-A: b\x00c\r\n\r\n`, FORWARDED),
  c('ctl-in-value-passes', `${GET}X-A: b\x01c\r\n\r\n`, FORWARDED),
  c('del-in-value-passes', `${GET}X-A: b\x7fc\r\n\r\n`, FORWARDED),
  c('latin1-in-value-passes', `${GET}X-A: caf\xe9\r\n\r\n`, FORWARDED),
  c('bare-cr-in-value', `${GET}X-A: b\rc\r\n\r\n`, REFUSED_400),
  c('bare-lf-line-ends', 'GET / HTTP/1.1\nHost: a\n\n', FORWARDED),
  c('cr-only-line-ends', 'GET / HTTP/1.1\rHost: a\r\r', REFUSED_400),
  c('value-ows-trimmed', `${GET}X-A: \t b \t\r\n\r\n`, FORWARDED),
  // Request line (RFC 9112 §3).
  c('invalid-method-char', 'G(T / HTTP/1.1\r\nHost: a\r\n\r\n', REFUSED_400),
  c('lowercase-unknown-method', 'get / HTTP/1.1\r\nHost: a\r\n\r\n', FORWARDED),
  c('leading-space', ' GET / HTTP/1.1\r\nHost: a\r\n\r\n', REFUSED_400),
  c('leading-empty-line', `\r\n${GET}\r\n`, FORWARDED),
  c('double-space-separator', 'GET  / HTTP/1.1\r\nHost: a\r\n\r\n', FORWARDED),
  c('space-in-target', 'GET /a b HTTP/1.1\r\nHost: a\r\n\r\n', REFUSED_400),
  c('hash-in-target', 'GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n', REFUSED_400),
  c('ctl-in-target', 'GET /a\x01b HTTP/1.1\r\nHost: a\r\n\r\n', REFUSED_400),
  c('del-in-target-passes', 'GET /a\x7fb HTTP/1.1\r\nHost: a\r\n\r\n', FORWARDED),
  c('high-byte-in-target', 'GET /\xe9 HTTP/1.1\r\nHost: a\r\n\r\n', REFUSED_400),
  c('unsafe-ascii-in-target-passes', 'GET /a"b<c>{|}^`\\ HTTP/1.1\r\nHost: a\r\n\r\n', FORWARDED),
  c('absolute-form', 'GET http://a/x HTTP/1.1\r\nHost: a\r\n\r\n', FORWARDED),
  c('absolute-form-host-mismatch', 'GET http://b/x HTTP/1.1\r\nHost: a\r\n\r\n', REFUSED_400),
  // Issue 8 item 13: the authority and Host are compared modulo the scheme's default port, then it is dropped.
  c('absolute-form-default-port', 'GET http://a:80/x HTTP/1.1\r\nHost: a\r\n\r\n', FORWARDED),
  c('absolute-form-default-port-both', 'GET http://a:80/x HTTP/1.1\r\nHost: a:80\r\n\r\n', FORWARDED),
  c('absolute-form-empty-port', 'GET http://a:/x HTTP/1.1\r\nHost: a\r\n\r\n', FORWARDED),
  c('absolute-form-https-default-port', 'GET https://a:443/x HTTP/1.1\r\nHost: a:443\r\n\r\n', FORWARDED),
  c('absolute-form-https-port-80', 'GET https://a:80/x HTTP/1.1\r\nHost: a\r\n\r\n', REFUSED_400),
  c('absolute-form-other-port', 'GET http://a:8080/x HTTP/1.1\r\nHost: a\r\n\r\n', REFUSED_400),
  c('absolute-form-unknown-scheme-port', 'GET ws://a:80/x HTTP/1.1\r\nHost: a\r\n\r\n', REFUSED_400),
  c('absolute-form-query-after-authority', 'GET http://a?q=1 HTTP/1.1\r\nHost: a\r\n\r\n', REFUSED_400),
  c('absolute-form-userinfo', 'GET http://u:p@a:80/x HTTP/1.1\r\nHost: a\r\n\r\n', FORWARDED),
  c('absolute-form-empty-authority', 'GET http:///x HTTP/1.1\r\nHost: a\r\n\r\n', FORWARDED),
  c('no-scheme-target-vs-host', 'GET a:80/x HTTP/1.1\r\nHost: a\r\n\r\n', REFUSED_400),
  c('connect-without-port', 'CONNECT a HTTP/1.1\r\nHost: a\r\n\r\n', REFUSED_400),
  // Issue 8 item 7: an upgrade with a body loses Upgrade; a WebSocket key must be 24 characters.
  c('upgrade-with-body-dropped', `${POST}Connection: Upgrade\r\nUpgrade: foo\r\nContent-Length: 5\r\n\r\nhello`, FORWARDED),
  c('upgrade-chunked-body-dropped', `${POST}Connection: Upgrade\r\nUpgrade: foo\r\nTransfer-Encoding: chunked\r\n\r\n${BODY}`, FORWARDED),
  c('websocket-without-key', `${GET}Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n`, REFUSED_400),
  c('websocket-key-23-chars', `${GET}Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: ${'A'.repeat(23)}\r\n\r\n`, REFUSED_400),
  c('websocket-key-24-chars', `${GET}Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: ${'A'.repeat(24)}\r\n\r\n`, FORWARDED),
  c('websocket-key-without-connection-upgrade', `${GET}Upgrade: websocket\r\n\r\n`, FORWARDED),
  c('http-0.9-no-version', 'GET /\r\n\r\n', REFUSED_400),
  c('lowercase-version', 'GET / http/1.1\r\nHost: a\r\n\r\n', REFUSED_400),
  c('two-digit-major', 'GET / HTTP/11.1\r\nHost: a\r\n\r\n', REFUSED_400),
  c('version-2.0-as-1.1', 'GET / HTTP/2.0\r\nHost: a\r\n\r\n', FORWARDED),
  c('version-0.9-explicit', 'GET / HTTP/0.9\r\nHost: a\r\n\r\n', FORWARDED, 'haproxy keeps HTTP/0.9, orcalb writes 1.0'),
  c('space-after-version', 'GET / HTTP/1.1 \r\nHost: a\r\n\r\n', REFUSED_400),
  c('tls-client-hello', '\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03', REFUSED_400),
  c('different-hosts', `${GET}Host: b\r\n\r\n`, REFUSED_400),
  c('same-host-twice', `${GET}Host: a\r\n\r\n`, FORWARDED),
  // Content-Length (RFC 9112 §6.3).
  c('cl-and-te', `${POST}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n${BODY}`, FORWARDED),
  c('te-and-cl-http10', `POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n${BODY}`, FORWARDED),
  c('cl-twice-same', `${POST}Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello`, FORWARDED),
  c('cl-list-same', `${POST}Content-Length: 5, 5\r\n\r\nhello`, FORWARDED),
  c('cl-twice-different', `${POST}Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!`, REFUSED_400),
  c('cl-list-different', `${POST}Content-Length: 5, 6\r\n\r\nhello!`, REFUSED_400),
  c('cl-negative', `${POST}Content-Length: -5\r\n\r\nhello`, REFUSED_400),
  c('cl-plus-sign', `${POST}Content-Length: +5\r\n\r\nhello`, REFUSED_400),
  c('cl-empty', `${POST}Content-Length: \r\n\r\nhello`, REFUSED_400),
  c('cl-trailing-comma', `${POST}Content-Length: 5,\r\n\r\nhello`, REFUSED_400),
  c('cl-overflow', `${POST}Content-Length: 99999999999999999999999\r\n\r\nhello`, REFUSED_400),
  c('cl-leading-zeros', `${POST}Content-Length: 005\r\n\r\nhello`, FORWARDED),
  // Transfer-Encoding.
  c('te-chunked-then-gzip', `${POST}Transfer-Encoding: chunked, gzip\r\n\r\n${BODY}`, REFUSED_400),
  c('te-gzip-then-chunked', `${POST}Transfer-Encoding: gzip, chunked\r\n\r\n${BODY}`, REFUSED_422),
  c('te-gzip-only', `${POST}Transfer-Encoding: gzip\r\n\r\nhello`, REFUSED_400),
  c('te-chunked-twice', `${POST}Transfer-Encoding: chunked, chunked\r\n\r\n${BODY}`, REFUSED_400),
  c('te-two-fields', `${POST}Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n${BODY}`, REFUSED_422),
  c('te-leading-comma', `${POST}Transfer-Encoding: ,chunked\r\n\r\n${BODY}`, REFUSED_422),
  c('te-uppercase', `${POST}Transfer-Encoding: CHUNKED\r\n\r\n${BODY}`, FORWARDED),
  c('te-trailing-comma', `${POST}Transfer-Encoding: chunked,\r\n\r\n${BODY}`, FORWARDED),
  c('te-xchunked', `${POST}Transfer-Encoding: xchunked\r\n\r\n${BODY}`, REFUSED_400),
  // Chunked body (RFC 9112 §7.1).
  c('chunk-size-not-hex', `${CHUNKED}zz\r\nhello\r\n0\r\n\r\n`, REFUSED_400),
  c('chunk-size-0x', `${CHUNKED}0x5\r\nhello\r\n0\r\n\r\n`, REFUSED_400),
  c('chunk-size-overflow', `${CHUNKED}fffffffffffffffff\r\nhello\r\n0\r\n\r\n`, REFUSED_400),
  c('chunk-data-without-crlf', `${CHUNKED}5\r\nhelloXX0\r\n\r\n`, REFUSED_400),
  c('chunk-size-leading-space', `${CHUNKED} 5\r\nhello\r\n0\r\n\r\n`, REFUSED_400),
  c('chunk-size-then-junk', `${CHUNKED}5 x\r\nhello\r\n0\r\n\r\n`, REFUSED_400),
  c('chunk-extension', `${CHUNKED}5;a=b\r\nhello\r\n0\r\n\r\n`, FORWARDED),
  c('chunk-lf-only', `${CHUNKED}5\nhello\n0\n\n`, FORWARDED),
  c('chunk-trailer', `${CHUNKED}5\r\nhello\r\n0\r\nX-T: 1\r\n\r\n`, FORWARDED),
  c('chunk-trailer-no-colon', `${CHUNKED}5\r\nhello\r\n0\r\nXT\r\n\r\n`, REFUSED_400),
  c('chunk-trailer-bare-cr', `${CHUNKED}5\r\nhello\r\n0\r\nXT: 1\r2\r\n\r\n`, REFUSED_400),
  // Issue 8 item 12: the chunk-size line must fit in the buffer (16320 bytes); sizes stop at 2^52 - 1.
  c('chunk-extension-16316-bytes', `${CHUNKED}5;${'a'.repeat(16316)}\r\nhello\r\n0\r\n\r\n`, FORWARDED),
  c('chunk-extension-16317-bytes', `${CHUNKED}5;${'a'.repeat(16317)}\r\nhello\r\n0\r\n\r\n`, REFUSED_400),
  c('chunk-extension-64k', `${CHUNKED}5;${'a'.repeat(65536)}\r\nhello\r\n0\r\n\r\n`, REFUSED_400),
  c('chunk-size-2^52-minus-1', `${CHUNKED}fffffffffffff\r\nhello`, FORWARDED),
  c('chunk-size-2^52', `${CHUNKED}10000000000000\r\nhello`, REFUSED_400),
  c('chunk-size-many-leading-zeros', `${CHUNKED}${'0'.repeat(100)}5\r\nhello\r\n0\r\n\r\n`, FORWARDED),
  // Limits: tune.bufsize 16384, tune.http.maxhdr 101.
  c('100-headers', manyHeaders(100), FORWARDED),
  c('101-headers', manyHeaders(101), REFUSED_400),
  c('head-15273-bytes-fits-htx', headOfSize(15273), FORWARDED),
  c('head-15275-bytes-over-htx', headOfSize(15275), REFUSED_400),
  c('raw-head-16320-bytes', spacedHeadOfSize(16320), FORWARDED),
  c('raw-head-16321-bytes', spacedHeadOfSize(16321), REFUSED_400),
];

/** A server response and what haproxy 2.6.12 does with it: relays it (`forwarded`) or answers 502 itself. */
export interface ResponseCase {
  readonly name: string;
  /** The whole response a backend sends to `GET /` before closing, Latin-1. */
  readonly raw: string;
  readonly haproxy: Verdict;
  /** The request method, when not GET (only in HTTP_RESPONSE_ENGINE_CASES). */
  readonly method?: string;
}

const BAD_GATEWAY: Verdict = { verdict: 'refused', status: 502 };
const OK_HEAD = 'HTTP/1.1 200 OK\r\n';

function r(name: string, raw: string, haproxy: Verdict): ResponseCase {
  return { name, raw, haproxy };
}

export const HTTP_RESPONSE_CORPUS: readonly ResponseCase[] = [
  r('plain-200', `${OK_HEAD}Content-Length: 2\r\n\r\nok`, FORWARDED),
  r('no-reason', 'HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok', FORWARDED),
  r('lf-only', 'HTTP/1.1 200 OK\nContent-Length: 2\n\nok', FORWARDED),
  r('ctl-in-reason', 'HTTP/1.1 200 O\x01K\r\nContent-Length: 2\r\n\r\nok', FORWARDED),
  r('status-600', 'HTTP/1.1 600 Odd\r\nContent-Length: 2\r\n\r\nok', FORWARDED),
  r('version-2.0', 'HTTP/2.0 200 OK\r\nContent-Length: 2\r\n\r\nok', FORWARDED),
  r('no-space-before-status', 'HTTP/1.1200 OK\r\nContent-Length: 2\r\n\r\nok', BAD_GATEWAY),
  r('icy-status-line', 'ICY 200 OK\r\nContent-Length: 2\r\n\r\nok', BAD_GATEWAY),
  r('space-before-colon', `${OK_HEAD}X-A : b\r\nContent-Length: 2\r\n\r\nok`, BAD_GATEWAY),
  r('obs-fold', `${OK_HEAD}X-A: b\r\n c\r\nContent-Length: 2\r\n\r\nok`, FORWARDED),
  r('cl-and-te', `${OK_HEAD}Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n`, FORWARDED),
  r('cl-different', `${OK_HEAD}Content-Length: 2\r\nContent-Length: 3\r\n\r\nok`, BAD_GATEWAY),
  r('cl-list-same', `${OK_HEAD}Content-Length: 2, 2\r\n\r\nok`, FORWARDED),
  r('cl-not-a-number', `${OK_HEAD}Content-Length: x\r\n\r\nok`, BAD_GATEWAY),
  r('te-gzip', `${OK_HEAD}Transfer-Encoding: gzip\r\n\r\nok`, BAD_GATEWAY),
  r('te-gzip-chunked', `${OK_HEAD}Transfer-Encoding: gzip, chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n`, BAD_GATEWAY),
  r('te-chunked-gzip', `${OK_HEAD}Transfer-Encoding: chunked, gzip\r\n\r\nok`, BAD_GATEWAY),
  r('te-chunked-twice', `${OK_HEAD}Transfer-Encoding: chunked, chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n`, BAD_GATEWAY),
  r('te-empty-reads-until-close', `${OK_HEAD}Transfer-Encoding: \r\n\r\nok`, FORWARDED),
  r('bad-chunk-size', `${OK_HEAD}Transfer-Encoding: chunked\r\n\r\nzz\r\nok\r\n0\r\n\r\n`, BAD_GATEWAY),
  r('204-with-content-length', 'HTTP/1.1 204 No Content\r\nContent-Length: 2\r\n\r\n', FORWARDED),
  // Issue 8 item 9: framing fields of 1xx/204 dropped, any status digits relayed (code kept modulo 2^16).
  r('204-with-transfer-encoding', 'HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n', FORWARDED),
  r('304-keeps-content-length', 'HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n', FORWARDED),
  r('status-099', 'HTTP/1.1 099 Odd\r\nContent-Length: 2\r\n\r\nok', FORWARDED),
  r('status-5', 'HTTP/1.1 5 Odd\r\nContent-Length: 2\r\n\r\nok', FORWARDED),
  r('status-1000', 'HTTP/1.1 1000 Odd\r\nContent-Length: 2\r\n\r\nok', FORWARDED),
  r('status-65740-is-a-204', 'HTTP/1.1 65740 X\r\nContent-Length: 2\r\n\r\n', FORWARDED),
  r('status-empty', 'HTTP/1.1 \r\nContent-Length: 2\r\n\r\nok', BAD_GATEWAY),
  r('status-digits-then-letter', 'HTTP/1.1 200X OK\r\nContent-Length: 2\r\n\r\nok', BAD_GATEWAY),
  r('status-after-two-spaces', 'HTTP/1.1  200 OK\r\nContent-Length: 2\r\n\r\nok', FORWARDED),
  // Issue 8 item 12: chunked responses are re-chunked; what HAProxy refuses in a request it refuses here (502).
  r('chunk-extension', `${OK_HEAD}Transfer-Encoding: chunked\r\n\r\n2;a=b\r\nok\r\n0\r\n\r\n`, FORWARDED),
  r('chunk-lower-case-size', `${OK_HEAD}Transfer-Encoding: chunked\r\n\r\na\r\n0123456789\r\n0\r\n\r\n`, FORWARDED),
  r('chunk-lf-only', `${OK_HEAD}Transfer-Encoding: chunked\r\n\r\n2\nok\n0\n\n`, FORWARDED),
  r('chunk-trailers', `${OK_HEAD}Transfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-T:  1 \r\nX-U: 2\r\n\r\n`, FORWARDED),
  r('chunk-two-in-one-read', `${OK_HEAD}Transfer-Encoding: chunked\r\n\r\n2\r\nok\r\n3\r\nabc\r\n0\r\n\r\n`, FORWARDED),
  r('chunk-extension-64k', `${OK_HEAD}Transfer-Encoding: chunked\r\n\r\n2;${'a'.repeat(65536)}\r\nok\r\n0\r\n\r\n`, BAD_GATEWAY),
  r('chunk-size-2^52', `${OK_HEAD}Transfer-Encoding: chunked\r\n\r\n10000000000000\r\nok`, BAD_GATEWAY),
  // Hostile pass: framing fields in other spellings.
  r('te-two-chunked-fields', `${OK_HEAD}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n`, BAD_GATEWAY),
  r('te-folded', `${OK_HEAD}Transfer-Encoding:\r\n chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n`, FORWARDED),
  r('cl-plus-sign', `${OK_HEAD}Content-Length: +2\r\n\r\nok`, BAD_GATEWAY),
  r('bare-cr-in-set-cookie', `${OK_HEAD}Set-Cookie: a=b\rX: y\r\nContent-Length: 2\r\n\r\nok`, BAD_GATEWAY),
];

/**
 * Responses whose fate the HTTP engine decides, not the parser (an upgrade nobody asked for, a HEAD answer's body, a
 * status under 100 whose framing fields go but still frame its body). Only the end-to-end corpus test runs them.
 */
export const HTTP_RESPONSE_ENGINE_CASES: readonly ResponseCase[] = [
  r('101-to-a-plain-get', 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: foo\r\nConnection: Upgrade\r\n\r\nRAW', BAD_GATEWAY),
  r('101-websocket-unrequested', 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: x\r\n\r\n', BAD_GATEWAY),
  { ...r('head-answer-with-body', `${OK_HEAD}Content-Length: 4\r\n\r\nevil`, FORWARDED), method: 'HEAD' },
  r('status-099-chunked-goes-out-decoded', 'HTTP/1.1 099 Odd\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n', FORWARDED),
  r('status-099-until-close', 'HTTP/1.1 099 Odd\r\n\r\nuntil close', FORWARDED),
  r('cl-and-te-not-reused', `${OK_HEAD}Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n`, FORWARDED),
  r('200-then-extra-response', `${OK_HEAD}Content-Length: 2\r\n\r\nok${OK_HEAD}Content-Length: 4\r\n\r\nevil`, FORWARDED),
  r('chunked-then-junk', `${OK_HEAD}Transfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\nJUNK`, FORWARDED),
  r('chunk-101-trailers', `${OK_HEAD}Transfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n${'X: a\r\n'.repeat(101)}\r\n`, BAD_GATEWAY),
  r('chunk-trailer-over-the-buffer', `${OK_HEAD}Transfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX: ${'a'.repeat(17000)}\r\n\r\n`, BAD_GATEWAY),
];
