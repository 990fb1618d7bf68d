// Issue 16, `resolvers` + `server-template … resolvers` (DNS at run time) in a running orcalb: a tiny DNS server on
// 127.0.0.1 (node:dgram, answers written here by hand) serves SRV and A records that the test changes; the template's
// slots follow the answers (an SRV target each, an A address each), an address gone leaves its slot, and NXDOMAIN
// empties the slots once `hold nx` has passed without a good answer. Test-runner thread; orcalb is a child process.

import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { connect, createServer, type Server } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { cliCommand } from '../support/cli-client.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { startOrcalb, type OrcalbProcess } from '../support/orcalb-process.js';
import { pollUntil, within } from '../support/wait.js';

/** What the DNS server answers now: A records by name, SRV records (target, port) by name; others NXDOMAIN. */
const zone = { a: new Map<string, string[]>(), srv: new Map<string, { target: string; port: number }[]>() };

function labels(name: string): Buffer {
  return Buffer.concat([...name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0])]);
}

/** One DNS answer to `query` (RFC 1035 §4.1), from `zone`. */
function answer(query: Buffer): Buffer {
  let at = 12;
  const parts: string[] = [];
  while (at < query.length && query[at] !== 0) {
    const len = query[at] ?? 0;
    parts.push(query.subarray(at + 1, at + 1 + len).toString());
    at += len + 1;
  }
  const question = query.subarray(12, at + 5);
  const type = query.readUInt16BE(at + 1);
  const name = parts.join('.').toLowerCase();
  const records: Buffer[] = [];
  const rr = (rtype: number, data: Buffer): Buffer => {
    const head = Buffer.alloc(12);
    head.writeUInt16BE(0xc00c, 0);
    head.writeUInt16BE(rtype, 2);
    head.writeUInt16BE(1, 4);
    head.writeUInt32BE(1, 6);
    head.writeUInt16BE(data.length, 10);
    return Buffer.concat([head, data]);
  };
  const known = zone.a.has(name) || zone.srv.has(name);
  if (type === 1) for (const ip of zone.a.get(name) ?? []) records.push(rr(1, Buffer.from(ip.split('.').map(Number))));
  if (type === 33) {
    for (const s of zone.srv.get(name) ?? []) {
      const fixed = Buffer.alloc(6);
      fixed.writeUInt16BE(0, 0);
      fixed.writeUInt16BE(10, 2);
      fixed.writeUInt16BE(s.port, 4);
      records.push(rr(33, Buffer.concat([fixed, labels(s.target)])));
    }
  }
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.readUInt16BE(0), 0);
  header.writeUInt16BE(known ? 0x8180 : 0x8183, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(records.length, 6);
  return Buffer.concat([header, question, ...records]);
}

function config(cli: number, dns: number, port: number, front: number): string {
  return [
    'global', `  stats socket ipv4@127.0.0.1:${cli} level admin`,
    'resolvers local', `  nameserver ns1 127.0.0.1:${dns}`, '  hold valid 100ms', '  hold nx 600ms', '  hold obsolete 0s',
    '  timeout resolve 100ms', '  timeout retry 200ms', '  resolve_retries 2',
    'defaults', '  mode tcp', '  timeout connect 1s', '  timeout client 5s', '  timeout server 5s',
    'frontend f', `  bind 127.0.0.1:${front}`, '  default_backend srv',
    'backend srv', '  balance roundrobin',
    '  server-template s 3 _ddb._tcp.test.local resolvers local init-addr none',
    'backend a', '  balance roundrobin',
    `  server-template a 3 multi.test.local:${port} resolvers local init-addr none`,
    '',
  ].join('\n');
}

/** What the server reached through orcalb's port `front` says first (its tag). */
async function tagOf(front: number): Promise<string> {
  const socket = connect(front, '127.0.0.1');
  socket.setEncoding('utf8');
  let text = '';
  socket.on('data', (d: string) => (text += d));
  await within(once(socket, 'end'), 5000, 'the server\'s tag');
  socket.destroy();
  return text.trim();
}

/** `show servers state` as server → `address:port opstate admin`. */
async function servers(cli: number): Promise<Map<string, string>> {
  const rows = (await cliCommand({ port: cli }, 'show servers state')).trim().split('\n').slice(2).map((l) => l.split(' '));
  return new Map(rows.map((c) => [`${c[1]}/${c[3]}`, `${c[4]}:${c[18]} ${c[5]} ${c[6]}`]));
}

describe('issue 16: resolvers and server-template … resolvers', () => {
  let dns: Socket;
  let lb: OrcalbProcess;
  let cli: number;
  let front: number;
  const backends: Server[] = [];
  const ports: number[] = [];

  before(async () => {
    dns = createSocket('udp4');
    dns.on('message', (msg, from) => {
      try {
        dns.send(answer(msg), from.port, from.address);
      } catch {
        // A malformed query gets no answer, as from a real server that drops it.
      }
    });
    await new Promise<void>((resolve) => dns.bind(0, '127.0.0.1', resolve));
    for (let i = 0; i < 3; i++) {
      // Each answers its own name: the test sees which slot a connection reached.
      const s = createServer((c) => c.end(`backend${i}\n`));
      await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
      backends.push(s);
      ports.push((s.address() as { port: number }).port);
    }
    zone.srv.set('_ddb._tcp.test.local', [{ target: 'n1.test.local', port: ports[0] ?? 0 }, { target: 'n2.test.local', port: ports[1] ?? 0 }]);
    for (const n of ['n1', 'n2', 'n3']) zone.a.set(`${n}.test.local`, ['127.0.0.1']);
    zone.a.set('multi.test.local', ['127.0.0.1', '127.0.0.2']);
    cli = await freeTcpPort();
    front = await freeTcpPort();
    lb = await startOrcalb(config(cli, (dns.address()).port, ports[0] ?? 0, front));
  });
  after(async () => {
    await lb?.stop();
    dns?.close();
    for (const s of backends) s.close();
  });

  test('SRV records fill the slots (target port, its A record); the slot left over waits in MAINT (resolution)', async () => {
    await pollUntil(async () => (await servers(cli)).get('srv/s2')?.endsWith(' 2 0') === true, 10_000, 'srv/s2 running');
    const s = await servers(cli);
    assert.deepEqual([s.get('srv/s1'), s.get('srv/s2'), s.get('srv/s3')], [
      `127.0.0.1:${ports[0]} 2 0`, `127.0.0.1:${ports[1]} 2 0`, '-:0 0 32',
    ]);
  });

  test('traffic goes to the SRV targets\' ports, not to the port the client connected to', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) seen.add(await tagOf(front));
    assert.deepEqual([...seen].sort(), ['backend0', 'backend1']);
  });

  test('an SRV record added takes the free slot; one removed leaves its slot', async () => {
    zone.srv.set('_ddb._tcp.test.local', [...(zone.srv.get('_ddb._tcp.test.local') ?? []), { target: 'n3.test.local', port: ports[2] ?? 0 }]);
    await pollUntil(async () => (await servers(cli)).get('srv/s3') === `127.0.0.1:${ports[2]} 2 0`, 10_000, 'srv/s3 takes n3');
    zone.srv.set('_ddb._tcp.test.local', (zone.srv.get('_ddb._tcp.test.local') ?? []).filter((r) => r.target !== 'n1.test.local'));
    await lb.waitForStderr(/Server srv\/s1 is going DOWN for maintenance \(DNS: n1\.test\.local:\d+ no longer in the answers\)/, 10_000);
    const s = await servers(cli);
    assert.match(s.get('srv/s1') ?? '', / 0 32$/);
    assert.deepEqual([s.get('srv/s2'), s.get('srv/s3')], [`127.0.0.1:${ports[1]} 2 0`, `127.0.0.1:${ports[2]} 2 0`]);
  });

  test('A records: one address per slot; NXDOMAIN empties them once hold nx has passed', async () => {
    await pollUntil(async () => (await servers(cli)).get('a/a2')?.startsWith('127.0.0.2:') === true, 10_000, 'a/a2 at 127.0.0.2');
    const s = await servers(cli);
    assert.deepEqual([s.get('a/a1'), s.get('a/a2')], [`127.0.0.1:${ports[0]} 2 0`, `127.0.0.2:${ports[0]} 2 0`]);
    zone.a.delete('multi.test.local');
    await lb.waitForStderr(/Server a\/a1 is going DOWN for maintenance \(DNS NX status\)/, 10_000);
    // Each slot's line is written once its own state is stored: a2's, not a1's, says a2 is out (a loaded machine can
    // pause the health thread between the two).
    await lb.waitForStderr(/Server a\/a2 is going DOWN for maintenance \(DNS NX status\)/, 10_000);
    assert.match((await servers(cli)).get('a/a2') ?? '', / 0 32$/);
    assert.match(lb.stderr(), /resolvers local: a\/multi\.test\.local: nx \(/);
  });
});
