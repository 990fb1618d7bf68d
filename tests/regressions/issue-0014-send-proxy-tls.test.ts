// Issue 14: the PROXY header and TLS, side by side with haproxy 2.6.12 on the same config. `send-proxy-v2-ssl` and
// `send-proxy-v2-ssl-cn` carry the client side's TLS facts in the SSL TLV, byte for byte as haproxy writes them (a TLS
// 1.2 client with a certificate, the same session resumed, a TLS 1.3 one without, a plain client, a check's LOCAL
// header); `server … ssl` with
// `send-proxy`/`send-proxy-v2` writes the header in clear before the ClientHello, on traffic and on checks, in mode
// http and tcp. The servers are real sockets on 127.0.0.1 that read the header, then (for `ssl`) the TLS handshake.

import assert from 'node:assert/strict';
import net from 'node:net';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { parseProxyHeader } from '../../core/proxy-protocol/parse.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { httpExchange } from '../support/http-exchange.js';
import { HAPROXY_SUBJECT, ORCALB_SUBJECT, type LbSubject } from '../support/lb-subject.js';
import { type CertFiles, TlsCerts } from '../support/tls-certs.js';
import { sClient } from '../support/tls-client.js';
import { pollUntil, waitOn, within } from '../support/wait.js';

const SUBJECTS: readonly LbSubject[] = [HAPROXY_SUBJECT, ORCALB_SUBJECT];

let certs: TlsCerts;
let ca: CertFiles;
let front: CertFiles;
let backend: CertFiles;
let client: CertFiles;

before(() => {
  certs = new TlsCerts();
  ca = certs.ca('ca');
  front = certs.issue(ca, 'front', { names: ['front.test'] });
  backend = certs.issue(ca, 'backend', { names: ['backend.test'], alg: 'ec' });
  client = certs.issue(ca, 'client', { names: ['client-1'], client: true });
});
after(() => certs.cleanup());

/** One connection's PROXY header as received, and whether it was a check's (LOCAL command, or v1 to this server). */
interface Seen {
  readonly header: Buffer;
  readonly local: boolean;
}

/**
 * A server that reads a PROXY header (v1 or v2) first, then either answers `ok` in clear or, with `tlsCert`, runs a TLS
 * handshake on what follows and answers there (an HTTP 200 when the request looks like HTTP, else `ok`).
 */
class ProxiedServer {
  readonly seen: Seen[] = [];
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  private constructor(tlsCert: CertFiles | undefined) {
    const ctx = tlsCert === undefined ? undefined : tls.createSecureContext({ cert: tlsCert.certText, key: tlsCert.keyText });
    this.server = net.createServer((s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => undefined);
      let held = Buffer.alloc(0);
      const onData = (d: Buffer): void => {
        held = Buffer.concat([held, d]);
        const r = parseProxyHeader(held);
        if (r.kind === 'incomplete') return;
        s.off('data', onData);
        if (r.kind !== 'ok') return void s.destroy();
        const header = held.subarray(0, r.length);
        // A check announces itself (v1: dst = this server) or nothing (v2 LOCAL); traffic announces the client.
        const local = r.addresses === undefined || r.addresses.dstPort === this.port;
        this.seen.push({ header, local });
        const rest = held.subarray(r.length);
        if (ctx === undefined) return void s.end('proxied-ok\n');
        // node:tls over the raw socket loses bytes given back with unshift() when the header and the ClientHello came
        // in one read (haproxy's case): TLS runs over a stream fed with what followed the header instead.
        const t = new tls.TLSSocket(afterHeader(s, rest), { isServer: true, secureContext: ctx });
        t.on('error', () => s.destroy());
        t.once('data', (req: Buffer) => {
          const http = req.toString('latin1').startsWith('GET ');
          t.end(http ? 'HTTP/1.1 200 OK\r\ncontent-length: 7\r\nconnection: close\r\n\r\ntls ok\n' : 'proxied-ok\n');
        });
      };
      s.on('data', onData);
    });
  }

  static async start(tlsCert?: CertFiles): Promise<ProxiedServer> {
    const p = new ProxiedServer(tlsCert);
    p.server.listen(0, '127.0.0.1');
    await waitOn(p.server, 'listening', () => p.server.listening, 5000, 'proxied server listening');
    p.port = (p.server.address() as net.AddressInfo).port;
    return p;
  }

  /** Headers of client connections (not checks), in arrival order. */
  traffic(): Buffer[] {
    return this.seen.filter((s) => !s.local).map((s) => s.header);
  }

  checks(): Buffer[] {
    return this.seen.filter((s) => s.local).map((s) => s.header);
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** A duplex over `s` whose reads start with `rest` (what followed the PROXY header) and go on with `s`'s. */
function afterHeader(s: net.Socket, rest: Buffer): Duplex {
  const d = new Duplex({
    read: () => undefined,
    write: (chunk: Buffer, _enc, cb) => void s.write(chunk, cb),
    final: (cb) => {
      s.end();
      cb();
    },
  });
  if (rest.length > 0) d.push(rest);
  s.on('data', (chunk: Buffer) => d.push(chunk));
  s.on('end', () => d.push(null));
  s.on('close', () => d.destroy());
  return d;
}

/** A v2 header's bytes with the client's source port zeroed (it differs per connection), as hex. */
function v2Hex(h: Buffer): string {
  const c = Buffer.from(h);
  // TCP4: signature(12) ver/cmd fam len(4), src(4) dst(4), then the source port.
  if (c[13] === 0x11) c.writeUInt16BE(0, 24);
  return c.toString('hex');
}

/**
 * A config in `mode`: per entry, a frontend on 127.0.0.1:`port` (`bind` words after the address) whose backend has one
 * server on 127.0.0.1:`server` (`words` after the address).
 */
function configOf(mode: 'tcp' | 'http', fronts: readonly { port: number; bind: string; server: number; words: string }[]): string {
  return [
    'defaults', `  mode ${mode}`, '  timeout connect 1s', '  timeout client 5s', '  timeout server 5s',
    ...fronts.flatMap((f, i) => [
      `frontend f${i}`, `  bind 127.0.0.1:${f.port} ${f.bind}`, `  default_backend b${i}`,
      `backend b${i}`, `  server s 127.0.0.1:${f.server} ${f.words}`,
    ]),
    '',
  ].join('\n');
}

/** What each subject sent, to compare the two. */
const sent = new Map<string, { cert: string; resumed: string; noCert: string; plain: string; check: string }>();

for (const subject of SUBJECTS) {
  describe(`PROXY v2 SSL TLVs (${subject.name})`, () => {
    test('send-proxy-v2-ssl-cn and send-proxy-v2-ssl: version, certificate bits, verify and CN as haproxy sends them', async (t) => {
      const srvCn = await ProxiedServer.start();
      const srvSsl = await ProxiedServer.start();
      t.after(() => srvCn.close());
      t.after(() => srvSsl.close());
      const port = await freeTcpPort();
      const plainPort = await freeTcpPort();
      const lb = await subject.start(configOf('tcp', [
        { port, bind: `ssl crt ${front.pem} ca-file ${ca.cert} verify optional`, server: srvCn.port, words: 'send-proxy-v2-ssl-cn check inter 300' },
        { port: plainPort, bind: '', server: srvSsl.port, words: 'send-proxy-v2-ssl' },
      ]), port);
      t.after(() => lb.stop());

      const sess = join(certs.dir, `sess-${port}.pem`);
      const withCert = await sClient(port, ['-cert', client.cert, '-key', client.key, '-tls1_2', '-sess_out', sess], 'hi\n');
      assert.match(withCert.out, /proxied-ok/, withCert.out);
      // The same session resumed: the certificate is the session's, not this connection's (client byte 0x05).
      const resumed = await sClient(port, ['-tls1_2', '-sess_in', sess], 'hi\n');
      assert.ok(resumed.reused, resumed.out);
      const tls13 = await sClient(port, ['-tls1_3'], 'hi\n');
      assert.match(tls13.out, /proxied-ok/, tls13.out);
      const plain = net.connect({ host: '127.0.0.1', port: plainPort });
      plain.on('error', () => undefined);
      plain.end('hi\n');
      plain.resume();
      await within(new Promise((resolve) => plain.on('close', resolve)), 5000, 'plain client answered');
      await pollUntil(() => srvCn.checks().length > 0 && srvSsl.traffic().length > 0, 5000, 'a check and the plain client seen');

      const [cert12, resumed12, noCert13] = srvCn.traffic().map(v2Hex);
      const plainHex = v2Hex(srvSsl.traffic()[0] ?? Buffer.alloc(0));
      const checkHex = v2Hex(srvCn.checks()[0] ?? Buffer.alloc(0));
      // TLV 0x20: client 0x07 (SSL, certificate on the connection and in the session), verify 0, VERSION, CN.
      assert.ok((cert12 ?? '').endsWith('20001a0700000000210007544c5376312e32220008636c69656e742d31'), cert12);
      assert.ok((resumed12 ?? '').endsWith('20001a0500000000210007544c5376312e32220008636c69656e742d31'), resumed12);
      assert.ok((noCert13 ?? '').endsWith('20000f0100000000210007544c5376312e33'), noCert13);
      assert.ok(plainHex.endsWith('2000050000000000'), plainHex);
      // A check sends LOCAL with the empty SSL TLV.
      assert.equal(checkHex, '0d0a0d0a000d0a515549540a200000082000050000000000');
      sent.set(subject.name, { cert: cert12 ?? '', resumed: resumed12 ?? '', noCert: noCert13 ?? '', plain: plainHex, check: checkHex });
    });
  });
}

test('orcalb sends the very bytes haproxy sends (source port aside)', () => {
  const h = sent.get(HAPROXY_SUBJECT.name);
  const o = sent.get(ORCALB_SUBJECT.name);
  assert.ok(h !== undefined && o !== undefined, 'both subjects ran');
  // The destination port differs (each subject's own frontend port): compare past the address block.
  const tail = (hex: string): string => hex.slice(2 * (16 + 12));
  const tails = (x: typeof o): Record<string, string> => ({ cert: tail(x.cert), resumed: tail(x.resumed), noCert: tail(x.noCert), plain: tail(x.plain), check: x.check });
  assert.deepEqual(tails(o), tails(h));
});

for (const subject of SUBJECTS) {
  describe(`server ssl with send-proxy (${subject.name})`, () => {
    test('mode http: the v1 line in clear, then TLS, on traffic and on checks', async (t) => {
      const srv = await ProxiedServer.start(backend);
      t.after(() => srv.close());
      const port = await freeTcpPort();
      const lb = await subject.start(configOf('http', [{ port, bind: '', server: srv.port, words: `ssl verify required ca-file ${ca.cert} verifyhost backend.test send-proxy check inter 300` }]), port);
      t.after(() => lb.stop());
      await pollUntil(() => srv.checks().length > 0, 5000, 'a check with its PROXY line');
      const a = await httpExchange(port, 'GET', '/', { timeoutMs: 8000 });
      assert.equal(a.status, 200);
      assert.equal(a.body, 'tls ok\n');
      const line = srv.traffic()[0]?.toString('latin1') ?? '';
      assert.match(line, new RegExp(`^PROXY TCP4 127\\.0\\.0\\.1 127\\.0\\.0\\.1 \\d+ ${port}\\r\\n$`));
      assert.match(srv.checks()[0]?.toString('latin1') ?? '', new RegExp(`^PROXY TCP4 127\\.0\\.0\\.1 127\\.0\\.0\\.1 \\d+ ${srv.port}\\r\\n$`));
    });

    test('mode tcp from an ssl bind: send-proxy-v2-ssl-cn in clear before the TLS to the server', async (t) => {
      const srv = await ProxiedServer.start(backend);
      t.after(() => srv.close());
      const port = await freeTcpPort();
      const lb = await subject.start(configOf('tcp', [{ port, bind: `ssl crt ${front.pem} ca-file ${ca.cert} verify optional`, server: srv.port, words: 'ssl verify none send-proxy-v2-ssl-cn' }]), port);
      t.after(() => lb.stop());
      const r = await sClient(port, ['-cert', client.cert, '-key', client.key, '-tls1_3'], 'hi\n');
      assert.match(r.out, /proxied-ok/, r.out);
      const hex = v2Hex(srv.traffic()[0] ?? Buffer.alloc(0));
      assert.ok(hex.endsWith('20001a0700000000210007544c5376312e33220008636c69656e742d31'), hex);
    });
  });
}

/**
 * A TLS client whose first segment is `header` followed by its ClientHello (the bytes come in one read, as from
 * haproxy's `send-proxy`), through a local tap. Resolves with what the server answered before closing.
 */
async function tlsAfterHeader(port: number, header: string, send: string): Promise<string> {
  const tap = net.createServer((c) => {
    c.on('error', () => undefined);
    c.once('data', (hello: Buffer) => {
      const up = net.connect({ host: '127.0.0.1', port }, () => {
        up.write(Buffer.concat([Buffer.from(header, 'latin1'), hello]));
        c.pipe(up).pipe(c);
      });
      up.on('error', () => c.destroy());
      up.on('close', () => c.destroy());
    });
  });
  tap.listen(0, '127.0.0.1');
  await waitOn(tap, 'listening', () => tap.listening, 5000, 'tap listening');
  try {
    return await within(new Promise<string>((resolve) => {
      let got = '';
      const t = tls.connect({ host: '127.0.0.1', port: (tap.address() as net.AddressInfo).port, rejectUnauthorized: false }, () => t.write(send));
      t.on('data', (d: Buffer) => (got += d.toString('latin1')));
      t.on('error', () => resolve(got));
      t.on('close', () => resolve(got));
    }), 8000, 'TLS client after a PROXY header');
  } finally {
    tap.close();
  }
}

for (const subject of SUBJECTS) {
  describe(`bind ssl accept-proxy (${subject.name})`, () => {
    test('the PROXY header in clear, then the handshake on what follows in the same read; no header: closed', async (t) => {
      const srv = await ProxiedServer.start();
      t.after(() => srv.close());
      const port = await freeTcpPort();
      const lb = await subject.start(configOf('tcp', [{ port, bind: `ssl crt ${front.pem} accept-proxy`, server: srv.port, words: 'send-proxy' }]), port);
      t.after(() => lb.stop());
      const answer = await tlsAfterHeader(port, 'PROXY TCP4 10.1.2.3 10.0.0.1 4444 443\r\n', 'hi\n');
      assert.equal(answer, 'proxied-ok\n');
      assert.equal(srv.traffic()[0]?.toString('latin1'), 'PROXY TCP4 10.1.2.3 10.0.0.1 4444 443\r\n');
      // A TLS client that sends no header is closed before any handshake; the next one is still served.
      const bare = await sClient(port, [], 'hi\n', 5000);
      assert.doesNotMatch(bare.out, /proxied-ok/);
      assert.equal(await tlsAfterHeader(port, 'PROXY TCP4 10.9.9.9 10.0.0.1 5555 443\r\n', 'hi\n'), 'proxied-ok\n');
    });
  });
}

for (const subject of SUBJECTS) {
  describe(`bind ssl accept-proxy, mode http (${subject.name})`, () => {
    test('the announced client reaches an ssl send-proxy server', async (t) => {
      const srv = await ProxiedServer.start(backend);
      t.after(() => srv.close());
      const port = await freeTcpPort();
      const lb = await subject.start(configOf('http', [{ port, bind: `ssl crt ${front.pem} accept-proxy`, server: srv.port, words: 'ssl verify none send-proxy' }]), port);
      t.after(() => lb.stop());
      const answer = await tlsAfterHeader(port, 'PROXY TCP4 10.1.2.3 10.0.0.1 4444 443\r\n', 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      assert.match(answer, /^HTTP\/1\.1 200[^]*tls ok\n$/);
      assert.equal(srv.traffic()[0]?.toString('latin1'), 'PROXY TCP4 10.1.2.3 10.0.0.1 4444 443\r\n');
    });
  });
}
