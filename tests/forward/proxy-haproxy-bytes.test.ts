// Byte-exactness against the real HAProxy 2.6: what `send-proxy` / `send-proxy-v2` put on server connections and on
// health checks must equal encodeProxyV1 / encodeProxyV2 of the same addresses, byte for byte.

import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { test } from 'node:test';
import { clientAddresses, outgoingAddresses, type ProxyAddresses } from '../../core/proxy-protocol/addresses.js';
import { parseProxyHeader } from '../../core/proxy-protocol/parse.js';
import { encodeProxyV1 } from '../../core/proxy-protocol/v1.js';
import { encodeProxyV2 } from '../../core/proxy-protocol/v2.js';
import { freeTcpPort, startHaproxy } from '../support/haproxy-process.js';

interface Capture {
  readonly socket: net.Socket;
  /** clientAddresses() of the accepted socket, read at accept time (a closed socket has none left). */
  readonly peer: ProxyAddresses | undefined;
  data: Buffer;
  closed: boolean;
}

/** A raw TCP backend that keeps every byte each connection sends, and lets a test wait for a matching connection. */
class Recorder {
  readonly captures: Capture[] = [];
  private readonly server = net.createServer((socket) => this.record(socket));
  private readonly waiters = new Set<() => void>();

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    return (this.server.address() as net.AddressInfo).port;
  }

  close(): void {
    for (const c of this.captures) c.socket.destroy();
    this.server.close();
  }

  /** Resolves with the captures once `pick` returns some (re-evaluated on every byte and close), within 5 s. */
  waitFor<T>(what: string, pick: (captures: Capture[]) => T | undefined): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = pick(this.captures);
        if (found === undefined) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(found);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        const seen = this.captures.map((c) => JSON.stringify(c.data.toString('latin1'))).join('\n');
        reject(new Error(`${what}: not seen within 5 s; backend received:\n${seen}`));
      }, 5000);
      this.waiters.add(check);
      check();
    });
  }

  private record(socket: net.Socket): void {
    const c: Capture = { socket, peer: clientAddresses(socket), data: Buffer.alloc(0), closed: false };
    this.captures.push(c);
    socket.on('data', (d: Buffer) => {
      c.data = Buffer.concat([c.data, d]);
      this.notify();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      c.closed = true;
      this.notify();
    });
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }
}

const endsWith = (c: Capture, marker: string): boolean => c.data.toString('latin1').endsWith(marker);
const hexLines = (b: Buffer): string => b.toString('latin1').replace(/[^\x20-\x7e]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);

function tcpConfig(globals: string, listens: string): string {
  return `global\n${globals}\ndefaults\n  mode tcp\n  timeout connect 2s\n  timeout client 10s\n  timeout server 10s\n${listens}`;
}

async function connect(port: number, host: string): Promise<net.Socket> {
  const s = net.connect({ port, host });
  s.on('error', () => {});
  await once(s, 'connect');
  return s;
}

/** Starts haproxy on one listen section towards a recorder; returns what the traffic test and the check test need. */
async function runTrafficAndChecks(
  t: { after: (fn: () => unknown) => void },
  serverOptions: string,
  globals = '',
): Promise<{ traffic: Capture; client: net.Socket; checks: Capture[] }> {
  const rec = new Recorder();
  const backendPort = await rec.start();
  t.after(() => rec.close());
  const port = await freeTcpPort();
  // A plain `check` closes with a RST right after its header, often before the backend has even accepted, so its
  // addresses can no longer be read; a tcp-check that waits for an answer keeps the connection open long enough.
  const h = await startHaproxy(
    tcpConfig(
      globals,
      `listen l\n  bind 127.0.0.1:${port}\n  option tcp-check\n  tcp-check expect string OK\n  timeout check 5s\n` +
        `  server s1 127.0.0.1:${backendPort} ${serverOptions} check check-send-proxy inter 200\n`,
    ),
  );
  t.after(() => h.stop());
  const client = await connect(port, '127.0.0.1');
  t.after(() => client.destroy());
  client.write('hello');
  const traffic = await rec.waitFor('client connection', (cs) => cs.find((c) => endsWith(c, 'hello')));
  // A health check connects and sends its header: wait for one complete header (the next comes after it times out).
  const checks = await rec.waitFor('a health check', (cs) => {
    const done = cs.filter((c) => c !== traffic && parseProxyHeader(c.data).kind === 'ok');
    return done.length >= 1 ? done : undefined;
  });
  return { traffic, client, checks };
}

test('send-proxy: the v1 line on a client connection and on health checks equals encodeProxyV1', async (t) => {
  const { traffic, client, checks } = await runTrafficAndChecks(t, 'send-proxy');
  // The client's own socket seen from its side: src = its local end, dst = the frontend it connected to.
  const expected = Buffer.concat([encodeProxyV1(outgoingAddresses(client)), Buffer.from('hello')]);
  assert.equal(hexLines(traffic.data), hexLines(expected));
  for (const check of checks) {
    // Seen from the backend, the check's addresses are its peer (the check's local end) and itself.
    assert.ok(check.peer);
    assert.equal(hexLines(check.data), hexLines(encodeProxyV1(check.peer)));
  }
});

test('send-proxy-v2: the binary header on a client connection equals encodeProxyV2; checks send LOCAL', async (t) => {
  const { traffic, client, checks } = await runTrafficAndChecks(t, 'send-proxy-v2');
  const expected = Buffer.concat([encodeProxyV2(outgoingAddresses(client)), Buffer.from('hello')]);
  assert.equal(traffic.data.toString('hex'), expected.toString('hex'));
  for (const check of checks) assert.equal(check.data.toString('hex'), encodeProxyV2(undefined).toString('hex'));
});

test('send-proxy-v2 with pp2-never-send-local: checks announce their own addresses', async (t) => {
  const { checks } = await runTrafficAndChecks(t, 'send-proxy-v2', '  pp2-never-send-local');
  for (const check of checks) {
    assert.ok(check.peer);
    assert.equal(check.data.toString('hex'), encodeProxyV2(check.peer).toString('hex'));
  }
});

test('dual-stack and IPv6 binds: TCP6 with ::ffff: for IPv4 clients, TCP6 for IPv6 clients, v1 and v2', async (t) => {
  const rec = new Recorder();
  const backendPort = await rec.start();
  t.after(() => rec.close());
  const dual = [await freeTcpPort('::'), await freeTcpPort('::')] as const;
  const six = [await freeTcpPort('::1'), await freeTcpPort('::1')] as const;
  const server = (v: string): string => `  server s 127.0.0.1:${backendPort} ${v}\n`;
  const h = await startHaproxy(
    tcpConfig(
      '',
      `listen d1\n  bind :::${dual[0]}\n${server('send-proxy')}listen d2\n  bind :::${dual[1]}\n${server('send-proxy-v2')}` +
        `listen s1\n  bind [::1]:${six[0]}\n${server('send-proxy')}listen s2\n  bind [::1]:${six[1]}\n${server('send-proxy-v2')}`,
    ),
  );
  t.after(() => h.stop());
  const runs: Array<[number, string, (a: ProxyAddresses) => Buffer, (c: net.Socket) => ProxyAddresses]> = [
    [dual[0], '127.0.0.1', encodeProxyV1, mappedView],
    [dual[1], '127.0.0.1', encodeProxyV2, mappedView],
    [six[0], '::1', encodeProxyV1, ownView],
    [six[1], '::1', encodeProxyV2, ownView],
  ];
  for (const [i, [port, host, encode, view]] of runs.entries()) {
    const client = await connect(port, host);
    t.after(() => client.destroy());
    client.write(`m${i}`);
    const cap = await rec.waitFor(`connection ${i}`, (cs) => cs.find((c) => endsWith(c, `m${i}`)));
    assert.equal(hexLines(cap.data), hexLines(Buffer.concat([encode(view(client)), Buffer.from(`m${i}`)])), `run ${i}`);
  }
});

/** What a dual-stack listener sees of an IPv4 client: both ends as IPv4-mapped IPv6 (AF_INET6 in the kernel). */
function mappedView(client: net.Socket): ProxyAddresses {
  const a = ownView(client);
  return { ...a, family: 'TCP6', srcAddress: `::ffff:${a.srcAddress}`, dstAddress: `::ffff:${a.dstAddress}` };
}

function ownView(client: net.Socket): ProxyAddresses {
  const a = outgoingAddresses(client);
  assert.ok(a);
  return a;
}

test('accept-proxy → send-proxy: HAProxy re-encodes announced addresses exactly as the encoders and parser do', async (t) => {
  const rec = new Recorder();
  const backendPort = await rec.start();
  t.after(() => rec.close());
  const [p1, p2] = [await freeTcpPort(), await freeTcpPort()];
  const h = await startHaproxy(
    tcpConfig(
      '',
      `listen v1out\n  bind 127.0.0.1:${p1} accept-proxy\n  server s 127.0.0.1:${backendPort} send-proxy\n` +
        `listen v2out\n  bind 127.0.0.1:${p2} accept-proxy\n  server s 127.0.0.1:${backendPort} send-proxy-v2\n`,
    ),
  );
  t.after(() => h.stop());
  const pair = (family: 'TCP4' | 'TCP6', src: string, dst: string, n: number): ProxyAddresses => ({
    family, srcAddress: src, srcPort: 1000 + n, dstAddress: dst, dstPort: n === 1 ? 65535 : 2000 + n,
  });
  const cases = [
    pair('TCP4', '1.2.3.4', '5.6.7.8', 0),
    pair('TCP4', '0.0.0.0', '255.255.255.255', 1),
    pair('TCP6', '2001:db8::1', '::1', 2),
    pair('TCP6', '::2', '::', 3),
    pair('TCP6', '::1.2.3.4', '::ffff:1.2.3.4', 4),
    pair('TCP6', '1:0:0:1:0:0:0:1', '1:0:0:1:0:0:1:1', 5),
    pair('TCP6', '1:0:1:1:1:1:1:1', 'fe80::1:0:0:0', 6),
    pair('TCP6', '::ffff:0:102:304', '1::', 7),
  ];
  let n = 0;
  for (const a of cases) {
    for (const [port, encode] of [[p1, encodeProxyV1], [p2, encodeProxyV2]] as const) {
      // Announce with both versions: HAProxy must accept what the encoders write, then re-encode it itself.
      for (const announce of [encodeProxyV1, encodeProxyV2]) {
        const marker = `case${n++}`;
        const client = await connect(port, '127.0.0.1');
        t.after(() => client.destroy());
        client.write(Buffer.concat([announce(a), Buffer.from(marker)]));
        const cap = await rec.waitFor(marker, (cs) => cs.find((c) => endsWith(c, marker)));
        const expected = encode(a);
        assert.equal(hexLines(cap.data), hexLines(Buffer.concat([expected, Buffer.from(marker)])), marker);
        const parsed = parseProxyHeader(cap.data);
        assert.deepEqual(parsed, parseProxyHeader(Buffer.concat([expected, Buffer.from(marker)])));
        assert.equal(parsed.kind, 'ok');
      }
    }
  }
});
