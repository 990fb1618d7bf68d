// Request and response heads that the byte-level head tests (tests/http1/head-*.test.ts) start from: every case of
// the malformed-HTTP corpus (tests/compat/http-malformed-corpus.ts, verdicts checked against haproxy 2.6.12) plus
// everyday heads (wrk, nginx, browsers, DolphinDB clients, WebSocket, cookies) and the odd shapes the parser rewrites
// (folds with mixed line ends, absolute-form with default ports, CONNECT, Latin-1 Host values). Data only.

import { HTTP_CORPUS, HTTP_RESPONSE_CORPUS, HTTP_RESPONSE_ENGINE_CASES } from '../compat/http-malformed-corpus.js';

const EVERYDAY_REQUESTS: readonly string[] = [
  'GET /small HTTP/1.1\r\nHost: 127.0.0.1:19082\r\n\r\n',
  'GET / HTTP/1.0\r\nHost: a\r\n\r\n',
  'GET / HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: a\r\nConnection: Keep-Alive, TE\r\nTE: trailers\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: a\r\nConnection: ,,close , foo,\xa0keep-alive\x0b, bar\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\nConnection: x\r\n\r\n',
  'GET / HTTP/1.1\r\nHost: a\r\nConnection: \xa0close\r\nConnection: x\x0b\r\nConnection: \x0cUpgrade\r\nUpgrade: foo\r\n\r\n',
  'POST /api?x=1 HTTP/1.1\r\nHost: ddb:8848\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}',
  'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n2\r\nok\r\n0\r\n\r\n',
  'POST / HTTP/1.1\r\nContent-Length: 05, 5\r\nX: y\r\nContent-Length: 5\r\n\r\nhello',
  'POST / HTTP/1.1\r\nContent-Length: 0000000000000000005\r\nContent-Length: 5\r\n\r\nhello',
  'POST / HTTP/1.1\r\nContent-Length: 18446744073709551615\r\n\r\n',
  'POST / HTTP/1.1\r\nContent-Length: 18446744073709551616\r\n\r\n',
  'POST / HTTP/1.1\r\nContent-Length: 123456789012345, 0123456789012345\r\n\r\n',
  'POST / HTTP/1.1\r\nContent-Length:\r\n 7\r\n\r\n',
  'POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: , chunked ,\r\n\r\n',
  [
    'GET /static/js/app.4f1c2d.js?v=3 HTTP/1.1',
    'Host: console.ddb.example:8848',
    'Connection: keep-alive',
    'sec-ch-ua: "Chromium";v="124", "Not-A.Brand";v="99"',
    'User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
    'Accept: */*',
    'Referer: http://console.ddb.example:8848/',
    'Accept-Encoding: gzip, deflate, br',
    'Cookie: SERVERID=s2; session=6d1f0c2a9be44f7f8c3b; theme=dark',
    'X-Forwarded-For: 10.1.2.3',
    '',
    '',
  ].join('\r\n'),
  'GET /chat HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  'GET /chat HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade\r\nUpgrade: h2c, websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Key: x\r\n\r\n',
  'GET /chat HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key:\r\n dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
  'GET http://a:80/x?y=1 HTTP/1.1\r\nHost: A:80\r\n\r\n',
  'GET http://u:p@a:80/x HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n',
  'GET https://a:443 HTTP/1.1\r\nHost: a\r\n\r\n',
  'GET http://\xc0:80/x HTTP/1.1\r\nHost: \xe0\r\n\r\n',
  'CONNECT a:443 HTTP/1.1\r\nHost: A:443\r\n\r\n',
  'CONNECT [::1]:8080 HTTP/1.1\r\n\r\n',
  'OPTIONS * HTTP/1.1\r\nHost: a\r\nHost: A\r\n\r\n',
  'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
  '\r\n\n\r\nGET / HTTP/1.1\r\n\r\n',
  // Versions forwarded as another text (1.2 and 2.1 as HTTP/1.1, 0.0 as HTTP/1.0), in otherwise canonical lines.
  'GET / HTTP/1.2\r\nHost: a\r\n\r\n',
  'GET / HTTP/2.1\r\nHost: a\r\n\r\n',
  'GET / HTTP/0.0\r\nHost: a\r\n\r\n',
  'pRi / HTTP/1.1\r\nHost: a\r\n\r\n',
  'GET / HTTP/1.1\r\nX-A: b\n c\r\n\td \r\nX-B:   \r\n  \n\r\n',
  'GET / HTTP/1.1\nX-A:\n\n',
  'GET / HTTP/1.1\r\nX-Fold:\r\n \r\n \r\n x \r\nHost: a\r\n\r\n',
  // Long values (searched natively past 256 bytes): bare CRs early, late, at the end; LF-only; a fold after one.
  `GET / HTTP/1.1\r\nX-L: ${'a'.repeat(300)}\r\nX-M: ${'b'.repeat(700)}\n \t${'c'.repeat(400)}\r\n\r\n`,
  `GET / HTTP/1.1\r\nX-L: ${'a'.repeat(300)}\rz\r\n\r\n`,
  `GET / HTTP/1.1\r\nX-L: ${'a'.repeat(100)}\r${'a'.repeat(300)}\r\n\r\n`,
  `GET / HTTP/1.1\r\nX-L: ${'a'.repeat(600)}\r`,
  `GET / HTTP/1.1\r\nX-L: ${'a'.repeat(600)}\r\r`,
  'DELETE /x HTTP/1.1\r\nHost: a\r\nSet-Cookie: a=b\r\nCookie: $Version=1; SRV=a|b; x = y ,z\r\n\r\n',
];

const EVERYDAY_RESPONSES: readonly string[] = [
  'HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Thu, 03 Dec 2026 04:55:11 GMT\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\nok\n',
  'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok',
  'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok',
  'HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok',
  'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 9\r\nSet-Cookie: SERVERID=s1; path=/\r\n\r\n2\r\nok\r\n0\r\n\r\n',
  'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n',
  'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n',
  'HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nTransfer-Encoding: chunked\r\nX: y\r\n\r\n',
  'HTTP/1.1 304 Not Modified\r\nETag: "x"\r\nContent-Length: 5\r\n\r\n',
  'HTTP/1.1 302 Found\r\nLocation: /x\r\nSet-Cookie: a = b ; path=/\r\nSet-Cookie: SERVERID= s9 \r\nCache-Control: max-age=60\r\nContent-Length: 0\r\n\r\n',
  'HTTP/1.1 200 \r\nPragma: no-cache\r\nExpires: 0\r\nContent-Length: 0\r\n\r\n',
  `HTTP/1.1 200 OK\r\nSet-Cookie: SRV = old ; Comment="${'\xe9'.repeat(64)}"\r\nSet-Cookie: a=${'\xe0'.repeat(60)}\r\nContent-Length: 0\r\n\r\n`,
  'HTTP/1.1 099 Odd\r\nTransfer-Encoding: chunked\r\n\r\n',
  'HTTP/1.2 200 OK\r\nContent-Length: 0\r\n\r\n',
  '\n\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n',
  'HTTP/3.1 200 OK\r\nContent-Length: 0\r\n\r\n',
  'HTTP/0.0 200 OK\r\nContent-Length: 0\r\n\r\n',
  'HTTP/1.1 65740 X\r\nContent-Length: 2\r\n\r\n',
  'HTTP/1.1 200 OK \t\r\nX-A: b\n c\r\n\r\n',
  'HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\n\r\nuntil close',
];

/** Every request head the tests start from (Latin-1 bytes). */
export const REQUEST_SEEDS: readonly Buffer[] = [
  ...HTTP_CORPUS.map((c) => c.raw),
  ...EVERYDAY_REQUESTS,
].map((s) => Buffer.from(s, 'latin1'));

/** Every response head the tests start from (Latin-1 bytes). */
export const RESPONSE_SEEDS: readonly Buffer[] = [
  ...HTTP_RESPONSE_CORPUS.map((c) => c.raw),
  ...HTTP_RESPONSE_ENGINE_CASES.map((c) => c.raw),
  ...EVERYDAY_RESPONSES,
].map((s) => Buffer.from(s, 'latin1'));
