// HAProxy 2.6.12's error answers exactly as captured from /usr/sbin/haproxy on the wire, for byte comparisons in the
// L7 tests: 400/408/422 written by its H1 layer (original case, Connection: close), 502/503/504 built as HTTP messages
// (lower-case names, no Connection header for a keep-alive HTTP/1.1 client). Test-runner thread.

export const HAPROXY_400 =
  'HTTP/1.1 400 Bad request\r\nContent-length: 90\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/html\r\n\r\n' +
  '<html><body><h1>400 Bad request</h1>\nYour browser sent an invalid request.\n</body></html>\n';

export const HAPROXY_408 =
  'HTTP/1.1 408 Request Time-out\r\nContent-length: 110\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/html\r\n\r\n' +
  "<html><body><h1>408 Request Time-out</h1>\nYour browser didn't send a complete request in time.\n</body></html>\n";

/** A request with a transfer coding before chunked: no Connection line in this one. */
export const HAPROXY_422 =
  'HTTP/1.1 422 Unprocessable Content\r\nContent-length: 116\r\nCache-Control: no-cache\r\nContent-Type: text/html\r\n\r\n' +
  '<html><body><h1>422 Unprocessable Content</h1>\nThe server cannot process the contained instructions.\n</body></html>\n';

export const HAPROXY_502 =
  'HTTP/1.1 502 Bad Gateway\r\ncontent-length: 107\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n' +
  '<html><body><h1>502 Bad Gateway</h1>\nThe server returned an invalid or incomplete response.\n</body></html>\n';

export const HAPROXY_503 =
  'HTTP/1.1 503 Service Unavailable\r\ncontent-length: 107\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n' +
  '<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n';

export const HAPROXY_504 =
  'HTTP/1.1 504 Gateway Time-out\r\ncontent-length: 92\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n' +
  "<html><body><h1>504 Gateway Time-out</h1>\nThe server didn't respond in time.\n</body></html>\n";

/** The same answer to an HTTP/1.0 client (or one that asked to close): `connection: close` is appended. */
export function withClose(page: string): string {
  return page.replace('\r\n\r\n', '\r\nconnection: close\r\n\r\n');
}
