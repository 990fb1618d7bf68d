// The users' seed haproxy-http.cfg (tests/fixtures/seed/), addresses moved to 127.0.0.1, run under real HAProxy 2.6
// and under orcalb --threads 2, each in front of 4 self-naming backends; the same client script runs against both and
// what the backends received (heads, one connection per request) and what the client received must be identical.
// Variants: the seed as is (`except 127.0.0.0/8`: no X-Forwarded-For), `except 10.0.0.0/8` (header added), and
// `option httpclose` or `option http-keep-alive` in place of http-server-close. Test-runner thread.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { freeTcpPort, startHaproxy } from '../support/haproxy-process.js';
import { startHttpBackends, type HttpBackends } from '../support/http-backends.js';
import { RawHttpConnection } from '../support/http-client.js';
import { startOrcalb } from '../support/orcalb-process.js';
import { seedHttpConfig, type SeedHttpOverrides } from '../support/seed-http-config.js';

const NODES = ['node1', 'node2', 'node3', 'node4'] as const;

/** Everything a run observed, in a form that must be equal between haproxy and orcalb. */
interface Transcript {
  /** Response heads as the client got them, `date:` lines removed (the backends stamp the time). */
  client: string[];
  /** `server: head` as each backend received the request. */
  backend: string[];
  /** For each request, the index of the first earlier request that used the same server connection (-1: new). */
  connectionReuse: number[];
  /** Whether the proxy closed the client connection after each exchange group. */
  closes: boolean[];
}

function clientHead(head: string): string {
  return head
    .split('\r\n')
    .filter((l) => !/^date:/i.test(l))
    .join('\r\n');
}

/** The client script: the same bytes, in the same order, against either proxy. */
async function script(port: number, backends: HttpBackends): Promise<Transcript> {
  const from = backends.requests.length;
  const t: Transcript = { client: [], backend: [], connectionReuse: [], closes: [] };
  // Up to `count` responses; a connection the proxy closed first is noted as such (httpclose drops what follows).
  const exchange = async (c: RawHttpConnection, requests: string, count: number): Promise<void> => {
    c.write(requests);
    for (let i = 0; i < count; i++) {
      const r = await c.response().catch((e: unknown) => {
        if (c.closed) return undefined;
        throw e;
      });
      if (r === undefined) {
        t.client.push('(closed)');
        return;
      }
      t.client.push(clientHead(r.head));
    }
  };
  // 300 ms: a close due at once (`Connection: close`) was seen still on its way after 100 ms at load average ~10.
  const isClosed = async (c: RawHttpConnection): Promise<boolean> =>
    c
      .waitClosed(300)
      .then(() => true)
      .catch(() => false);

  // A keep-alive client: four requests, one carrying its own X-Forwarded-For.
  let ka = await RawHttpConnection.open(port);
  for (let i = 0; i < 4; i++) {
    const extra = i === 2 ? 'X-Forwarded-For: 192.0.2.7\r\n' : '';
    // Under httpclose the proxy closes after each response: the client then opens a new connection, as browsers do.
    if (i > 0 && (await isClosed(ka))) {
      ka.destroy();
      ka = await RawHttpConnection.open(port);
    }
    await exchange(ka, `GET /ka${i}?q=${i} HTTP/1.1\r\nHost: ddb.example\r\nUser-Agent: seed-test\r\n${extra}\r\n`, 1);
  }
  t.closes.push(await isClosed(ka));
  ka.destroy();
  // Two pipelined requests, the second asking to close.
  const pipe = await RawHttpConnection.open(port);
  await exchange(
    pipe,
    'GET /p1 HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\nGET /p2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    2,
  );
  t.closes.push(await isClosed(pipe));
  pipe.destroy();
  // HTTP/1.0 without and with keep-alive.
  const old = await RawHttpConnection.open(port);
  await exchange(old, 'GET /old HTTP/1.0\r\nHost: x\r\n\r\n', 1);
  t.closes.push(await isClosed(old));
  old.destroy();
  const oldKa = await RawHttpConnection.open(port);
  await exchange(oldKa, 'GET /oldka HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n\r\n', 1);
  if (!(await isClosed(oldKa))) await exchange(oldKa, 'GET /oldka2 HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n\r\n', 1);
  t.closes.push(await isClosed(oldKa));
  oldKa.destroy();
  // Bodies: chunked and Content-Length, the DolphinDB JSON API shape.
  let post = await RawHttpConnection.open(port);
  await exchange(post, 'POST /chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n', 1);
  if (await isClosed(post)) {
    post.destroy();
    post = await RawHttpConnection.open(port);
  }
  const json = '{"sessionID":"0","functionName":"executeCode","params":[]}';
  await exchange(post, `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${json.length}\r\n\r\n${json}`, 1);
  t.closes.push(await isClosed(post));
  post.destroy();
  // Expect: 100-continue: the interim answer is relayed before the body is sent.
  const cont = await RawHttpConnection.open(port);
  cont.write('POST /cont HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n');
  t.client.push(clientHead((await cont.response()).head));
  await exchange(cont, 'body', 1);
  t.closes.push(await isClosed(cont));
  cont.destroy();

  const seen = backends.requests.slice(from);
  t.backend = seen.map((r) => `${r.server}: ${r.head} [body ${r.bodyBytes}]`);
  t.connectionReuse = seen.map((r, i) =>
    seen.findIndex((o, j) => j < i && o.server === r.server && o.connection === r.connection),
  );
  return t;
}

/**
 * Runs the script against haproxy and against orcalb at the same time, each in front of its own 4 backends (same
 * names, so the transcripts compare directly).
 */
async function bothWays(
  farms: { haproxy: HttpBackends; orcalb: HttpBackends },
  overrides: SeedHttpOverrides,
  threads = 2,
): Promise<{ haproxy: Transcript; orcalb: Transcript }> {
  const hPort = await freeTcpPort();
  const oPort = await freeTcpPort();
  const [h, o] = await Promise.all([
    startHaproxy(await seedHttpConfig(hPort, farms.haproxy.ports(), overrides), { readyPort: hPort }),
    startOrcalb(await seedHttpConfig(oPort, farms.orcalb.ports(), overrides), { threads, fileName: 'haproxy-http.cfg' }),
  ]);
  try {
    const [haproxy, orcalb] = await Promise.all([script(hPort, farms.haproxy), script(oPort, farms.orcalb)]);
    return { haproxy, orcalb };
  } finally {
    await Promise.all([h.stop(), o.stop()]);
  }
}

describe('seed haproxy-http.cfg: orcalb --threads 2 side by side with haproxy 2.6', () => {
  let farms: { haproxy: HttpBackends; orcalb: HttpBackends };
  before(async () => {
    farms = { haproxy: await startHttpBackends(NODES), orcalb: await startHttpBackends(NODES) };
  });
  after(async () => {
    await farms.haproxy.close();
    await farms.orcalb.close();
  });

  test('as shipped (server-close, except 127.0.0.0/8): same heads, round robin, no X-Forwarded-For for 127.0.0.1', async () => {
    const { haproxy, orcalb } = await bothWays(farms, {});
    assert.deepEqual(orcalb, haproxy);
    // The facts the comparison covers, stated on their own so a change in both subjects is noticed too.
    assert.deepEqual(
      orcalb.backend.slice(0, 4).map((l) => l.split(':')[0]),
      ['node1', 'node2', 'node3', 'node4'],
    );
    assert.ok(orcalb.backend.every((l) => !/x-forwarded-for: 127/i.test(l)));
    assert.ok(orcalb.connectionReuse.every((r) => r === -1), 'server-close: one server connection per request');
    assert.match(orcalb.backend[0] ?? '', /\nconnection: close \[body 0\]$/);
  });

  test('except 10.0.0.0/8: x-forwarded-for: 127.0.0.1 is appended, after a client-sent one', async () => {
    const { haproxy, orcalb } = await bothWays(farms, { forwardforExcept: '10.0.0.0/8' });
    assert.deepEqual(orcalb, haproxy);
    assert.ok(orcalb.backend.every((l) => /\nx-forwarded-for: 127\.0\.0\.1(\n| \[)/.test(l)));
    assert.match(orcalb.backend[2] ?? '', /x-forwarded-for: 192\.0\.2\.7\nx-forwarded-for: 127\.0\.0\.1/);
  });

  test('with option httpclose: same heads, every client and server connection closed after each response', async () => {
    const { haproxy, orcalb } = await bothWays(farms, { defaultsExtra: ['option httpclose'] });
    assert.deepEqual(orcalb, haproxy);
    assert.ok(orcalb.closes.every((c) => c));
  });

  // One forwarder here: idle server connections are pooled per thread, and haproxy may take one from another thread
  // where orcalb opens a new one, so only a single thread gives both the same reuse sequence.
  test('with option http-keep-alive (--threads 1): same heads and the same server-connection reuse as haproxy', async () => {
    const { haproxy, orcalb } = await bothWays(farms, { defaultsExtra: ['option http-keep-alive'] }, 1);
    assert.deepEqual(orcalb, haproxy);
    // http-reuse safe: a later request of a session reuses an idle connection left by an earlier session.
    assert.ok(orcalb.connectionReuse.some((r) => r >= 0));
    assert.ok(orcalb.backend.every((l) => !/connection: close/.test(l)));
  });
});
