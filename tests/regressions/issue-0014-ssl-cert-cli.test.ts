// Issue 14, certificates at run time: the runtime API's `new|set|commit|abort|show|del ssl cert` side by side with
// haproxy 2.6.12 (same certificate files, same commands through the stats socket, answers compared byte for byte),
// the `cmd <<` payload syntax (one-shot and after `prompt`), the levels (admin only but `show`), and a commit seen by
// `openssl s_client` on every forwarder of orcalb --threads 2 (plain bind, SNI among several, crt-list filter) while
// an established TLS keep-alive connection goes on. Before this, orcalb answered these commands `Unknown command`.
// Test-runner thread; all traffic on 127.0.0.1.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { cliExchange } from '../support/cli-client.js';
import { freeTcpPort, startHaproxy, type HaproxyProcess } from '../support/haproxy-process.js';
import { startHttpBackends, type HttpBackends } from '../support/http-backends.js';
import { startOrcalb, type OrcalbProcess } from '../support/orcalb-process.js';
import { TlsCerts, type CertFiles } from '../support/tls-certs.js';
import { sClient } from '../support/tls-client.js';
import { waitOn } from '../support/wait.js';

interface Side {
  readonly name: string;
  readonly admin: string;
  readonly operator: string;
  /** bind 1: one certificate (a.example); bind 2: b.example then a.example, by SNI; bind 3: crt-list, a.pem as `list.example`. */
  readonly ports: readonly [number, number, number];
  stop(): Promise<unknown>;
}

let dir: string;
let certs: TlsCerts;
/** a.example (the file the tests change), b.example, and c.example (the new content, same CA). */
let a: CertFiles;
let b: CertFiles;
let c: CertFiles;
let farm: HttpBackends;
let sides: Side[] = [];

async function configFor(name: string, server: number): Promise<{ text: string; side: Omit<Side, 'stop'> }> {
  const admin = join(dir, `${name}-admin.sock`);
  const operator = join(dir, `${name}-oper.sock`);
  const ports = [await freeTcpPort(), await freeTcpPort(), await freeTcpPort()] as const;
  const list = join(dir, `${name}.list`);
  writeFileSync(list, `${a.pem} list.example\n`);
  const text = [
    'global',
    `  stats socket ${admin} mode 600 level admin`,
    `  stats socket ${operator} level operator`,
    'defaults', '  mode http', '  timeout connect 1s', '  timeout client 5s', '  timeout server 5s',
    'frontend fe',
    `  bind 127.0.0.1:${ports[0]} ssl crt ${a.pem}`,
    `  bind 127.0.0.1:${ports[1]} ssl crt ${b.pem} crt ${a.pem}`,
    `  bind 127.0.0.1:${ports[2]} ssl crt-list ${list}`,
    '  default_backend be',
    'backend be', `  server s1 127.0.0.1:${server}`,
  ].join('\n') + '\n';
  return { text, side: { name, admin, operator, ports } };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'orcalb-sslcert-'));
  certs = new TlsCerts();
  const ca = certs.ca('ca', 'ec');
  a = certs.issue(ca, 'a', { names: ['a.example', 'www.a.example'] });
  b = certs.issue(ca, 'b', { names: ['b.example'], alg: 'ec' });
  c = certs.issue(ca, 'c', { names: ['c.example'] });
  farm = await startHttpBackends(['s1']);
  const server = farm.ports()[0] ?? 0;
  const h = await configFor('haproxy', server);
  const o = await configFor('orcalb', server);
  const haproxy: HaproxyProcess = await startHaproxy(h.text, { readyPort: h.side.ports[0] });
  const orcalb: OrcalbProcess = await startOrcalb(o.text, { threads: 2 });
  sides = [
    { ...h.side, stop: () => haproxy.stop() },
    { ...o.side, stop: () => orcalb.stop() },
  ];
});

after(async () => {
  await Promise.allSettled(sides.map((s) => s.stop()));
  await farm?.close();
  certs?.cleanup();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

/** One connection: `line`, and the payload after it (`cmd <<`, lines, then the empty line) when given. */
function ask(socket: string, line: string, payload?: string): Promise<string> {
  return cliExchange(socket, payload === undefined ? `${line}\n` : `${line} <<\n${payload.trimEnd()}\n\n`);
}

/** The same exchange on both sides: [haproxy's answer, orcalb's]. */
async function both(line: string, payload?: string, socket: 'admin' | 'operator' = 'admin'): Promise<[string, string]> {
  const [h, o] = sides as [Side, Side];
  return [await ask(h[socket], line, payload), await ask(o[socket], line, payload)];
}

/** The subject CN `openssl s_client` sees on `port` with SNI `name` (none when undefined). */
async function seenCn(port: number, name?: string): Promise<string | undefined> {
  return (await sClient(port, name === undefined ? [] : ['-servername', name])).subjectCn;
}

describe('issue 14 ssl cert at run time, side by side with haproxy 2.6.12', () => {
  test('show ssl cert lists the files the config loaded and details one as haproxy does', async () => {
    const [h, o] = await both('show ssl cert');
    assert.equal(o, h);
    assert.match(o, /^# filename\n/);
    for (const file of [a.pem, b.pem]) {
      const [hd, od] = await both(`show ssl cert ${file}`);
      assert.equal(od, hd);
      assert.match(od, /^Status: Used$/m);
    }
    const [hn, on] = await both('show ssl cert /nope.pem');
    assert.equal(on, hn);
  });

  test('a transaction answers as haproxy: bad PEM, created, updated, *F, abort, a key of another certificate', async () => {
    const steps: readonly (readonly [string, string | undefined])[] = [
      ['set ssl cert', undefined],
      [`set ssl cert ${a.pem}`, 'garbage\nnot a certificate'],
      [`set ssl cert ${a.pem}`, b.certText],
      [`set ssl cert ${a.pem}`, c.certText + c.keyText],
      ['show ssl cert', undefined],
      [`show ssl cert *${a.pem}`, undefined],
      [`abort ssl cert ${b.pem}`, undefined],
      [`abort ssl cert ${a.pem}`, undefined],
      [`abort ssl cert ${a.pem}`, undefined],
      [`show ssl cert *${a.pem}`, undefined],
      [`commit ssl cert ${a.pem}`, undefined],
      [`set ssl cert ${a.pem}`, c.certText + a.keyText],
      [`commit ssl cert ${a.pem}`, undefined],
      [`set ssl cert ${a.pem}`, c.certText],
      [`commit ssl cert ${a.pem}`, undefined],
      [`commit ssl cert ${b.pem}`, undefined],
      [`abort ssl cert ${a.pem}`, undefined],
      [`set ssl cert ${join(dir, 'unknown.pem')}`, c.certText + c.keyText],
      ['commit ssl cert', undefined],
      ['abort ssl cert', undefined],
    ];
    for (const [line, payload] of steps) {
      const [h, o] = await both(line, payload);
      assert.equal(o, h, `${line}${payload === undefined ? '' : ' <<'}`);
    }
    // Nothing changed: the old certificate is still served.
    assert.equal(await seenCn((sides[1] as Side).ports[0]), 'a.example');
  });

  test('new ssl cert, set and commit to an unused file, del ssl cert: as haproxy', async () => {
    const file = join(dir, 'spare.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384', '-nodes', '-keyout', 'odd.key',
      '-out', 'odd.crt', '-days', '30', '-subj', '/C=FR/O=Org, Inc/OU=ops/CN=odd.example'], { cwd: dir, stdio: 'ignore' });
    const odd = readFileSync(join(dir, 'odd.crt'), 'utf8') + readFileSync(join(dir, 'odd.key'), 'utf8');
    const steps: readonly (readonly [string, string | undefined])[] = [
      ['new ssl cert', undefined],
      [`new ssl cert ${file}`, undefined],
      [`new ssl cert ${file}`, undefined],
      [`new ssl cert ${a.pem}`, undefined],
      ['show ssl cert', undefined],
      [`show ssl cert ${file}`, undefined],
      [`set ssl cert ${file}`, c.certText + c.keyText],
      [`del ssl cert ${file}`, undefined],
      [`commit ssl cert ${file}`, undefined],
      [`show ssl cert ${file}`, undefined],
      // A name with a comma and several attributes, no subjectAltName, EC P-384, and a chain after the leaf.
      [`set ssl cert ${file}`, `${odd}${a.certText}`],
      [`commit ssl cert ${file}`, undefined],
      [`show ssl cert ${file}`, undefined],
      ['del ssl cert', undefined],
      [`del ssl cert ${a.pem}`, undefined],
      [`del ssl cert ${file}`, undefined],
      [`del ssl cert ${file}`, undefined],
    ];
    for (const [line, payload] of steps) {
      const [h, o] = await both(line, payload);
      assert.equal(o, h, `${line}${payload === undefined ? '' : ' <<'}`);
    }
  });

  test('changing commands need level admin, show ssl cert operator (Permission denied as haproxy)', async () => {
    for (const line of [`set ssl cert ${a.pem}`, `commit ssl cert ${a.pem}`, `abort ssl cert ${a.pem}`, `new ssl cert ${dir}/x.pem`, `del ssl cert ${a.pem}`, 'show ssl cert']) {
      const payload = line.startsWith('set') ? c.certText + c.keyText : undefined;
      const [h, o] = await both(line, payload, 'operator');
      assert.equal(o, h, line);
      assert.equal(o === 'Permission denied\n\n', !line.startsWith('show'), line);
    }
  });

  test('after prompt, every payload line is answered `+ ` and the payload runs at the empty line, as haproxy', async () => {
    const input = `prompt\nset ssl cert ${a.pem} <<\nx\ny\n\nshow ssl cert ${a.pem}\nquit\n`;
    const [h, o] = sides as [Side, Side];
    const [ht, ot] = [await cliExchange(h.admin, input), await cliExchange(o.admin, input)];
    assert.equal(ot, ht);
    assert.match(ot, /^\n> \+ \+ \+ unable to load certificate/);
  });

  test('a payload longer than tune.bufsize drops that client without an answer, as haproxy; the others are served', async () => {
    // 400 lines of 61 bytes after a whole PEM: past the default 16384-byte buffer.
    const flood = `${c.certText}${c.keyText}${`${'A'.repeat(60)}\n`.repeat(400)}`;
    const [h, o] = await both(`set ssl cert ${a.pem}`, flood);
    assert.equal(o, h);
    assert.equal(o, '');
    const [hl, ol] = await both('show ssl cert');
    assert.equal(ol, hl);
    assert.doesNotMatch(ol, /# transaction/);
  });

  test('a payload the client does not end with an empty line is not run', async () => {
    const o = sides[1] as Side;
    assert.equal(await cliExchange(o.admin, `set ssl cert ${a.pem} <<\n${c.certText}${c.keyText}`), '');
    assert.equal(await ask(o.admin, `abort ssl cert ${a.pem}`), 'No ongoing transaction!\n\n');
  });
});

const REQUEST = 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';

/** A TLS keep-alive client on `port`: each get() sends a request and resolves with its response head and body. */
async function keepAlive(port: number): Promise<{ socket: tls.TLSSocket; get(): Promise<string> }> {
  const socket = tls.connect({ host: '127.0.0.1', port, servername: 'a.example', rejectUnauthorized: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', resolve);
    socket.once('error', reject);
  });
  let text = '';
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => (text += d));
  let answers = 0;
  return {
    socket,
    async get() {
      socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      const want = ++answers;
      await waitOn(socket, 'data', () => (text.match(/\r\n\r\ns1\n/g)?.length ?? 0) >= want, 5000, `answer ${want}`);
      return text;
    },
  };
}

describe('issue 14 commit ssl cert reaches every forwarder', () => {
  test('both forwarders serve the new certificate; SNI and crt-list follow; a live TLS session keeps going', async (t) => {
    for (const side of sides) {
      await t.test(side.name, async () => {
        const [plain, sni, listed] = side.ports;
        const live = await keepAlive(plain);
        t.after(() => live.socket.destroy());
        await live.get();
        const sess = join(dir, `${side.name}.sess`);
        assert.equal((await sClient(plain, ['-sess_out', sess], REQUEST)).statusLine, 'HTTP/1.1 200 OK');
        assert.equal(await ask(side.admin, `set ssl cert ${a.pem}`, c.certText + c.keyText), `Transaction created for certificate ${a.pem}!\n\n`);
        // haproxy rebuilds one instance per bind that loaded the file: three dots here, on both.
        assert.equal(await ask(side.admin, `commit ssl cert ${a.pem}`), `Committing ${a.pem}...\nSuccess!\n\n`);
        // Six handshakes: orcalb's acceptor hands them to both forwarders in turn.
        for (let i = 0; i < 6; i++) assert.equal(await seenCn(plain), 'c.example', `connection ${i} on the plain bind`);
        // The ticket keys stay: a session from before the commit resumes (on either forwarder).
        for (let i = 0; i < 2; i++) assert.equal((await sClient(plain, ['-sess_in', sess], REQUEST)).reused, true, `resumption ${i}`);
        // SNI names are re-read from the new certificate: c.example now picks it, a.example falls to the first one.
        assert.equal(await seenCn(sni, 'c.example'), 'c.example');
        assert.equal(await seenCn(sni, 'a.example'), 'b.example');
        // A crt-list line's own filter stays on the file's new certificate.
        assert.equal(await seenCn(listed, 'list.example'), 'c.example');
        // The session secured before the commit is not cut and keeps its certificate.
        assert.equal(live.socket.getPeerCertificate().subject.CN, 'a.example');
        assert.match(await live.get(), /HTTP\/1\.1 200[\s\S]*HTTP\/1\.1 200/);
        assert.match(await ask(side.admin, `show ssl cert ${a.pem}`), /^Subject: \/CN=c\.example$/m);
        // Put a.example back for the next side's run and for abort below.
        await ask(side.admin, `set ssl cert ${a.pem}`, a.certText + a.keyText);
        assert.match(await ask(side.admin, `commit ssl cert ${a.pem}`), /Success!/);
        assert.equal(await seenCn(plain), 'a.example');
      });
    }
  });

  test('abort leaves the old certificate in place', async () => {
    const o = sides[1] as Side;
    await ask(o.admin, `set ssl cert ${a.pem}`, c.certText + c.keyText);
    assert.equal(await ask(o.admin, `abort ssl cert ${a.pem}`), `Transaction aborted for certificate '${a.pem}'!\n\n`);
    for (let i = 0; i < 4; i++) assert.equal(await seenCn(o.ports[0]), 'a.example');
  });
});
