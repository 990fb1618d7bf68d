// The WebSocket side of an emulated node (the npm `dolphindb` client and the web console, protocol notes §6):
// one binary message holds one request; each MSG chunk and the reply go out as messages of their own. Requests
// of a connection are answered one at a time, in order. Runs on the emulated node's thread.

import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { answerRequest, type Delivery } from './reply-policy.js';
import type { ConnectionRecord, NodeRuntime } from './node-runtime.js';
import { encodeErrorReply } from '../core/dolphindb/wire-reply.js';
import { DdbWireError } from '../core/dolphindb/wire-error.js';
import { parseRequestMessage } from '../core/dolphindb/wire-request.js';

/** The largest message accepted, like the request limit of the binary side. */
const MAX_PAYLOAD = 64 * 1024 * 1024;

/**
 * A WebSocket server without a listener of its own: upgrades are handed to it by the node's HTTP side.
 * It echoes the first subprotocol the client offers (`python`, `q`, `streaming`): the `ws` client fails the
 * handshake when it offered one and got none back. permessage-deflate is declined, as clients accept.
 */
export function createWebSocketServer(): WebSocketServer {
  return new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: MAX_PAYLOAD,
    handleProtocols: (protocols: Set<string>) => {
      for (const p of protocols) return p;
      return false;
    },
  });
}

function bytesOf(data: RawData): Buffer {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? Buffer.from(data) : data;
}

function deliver(ws: WebSocket, delivery: Delivery): void {
  switch (delivery.kind) {
    case 'send':
      for (const chunk of delivery.chunks) ws.send(chunk, { binary: true });
      if (delivery.thenClose) ws.close();
      return;
    case 'silent':
      return;
    case 'truncate':
      ws.send(delivery.bytes, { binary: true }, () => ws.terminate());
      return;
    case 'destroy':
      ws.terminate();
      return;
  }
}

/**
 * Serves DolphinDB requests on an upgraded connection. A message that is not a request is answered with an error
 * reply and the connection stays open (message boundaries keep the framing). Never throws.
 */
export function serveWebSocket(ws: WebSocket, record: ConnectionRecord, runtime: NodeRuntime): void {
  record.protocol = 'websocket';
  const session = runtime.openSession(record);
  let queue: Promise<void> = Promise.resolve();

  const handle = async (message: Buffer): Promise<void> => {
    if (ws.readyState !== ws.OPEN) return;
    let request;
    try {
      request = parseRequestMessage(message);
    } catch (error) {
      const text = error instanceof DdbWireError ? error.message : String(error);
      ws.send(encodeErrorReply(session.sid, text), { binary: true });
      return;
    }
    runtime.countRequest();
    const delivery = await answerRequest(session, request, {
      knobs: runtime.knobs, nodeName: runtime.name, overLimit: record.overLimit, signal: runtime.signal,
    });
    if (ws.readyState === ws.OPEN) deliver(ws, delivery);
  };

  ws.on('message', (data: RawData) => {
    const message = bytesOf(data);
    // Chained so that a slow (delayed) answer never lets a later request overtake it.
    queue = queue.then(() => handle(message)).catch(() => { ws.terminate(); });
  });
  ws.on('error', () => { ws.terminate(); });
  ws.on('close', () => { runtime.closeSession(session); });
}
