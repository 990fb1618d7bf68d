// TCP content switching on the TLS ClientHello (issue 11), the commonest L4 use of tcp-request content rules:
// `accept if { req.ssl_hello_type 1 }` waits for the whole hello, then `use_backend … if { req.ssl_sni … }` routes
// by the server name, even when the hello arrives in pieces; a client that is not speaking TLS goes to the default
// backend at once (its first bytes already say they are no hello). Side by side with haproxy 2.6.12. Test-runner thread; 127.0.0.1 only.

import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startBackendFarm, type BackendFarm } from '../support/backend-farm.js';
import { clientHello } from '../support/acl-context.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { HAPROXY_SUBJECT, ORCALB_SUBJECT, type LbProcess, type LbSubject, closeAll } from '../support/lb-subject.js';
import { delay, pollFor } from '../support/wait.js';

const SUBJECTS: readonly LbSubject[] = [HAPROXY_SUBJECT, ORCALB_SUBJECT];

function config(port: number, a: number, b: number): string {
  return `
defaults
    mode tcp
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend fe
    bind 127.0.0.1:${port}
    tcp-request inspect-delay 1s
    tcp-request content accept if { req.ssl_hello_type 1 }
    use_backend bb if { req.ssl_sni -i b.example.org }
    default_backend ba
backend ba
    server a 127.0.0.1:${a}
backend bb
    server b 127.0.0.1:${b}
`;
}

/** Sends `pieces` one after the other (`gapMs` apart) and resolves with the server's tag line once it came. */
async function tagFor(port: number, pieces: readonly Buffer[], gapMs: number): Promise<string> {
  const s = connect(port, '127.0.0.1');
  s.on('error', () => undefined);
  let got = '';
  s.on('data', (d: Buffer) => (got += d.toString('latin1')));
  try {
    await new Promise<void>((resolve) => s.once('connect', () => resolve()));
    for (const p of pieces) {
      s.write(p);
      if (gapMs > 0) await delay(gapMs);
    }
    await pollFor(() => got.includes('\n'), 4000, 10);
    return got.slice(0, got.indexOf('\n'));
  } finally {
    s.destroy();
  }
}

for (const subject of SUBJECTS) {
  describe(`TLS SNI switching in tcp-request content, ${subject.name}`, () => {
    let farm: BackendFarm;
    let lb: LbProcess;
    let port = 0;
    before(async () => {
      farm = await startBackendFarm(['a', 'b']);
      port = await freeTcpPort();
      lb = await subject.start(config(port, farm.port('a'), farm.port('b')), port);
    });
    after(async () => {
      await closeAll(() => lb?.stop(), () => farm?.close());
    });

    test('a ClientHello naming b.example.org goes to bb, another name to the default', async () => {
      assert.equal(await tagFor(port, [clientHello('b.example.org')], 0), 'b');
      assert.equal(await tagFor(port, [clientHello('B.EXAMPLE.ORG')], 0), 'b');
      assert.equal(await tagFor(port, [clientHello('c.example.org')], 0), 'a');
      assert.equal(await tagFor(port, [clientHello(undefined)], 0), 'a');
    });

    test('a ClientHello in three pieces is waited for, then routed by its name', async () => {
      const hello = clientHello('b.example.org');
      const pieces = [hello.subarray(0, 3), hello.subarray(3, 40), hello.subarray(40)];
      assert.equal(await tagFor(port, pieces, 60), 'b');
    });

    test('a client not speaking TLS goes to the default backend at once: its bytes cannot become a hello', async () => {
      assert.equal(await tagFor(port, [Buffer.from('hello\n')], 0), 'a');
    });
  });
}
