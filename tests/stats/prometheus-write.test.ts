// writePrometheus (core/stats/prometheus-write.ts) on real sockets: a scraper that reads gets the whole answer, byte
// for byte; scrapers that stop reading hold the rendering back (a 31 MiB answer is not rendered past what the
// sockets' buffers took) and, once gone, stop it. The hostile case behind it: a scrape storm of slow clients against a
// large config. Test-runner thread; node:http on 127.0.0.1 port 0.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { test } from 'node:test';
import { PROMETHEUS_QUERY_ALL, PROMETHEUS_RESPONSE_HEADERS, prometheusChunks, renderPrometheus } from '../../core/stats/prometheus.js';
import { writePrometheus } from '../../core/stats/prometheus-write.js';
import { syntheticSnapshot } from '../support/stat-snapshots.js';
import { pollUntil, within } from '../support/wait.js';

const SNAPSHOT = syntheticSnapshot(300, 20);

/** One scrape's generator, counting what it rendered and whether it was closed. */
interface Tracked {
  rendered: number;
  closed: boolean;
  written?: Promise<boolean>;
  res?: http.ServerResponse;
}

function* tracked(t: Tracked): Generator<string, void, void> {
  try {
    for (const piece of prometheusChunks(SNAPSHOT, PROMETHEUS_QUERY_ALL)) {
      t.rendered += piece.length;
      yield piece;
    }
  } finally {
    t.closed = true;
  }
}

async function exporter(t: { after: (fn: () => Promise<void>) => void }): Promise<{ port: number; scrapes: Tracked[] }> {
  const scrapes: Tracked[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    const s: Tracked = { rendered: 0, closed: false, res };
    scrapes.push(s);
    res.writeHead(200, PROMETHEUS_RESPONSE_HEADERS.map(([k, v]) => [k, v]).flat());
    s.written = writePrometheus(tracked(s), res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { port: (server.address() as AddressInfo).port, scrapes };
}

test('a reading scraper gets the whole answer, byte for byte', async (t) => {
  const { port, scrapes } = await exporter(t);
  const whole = renderPrometheus(SNAPSHOT, PROMETHEUS_QUERY_ALL);
  const body = await within(
    new Promise<{ type: string | undefined; hash: string; bytes: number }>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: '/metrics' }, (res) => {
        const hash = createHash('sha256');
        let bytes = 0;
        res.on('data', (c: Buffer) => {
          hash.update(c);
          bytes += c.length;
        });
        res.on('end', () => resolve({ type: res.headers['content-type'], hash: hash.digest('hex'), bytes }));
      }).on('error', reject);
    }),
    60_000,
    'the whole answer',
  );
  assert.equal(body.type, 'text/plain; version=0.0.4');
  assert.equal(body.bytes, Buffer.byteLength(whole));
  assert.equal(body.hash, createHash('sha256').update(whole).digest('hex'));
  assert.equal(await scrapes[0]?.written, true);
});

test('20 scrapers that stop reading hold the rendering back; gone, they stop it', async (t) => {
  const { port, scrapes } = await exporter(t);
  const total = renderPrometheus(SNAPSHOT, PROMETHEUS_QUERY_ALL).length;
  const clients: net.Socket[] = [];
  t.after(() => {
    for (const c of clients) c.destroy();
  });
  for (let i = 0; i < 20; i++) {
    const c = net.connect(port, '127.0.0.1');
    c.pause(); // never reads: the kernel buffers fill, then the server's
    c.write('GET /metrics HTTP/1.1\r\nhost: x\r\n\r\n');
    clients.push(c);
  }
  // Every scrape started and is waiting for 'drain' (state, no event to wait on: bounded poll).
  await pollUntil(() => scrapes.length === 20 && scrapes.every((s) => s.res?.writableNeedDrain === true), 60_000, '20 stalled scrapes', 20);
  for (const s of scrapes) {
    assert.ok(s.rendered < total / 2, `a stalled scrape rendered ${s.rendered} of ${total} bytes`);
    assert.equal(s.closed, false);
  }
  for (const c of clients) c.destroy();
  const outcomes = await within(Promise.all(scrapes.map((s) => s.written)), 10_000, 'the scrapes to end');
  assert.deepEqual(outcomes, new Array<boolean>(20).fill(false));
  assert.ok(scrapes.every((s) => s.closed), 'every generator closed');
});
