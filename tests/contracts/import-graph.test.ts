// The dependency direction of the house style (STYLE.md, "Dependency direction"), held over every import edge of the
// sources: workers/ → core/ and config/; config/ → core/balance/registry.ts (algorithm names and metadata), the leaf
// core/errors.ts (the one code table), the leaf room core/net/ (the IP codec networks are parsed with at load), the
// leaf core/shared/stick-layout.ts (the stick-table data types `store` accepts, and the slots a table takes) and
// core/acl/ (the ACL language, parsed and checked at load as HAProxy checks it) only; core/ → config/model.ts only
// as `import type`; nothing imports workers/ or native-bench/ from below; no cycle.
// Rules are by folder, so a file moved within a room (core/accept/, core/net/) needs no edit here.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { importGraph, type ImportEdge } from '../support/source-imports.js';

const SCANNED = ['core', 'workers', 'config', 'emulator', 'native-bench'] as const;
/** The error-code table: imported by config/ as well as by the engine, so it must import nothing itself. */
const LEAF_ERRORS = 'core/errors.ts';
/** The IP address and network codec: config/ parses networks with it at load, so it stays a leaf room of core/. */
const LEAF_NET = 'core/net/';
/** The stick-table data types and table sizing: config/ checks `store` and `size` with them, so it stays a leaf. */
const LEAF_STICK_LAYOUT = 'core/shared/stick-layout.ts';
/**
 * TLS version names, the node:tls context options, a server's secure context and the PEM blocks: config/ reads
 * versions with the first, has OpenSSL judge bind cipher and curve lists with the second, builds each `ssl` server's
 * context with the third at load (a bad cipher list or key is an [ALERT] there, as in HAProxy) and reads certificate
 * files with the fourth (which the runtime API's `set ssl cert` shares), so all four stay leaves.
 */
const LEAF_TLS: readonly string[] = ['core/tls/tls-versions.ts', 'core/tls/tls-context-options.ts', 'core/tls/server-tls-context.ts', 'core/tls/cert-pem.ts'];
/** The ACL language: config/ parses and compiles rules with it at load, so what it reaches stays small. */
const ACL_ROOM = 'core/acl/';
/**
/**
 * All that core/acl/ may reach, transitively: the HTTP/1 head codec, the IP codec, the shared buffer's views, the stick
 * counters, the pure connection-mode rules core/http1/head-fetch.ts reads Connection values with, and the verify error
 * table ssl_c_verify numbers errors with (an import-free leaf).
 */
const ACL_REACH = ['core/acl/', 'core/http1/', 'core/net/', 'core/shared/', 'core/stick/', 'core/forward/l7-connection-mode.ts', 'core/tls/x509-errors.ts', LEAF_ERRORS, 'config/model.ts'];

/** The top-level room of a repo-relative path ('core', 'config', …). */
function room(path: string): string {
  return path.slice(0, path.indexOf('/'));
}

/**
 * Why an edge breaks the direction, or undefined when it is allowed. Each room lists what it may import; a room
 * always imports itself.
 */
function violation(e: ImportEdge): string | undefined {
  const from = room(e.from);
  const to = room(e.to);
  if (from === to) return undefined;
  switch (from) {
    case 'core':
      // The engine consumes the typed model; a value import would pull the config language into every thread.
      if (e.to === 'config/model.ts') return e.typeOnly ? undefined : 'core/ may only `import type` from config/model.ts';
      return `core/ imports nothing from ${to}/ (only \`import type\` from config/model.ts)`;
    case 'config':
      // ConfigError (config/config-error.ts) carries a code of the one table; networks are parsed once, at load, by
      // the one IP codec. Both are leaves (tested below), so config/ never loads the engine through them.
      if (
        e.to === 'core/balance/registry.ts' ||
        e.to === LEAF_ERRORS ||
        e.to.startsWith(LEAF_NET) ||
        e.to.startsWith(ACL_ROOM) ||
        e.to === LEAF_STICK_LAYOUT ||
        LEAF_TLS.includes(e.to)
      ) {
        return undefined;
      }
      return `config/ imports only core/balance/registry.ts (algorithm names and metadata), ${LEAF_ERRORS}, ${LEAF_NET}, ${ACL_ROOM}, ${LEAF_STICK_LAYOUT} and ${LEAF_TLS.join(', ')}, not ${e.to}`;
    case 'workers':
      // Thread entries wire the engine to the config; the emulator has its own entries (emulator/ddb-node.ts, demo.ts).
      return to === 'core' || to === 'config' ? undefined : `workers/ imports core/ and config/ only, not ${to}/`;
    case 'emulator':
      // The emulated node speaks the DolphinDB wire codec and reads the PROXY header orcalb sends (send-proxy);
      // core/net/ is where the IP codec that header carries lives.
      if (/^core\/(dolphindb|proxy-protocol|net)\//.test(e.to)) return undefined;
      return `emulator/ imports only core/dolphindb/, core/proxy-protocol/ and core/net/, not ${e.to}`;
    case 'native-bench':
      // The benchmark harness drives everything (it starts orcalb, haproxy and emulated nodes) and nothing drives it.
      return to === 'workers' ? `native-bench/ runs workers/ as processes, it does not import ${e.to}` : undefined;
    default:
      return `unexpected room ${from}/`;
  }
}

/** One cycle of the graph as a path `a → b → … → a`, or undefined when it has none (iterative DFS, bounded). */
function findCycle(edges: readonly ImportEdge[]): string[] | undefined {
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const done = new Set<string>();
  for (const start of next.keys()) {
    if (done.has(start)) continue;
    // Stack of [node, index of its next edge to follow]; `onPath` is the current DFS path.
    const stack: [string, number][] = [[start, 0]];
    const onPath = new Set<string>([start]);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top === undefined) break;
      const [node, at] = top;
      const targets = next.get(node) ?? [];
      if (at >= targets.length) {
        stack.pop();
        onPath.delete(node);
        done.add(node);
        continue;
      }
      top[1] = at + 1;
      const to = targets[at];
      if (to === undefined || done.has(to)) continue;
      if (onPath.has(to)) {
        const path = stack.map(([n]) => n);
        return [...path.slice(path.indexOf(to)), to];
      }
      onPath.add(to);
      stack.push([to, 0]);
    }
  }
  return undefined;
}

test('every import edge goes in an allowed direction (workers → core/config, config → registry, core → model types)', () => {
  const offenders = importGraph(SCANNED).flatMap((e) => {
    const why = violation(e);
    return why === undefined ? [] : [`${e.from} → ${e.specifier}: ${why}`];
  });
  assert.deepEqual(offenders, []);
});

test(`${LEAF_ERRORS}, which config/ may import, is a leaf: it imports nothing`, () => {
  // Were errors.ts to import another engine file, config/ would load the engine through it.
  assert.deepEqual(
    importGraph(['core']).filter((e) => e.from === LEAF_ERRORS).map((e) => e.to),
    [],
  );
});

test(`${LEAF_NET}, which config/ may import, imports only itself, ${LEAF_ERRORS} and the model's types`, () => {
  const outside = importGraph(['core'])
    .filter((e) => e.from.startsWith(LEAF_NET) && !e.to.startsWith(LEAF_NET) && e.to !== LEAF_ERRORS)
    .filter((e) => !(e.to === 'config/model.ts' && e.typeOnly))
    .map((e) => `${e.from} → ${e.to}`);
  assert.deepEqual(outside, []);
});

test(`${LEAF_STICK_LAYOUT}, which config/ may import, imports nothing but the model's types`, () => {
  const outside = importGraph(['core'])
    .filter((e) => e.from === LEAF_STICK_LAYOUT && !(e.to === 'config/model.ts' && e.typeOnly))
    .map((e) => `${e.from} → ${e.to}`);
  assert.deepEqual(outside, []);
});

test(`${LEAF_TLS.join(' and ')}, which config/ may import, import only each other and the model's types`, () => {
  const outside = importGraph(['core'])
    .filter((e) => LEAF_TLS.includes(e.from) && !LEAF_TLS.includes(e.to) && !(e.to === 'config/model.ts' && e.typeOnly))
    .map((e) => `${e.from} → ${e.to}`);
  assert.deepEqual(outside, []);
});

test(`${ACL_ROOM}, which config/ may import, reaches only the head codec, the IP codec, the shared buffer, the stick counters and pure rules`, () => {
  // config/ loads core/acl/ at start: were it to reach core/forward/ or core/io/, the main thread would load the engine.
  const edges = importGraph(['core']);
  const seen = new Set<string>();
  const queue = edges.filter((e) => e.from.startsWith(ACL_ROOM)).map((e) => e.from);
  while (queue.length > 0) {
    const file = queue.pop();
    if (file === undefined || seen.has(file)) continue;
    seen.add(file);
    for (const e of edges) if (e.from === file) queue.push(e.to);
  }
  assert.deepEqual([...seen].filter((f) => !ACL_REACH.some((r) => f.startsWith(r))).sort(), []);
});

test('the import graph of core/, workers/, config/, emulator/ and native-bench/ has no cycle', () => {
  // Type-only edges count too: a cycle through types is still two files that cannot be understood apart.
  const cycle = findCycle(importGraph(SCANNED));
  assert.equal(cycle, undefined, `import cycle: ${cycle?.join(' → ') ?? ''}`);
});

test('the scan sees every kind of edge it judges (value, type-only, re-export, across rooms)', () => {
  // Guards the scan itself: a parser that found nothing would pass both tests above for any code.
  const edges = importGraph(SCANNED);
  assert.ok(edges.length > 500, `only ${edges.length} edges found`);
  const has = (from: string, to: string, typeOnly: boolean): boolean =>
    edges.some((e) => e.from === from && e.to === to && e.typeOnly === typeOnly);
  assert.ok(has('workers/forwarder.ts', 'core/shared/state-buffer.ts', false), 'value import workers → core');
  assert.ok(edges.some((e) => room(e.from) === 'core' && e.to === 'config/model.ts' && e.typeOnly), 'core → model types');
  assert.ok(edges.some((e) => room(e.from) === 'config' && e.to === 'core/balance/registry.ts'), 'config → registry');
  assert.ok(edges.some((e) => room(e.from) === 'emulator' && e.to.startsWith('core/dolphindb/')), 'emulator → codec');
});

test('the cycle search reports the path of a cycle and accepts a graph without one', () => {
  const edge = (from: string, to: string): ImportEdge => ({ from, to, typeOnly: false, specifier: to });
  assert.deepEqual(findCycle([edge('a', 'b'), edge('b', 'c'), edge('c', 'a'), edge('c', 'd')]), ['a', 'b', 'c', 'a']);
  assert.equal(findCycle([edge('a', 'b'), edge('a', 'c'), edge('b', 'c'), edge('c', 'd')]), undefined);
  assert.deepEqual(findCycle([edge('x', 'x')]), ['x', 'x']);
});
