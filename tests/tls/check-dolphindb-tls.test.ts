// `option dolphindb-check` over TLS (DolphinDB with SSL on its API port): the probe speaks through the check's TLS
// connection (core/tls/check-tls.ts under connectCheckSocket) unchanged — login, script, version — to an emulated
// node behind a TLS terminator on 127.0.0.1; without TLS the same port fails, and TLS to a plain node fails at layer 6.

import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { after, before, test } from 'node:test';
import type { ServerConfig, ServerTlsConfig } from '../../config/model.js';
import { CHECK_STATUS } from '../../core/health/check-status.js';
import { DEFAULT_CHECK_SCRIPT, probeDolphinDb } from '../../core/health/probe-dolphindb.js';
import { startEmulatedNode } from '../../emulator/emulated-node.js';
import { serverConfig } from '../support/check-target.js';
import { type CertFiles, TlsCerts } from '../support/tls-certs.js';

const FAST = { connectMs: 1000, afterConnectMs: 1000 };
const ADMIN = { user: 'admin', password: '123456', script: DEFAULT_CHECK_SCRIPT };

let certs: TlsCerts;
let ca: CertFiles;
let srv: CertFiles;

before(() => {
  certs = new TlsCerts();
  ca = certs.ca('ca');
  srv = certs.issue(ca, 'node', { names: ['ddb.test'] });
});
after(() => certs.cleanup());

/** A TLS terminator in front of `port` (what a DolphinDB node with SSL on does for its API port). */
async function tlsFront(port: number): Promise<{ port: number; close: () => Promise<void> }> {
  const open = new Set<net.Socket>();
  const server = tls.createServer({ cert: srv.certText, key: srv.keyText }, (s) => {
    const up = net.connect(port, '127.0.0.1');
    open.add(s);
    open.add(up);
    s.on('close', () => open.delete(s));
    up.on('close', () => open.delete(up));
    s.on('error', () => up.destroy());
    up.on('error', () => s.destroy());
    s.pipe(up).pipe(s);
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      for (const s of open) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function tlsConfig(): ServerTlsConfig {
  return {
    settings: { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3', noTlsTickets: false, verify: 'required', caFile: ca.cert },
    ca: ca.certText,
    reuse: true,
  };
}

function withTls(server: ServerConfig, sni?: string): ServerConfig {
  return { ...server, checkTls: { tls: tlsConfig(), ...(sni === undefined ? {} : { sni }) } };
}

test('dolphindb-check over TLS: login and script through the TLS connection, L7OK with the version', async (t) => {
  const node = await startEmulatedNode({ name: 'n1', version: '3.00.2 2024.09.20 LINUX x86_64' });
  t.after(() => node.close());
  const front = await tlsFront(node.port);
  t.after(() => front.close());
  const ok = await probeDolphinDb(ADMIN, withTls(serverConfig('n1', front.port), 'ddb.test'), FAST);
  assert.deepEqual(ok, { status: CHECK_STATUS.L7OK, info: '3.00.2 2024.09.20 LINUX x86_64', code: 0 });
  // The name is checked against check-sni: another name is refused before any login is sent.
  const before = node.counters().requests;
  const wrong = await probeDolphinDb(ADMIN, withTls(serverConfig('n1', front.port), 'other.test'), FAST);
  assert.deepEqual(wrong, { status: CHECK_STATUS.L6RSP, info: 'Server presented an SSL certificate different from the expected one' });
  assert.equal(node.counters().requests, before);
  // In clear to the TLS port, the login cannot succeed.
  const clear = await probeDolphinDb(ADMIN, serverConfig('n1', front.port), FAST);
  assert.notEqual(clear.status, CHECK_STATUS.L7OK);
  // TLS to the plain node: the handshake fails at layer 6.
  const plain = await probeDolphinDb(ADMIN, withTls(serverConfig('n1', node.port)), FAST);
  assert.deepEqual(plain, { status: CHECK_STATUS.L6RSP, info: 'SSL handshake failure' });
});
