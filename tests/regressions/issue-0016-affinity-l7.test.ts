// Issue 16, Done-when (4): affinity for the web console and the JSON API through a running orcalb (mode http,
// --threads 2, roundrobin over 3 emulated nodes). A browser session (headless Chromium: its page, then its WebSocket,
// to which the browser adds the persistence cookie the page set) and a JSON-API session (its sessionID, each request on a new TCP connection) stay
// on their node across 50 requests while cookie-less and new-session clients spread; without affinity the JSON-API
// session would lose its variables at the next node. Test-runner thread; orcalb is a child process.

import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { startDdbCluster, type DdbCluster } from '../support/ddb-cluster.js';
import { freeTcpPort } from '../support/haproxy-process.js';
import { executeCode, executeCodeBody, httpExchange, pageNodeName, type JsonApiAnswer } from '../support/http-exchange.js';
import { startOrcalb, type OrcalbProcess } from '../support/orcalb-process.js';

const ROUNDS = 50;
const CHROMIUM = '/usr/bin/chromium';

/**
 * Runs in the browser's page (source text: the test compiles without the DOM's types): opens the console's WebSocket
 * to the page's own origin (the browser adds the page's cookie to the upgrade), logs in, then asks getNodeAlias()
 * CALLS times, DolphinDB's binary messages built and read by hand (protocol notes §3, §4). Resolves with each answer's
 * node alias (a STRING scalar: type 18, form 0, the text up to its NUL).
 */
const CONSOLE_CALLS = `(async (calls) => {
  const ws = new WebSocket('ws://' + location.host + '/');
  ws.binaryType = 'arraybuffer';
  await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
  const utf8 = new TextEncoder();
  const text = (b) => new TextDecoder().decode(b);
  let sid = '0';
  const call = (body) => new Promise((resolve, reject) => {
    ws.onmessage = (ev) => {
      const bytes = new Uint8Array(ev.data);
      if (bytes[0] === 0x4d && bytes[1] === 0x53 && bytes[2] === 0x47) return;
      const headerEnd = bytes.indexOf(0x0a);
      const statusEnd = bytes.indexOf(0x0a, headerEnd + 1);
      sid = text(bytes.subarray(0, headerEnd)).split(' ')[0];
      const status = text(bytes.subarray(headerEnd + 1, statusEnd));
      if (status === 'OK') resolve(bytes.subarray(statusEnd + 1)); else reject(new Error(status));
    };
    ws.send(utf8.encode('API2 ' + sid + ' ' + utf8.encode(body).length + ' / 0_1_4_64\\n' + body));
  });
  await call('connect\\nlogin\\nadmin\\n123456');
  const names = [];
  for (let i = 0; i < calls; i++) {
    const obj = await call('script\\ngetNodeAlias()');
    names.push(text(obj.subarray(2, obj.indexOf(0, 2))));
  }
  ws.close();
  return names;
})`;

function config(front: number, nodes: readonly number[]): string {
  return [
    'defaults', '  mode http', '  timeout connect 1s', '  timeout client 30s', '  timeout server 30s',
    'frontend fe', `  bind 127.0.0.1:${front}`, '  default_backend nodes',
    'backend nodes', '  balance roundrobin',
    '  cookie DDBNODE insert indirect nocache',
    '  stick-table type string len 32 size 10k expire 1h',
    '  option dolphindb-json-affinity',
    ...nodes.map((p, i) => `  server node${i + 1} 127.0.0.1:${p} cookie n${i + 1}`),
    '',
  ].join('\n');
}

describe('issue 16: web console and JSON-API sessions keep their node through orcalb (mode http)', () => {
  let cluster: DdbCluster;
  let lb: OrcalbProcess;
  let front: number;

  before(async () => {
    cluster = await startDdbCluster(3);
    front = await freeTcpPort();
    lb = await startOrcalb(config(front, cluster.ports()), { threads: 2 });
  });
  after(async () => {
    await lb?.stop();
    await cluster?.close();
  });

  test('a browser (Chromium): its page and its console WebSocket, 50 requests, all on the node its cookie names', async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM });
    try {
      const page = await (await browser.newContext()).newPage();
      const first = await page.goto(`http://127.0.0.1:${front}/`);
      assert.equal(first?.status(), 200);
      const node = pageNodeName(await page.content());
      assert.ok(node !== undefined);
      // The WebSocket, 48 calls, then one more page load: 50 requests of one browser.
      const names = await page.evaluate<string[]>(`${CONSOLE_CALLS}(${ROUNDS - 2})`);
      assert.equal(names.length, ROUNDS - 2);
      assert.deepEqual([...new Set(names)], [node], `the browser's calls went to ${[...new Set(names)].join(', ')}`);
      await page.reload();
      assert.equal(pageNodeName(await page.content()), node);
      // Other browsers (fresh contexts: no cookie) spread over the nodes.
      const others = new Set<string>();
      for (let i = 0; i < 6; i++) {
        const other = await (await browser.newContext()).newPage();
        await other.goto(`http://127.0.0.1:${front}/`);
        others.add(pageNodeName(await other.content()) ?? '?');
      }
      assert.equal(others.size, 3, `other browsers' pages went to ${[...others].join(', ')}`);
    } finally {
      await browser.close();
    }
  });

  test('a JSON-API session: 50 calls on new connections stay on the node that made its sessionID; new sessions spread', async () => {
    const first = await executeCode(front, 'x = 41', '0');
    assert.equal(first.resultCode, '0', first.msg);
    const sid = first.sessionID;
    assert.match(sid, /^\d+$/);
    assert.notEqual(sid, '0');
    const nodes = new Set<string>();
    for (let i = 1; i < ROUNDS; i++) {
      // The session's variable is there at each call: the request reached the node holding the session.
      const a = await executeCode(front, 'x + 1', sid);
      assert.equal(a.resultCode, '0', `call ${i}: ${a.msg}`);
      assert.equal(a.sessionID, sid, `call ${i} answered by another session`);
      assert.equal(a.object[0]?.value, '42');
      nodes.add(String((await executeCode(front, 'getNodeAlias()', sid)).object[0]?.value));
    }
    assert.equal(nodes.size, 1, `the session's calls went to ${[...nodes].join(', ')}`);
    // New sessions (sessionID "0") are balanced as usual.
    const fresh = new Set<string>();
    for (let i = 0; i < 6; i++) fresh.add(String((await executeCode(front, 'getNodeAlias()', '0')).object[0]?.value));
    assert.equal(fresh.size, 3, `new sessions went to ${[...fresh].join(', ')}`);
  });

  test('two JSON-API sessions of other nodes sharing one kept-alive connection: each call goes to its own session\'s node', async () => {
    // Two sessions made on two different nodes (roundrobin: consecutive new sessions land apart).
    const a = await executeCode(front, 'v = 1');
    const b = await executeCode(front, 'v = 2');
    const nodeOf = async (sid: string): Promise<string> => String((await executeCode(front, 'getNodeAlias()', sid)).object[0]?.value);
    assert.notEqual(await nodeOf(a.sessionID), await nodeOf(b.sessionID), 'roundrobin put the two new sessions apart');
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const ports = new Set<number>();
      for (let i = 0; i < 10; i++) {
        const [sid, want] = i % 2 === 0 ? [a.sessionID, '1'] : [b.sessionID, '2'];
        const res = await httpExchange(front, 'POST', '/', { body: executeCodeBody('v', sid), agent });
        ports.add(res.localPort);
        const answer = JSON.parse(res.body) as JsonApiAnswer;
        assert.equal(answer.sessionID, sid, `call ${i}`);
        assert.equal(String(answer.object[0]?.value), want, `call ${i} read another session's v`);
      }
      assert.equal(ports.size, 1, 'one client connection carried every call');
    } finally {
      agent.destroy();
    }
  });
});
