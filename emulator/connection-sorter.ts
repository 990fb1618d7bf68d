// Sorting a freshly accepted connection on the emulated node's single port (protocol notes §2): strip a PROXY v1/v2
// header (auto-detected; required or forbidden by the --proxy switch), then route on the first 4 bytes: `API ` /
// `API2` → the binary API, anything else → HTTP. Runs on the emulated node's thread.

import type { Socket } from 'node:net';
import type { ProxyAddresses } from '../core/proxy-protocol/addresses.js';
import { parseProxyHeader } from '../core/proxy-protocol/parse.js';
import type { ProxyMode } from './node-runtime.js';

/** A v2 header is at most 16 + 65535 bytes; more than that unsorted is not a connection we can serve. */
const MAX_SNIFF_BYTES = 16 + 65535 + 4;

export interface SorterCallbacks {
  /** A PROXY header was read and stripped. */
  proxy(version: 1 | 2, addresses: ProxyAddresses | undefined): void;
  /** The connection must be refused; `asHttp` asks for an HTTP 400 first (a header where none is allowed). */
  reject(reason: string, asHttp: boolean): void;
  /** The connection speaks the binary API; `first` holds the bytes read so far (at least `API `). */
  binary(first: Buffer): void;
  /** The connection speaks HTTP; `first` holds the bytes read so far. */
  http(first: Buffer): void;
}

function couldBeApi(head: string): boolean {
  return 'API '.startsWith(head) || 'API2'.startsWith(head);
}

/**
 * Reads from `socket` until it can tell what the connection is, then calls exactly one of reject/binary/http
 * (after `proxy` when a header came) with the socket paused and this sorter's listener removed. Calls nothing
 * when the peer closes first, as HAProxy's bare TCP checks do. Never throws.
 */
export function sortConnection(socket: Socket, mode: ProxyMode, on: SorterCallbacks): void {
  let buf: Buffer = Buffer.alloc(0);
  let proxyDone = false;

  const stop = (): void => {
    socket.off('data', onData);
    socket.pause();
  };

  function onData(chunk: Buffer): void {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    if (!proxyDone) {
      const r = parseProxyHeader(buf);
      if (r.kind === 'incomplete') {
        if (buf.length > MAX_SNIFF_BYTES) { stop(); on.reject('PROXY header too long', false); }
        return;
      }
      proxyDone = true;
      if (r.kind === 'ok') {
        if (mode === 'forbid') { stop(); on.reject(`PROXY v${r.version} header received with --proxy forbid`, true); return; }
        on.proxy(r.version, r.addresses);
        buf = buf.subarray(r.length);
      } else if (r.kind === 'invalid') {
        // With forbid, bytes that merely look like a header are the client's own; HTTP will judge them.
        if (mode !== 'forbid') { stop(); on.reject(`bad PROXY header: ${r.reason}`, false); return; }
      } else if (mode === 'require') {
        stop();
        on.reject('no PROXY header with --proxy require', false);
        return;
      }
    }
    const head = buf.toString('latin1', 0, Math.min(4, buf.length));
    if (buf.length < 4 && couldBeApi(head)) return;
    stop();
    if (head === 'API ' || head === 'API2') on.binary(buf);
    else on.http(buf);
  }

  socket.on('data', onData);
  socket.resume();
}
