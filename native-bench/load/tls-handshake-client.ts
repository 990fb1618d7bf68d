// Load generator for full TLS handshakes (issue 14's first bench row). wrk cannot make them: it keeps each
// connection's SSL_SESSION and offers it again on the next connect, so every handshake after the first per connection
// slot is a resumption (haproxy's SslFrontendSessionReuse_pct read 100 under wrk `Connection: close`). Here S loops
// each open a new TLS connection with no session, send one `Connection: close` request and read the answer to the
// server's close; a connection that resumed anyway counts as an error (the run then fails). The client offers only
// X25519 for the key exchange, as wrk (OpenSSL 3.0) does: Node's OpenSSL 3.5 would otherwise also offer
// X25519MLKEM768, which orcalb's OpenSSL accepts and haproxy's does not, and the two would not do the same work.
// Prints the call loop's JSON line (calls/s = handshakes/s, p50/p99 of connect-to-close). Process entry, pinned to the
// load CPUs.

import tls from 'node:tls';
import { parseArgs } from 'node:util';
import { runCallLoop } from './call-loop.js';

const { values } = parseArgs({
  options: { port: { type: 'string' }, sessions: { type: 'string' }, duration: { type: 'string' }, servername: { type: 'string' } },
});
const port = Number(values.port ?? '0');
const sessions = Number(values.sessions ?? '64');
const durationMs = Number(values.duration ?? '5') * 1000;
const servername = values.servername ?? 'bench.example';
const REQUEST = 'GET / HTTP/1.1\r\nHost: bench.example\r\nConnection: close\r\n\r\n';

/** One connection: full handshake, one request, the answer read to the server's close. */
function oneConnection(): Promise<void> {
  return new Promise((resolve, reject) => {
    let status = '';
    const s = tls.connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false, ecdhCurve: 'X25519' }, () => {
      if (s.isSessionReused()) return void s.destroy(new Error('the session was resumed'));
      s.write(REQUEST);
    });
    s.setTimeout(10_000, () => s.destroy(new Error('timeout')));
    s.on('data', (d: Buffer) => {
      if (status === '') status = d.toString('latin1', 0, 12);
    });
    s.once('error', reject);
    s.once('close', () => (status.startsWith('HTTP/1.1 200') ? resolve() : reject(new Error(`answer: '${status}'`))));
  });
}

await runCallLoop(Array.from({ length: sessions }, () => ({ call: oneConnection, close: () => undefined })), durationMs, 0);
process.exit(0);
