// A DolphinDB client over WebSocket for tests that need what the npm `dolphindb` client cannot do: send the
// browser's headers with the upgrade (the web console's persistence cookie) and read every reply's session id. One
// binary message per request (the project's codec), MSG chunks skipped, a bound on every call. Test threads only.

import WebSocket from 'ws';
import type { DdbObject } from '../../core/dolphindb/objects.js';
import { ReplyParser, type DdbReply } from '../../core/dolphindb/wire-reply.js';
import { encodeRequest, type DdbRequestBody } from '../../core/dolphindb/wire-request.js';
import { within } from './wait.js';

export class DdbWsClient {
  sid = '0';
  private readonly ws: WebSocket;
  private readonly parser = new ReplyParser();
  private waiting: ((r: DdbReply | Error) => void) | undefined;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data: Buffer) => {
      this.parser.push(data);
      for (let step = this.parser.next(); step.kind !== 'incomplete'; step = this.parser.next()) {
        if (step.kind === 'message') continue;
        this.waiting?.(step.kind === 'error' ? step.error : step.reply);
      }
    });
    ws.on('close', () => this.waiting?.(new Error('WebSocket closed')));
    ws.on('error', () => undefined);
  }

  /** Opens ws://127.0.0.1:port/ with `headers` on the upgrade request (e.g. Cookie); rejects after `timeoutMs`. */
  static async open(port: number, headers: Readonly<Record<string, string>> = {}, timeoutMs = 5000): Promise<DdbWsClient> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false, headers });
    await within(new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    }), timeoutMs, `WebSocket to 127.0.0.1:${port}`);
    return new DdbWsClient(ws);
  }

  /** Sends one request with the current session id; resolves with the reply (adopting its session id). */
  async call(body: DdbRequestBody, timeoutMs = 5000): Promise<DdbReply> {
    const reply = await within(new Promise<DdbReply>((resolve, reject) => {
      this.waiting = (r) => {
        this.waiting = undefined;
        if (r instanceof Error) reject(r);
        else resolve(r);
      };
      this.ws.send(encodeRequest(this.sid, body, { api: 'API2' }));
    }), timeoutMs, `WebSocket call ${body.kind}`);
    this.sid = reply.sessionId;
    return reply;
  }

  /** A script; resolves with the OK reply's object, rejects with an error reply's text. */
  async run(script: string, timeoutMs = 5000): Promise<DdbObject | undefined> {
    const reply = await this.call({ kind: 'script', script }, timeoutMs);
    if (reply.kind === 'error') throw new Error(reply.message);
    return reply.object;
  }

  /** The next reply, without sending anything (a reply still owed to an earlier message); rejects after `timeoutMs`. */
  async next(timeoutMs = 5000): Promise<DdbReply> {
    return await within(new Promise<DdbReply>((resolve, reject) => {
      this.waiting = (r) => {
        this.waiting = undefined;
        if (r instanceof Error) reject(r);
        else resolve(r);
      };
    }), timeoutMs, 'WebSocket reply');
  }

  /** Sends one message of raw bytes (a hostile test's garbage); the next call() reads the reply it gets, if any. */
  sendRaw(bytes: Buffer | string): void {
    this.ws.send(bytes);
  }

  close(): void {
    this.ws.terminate();
  }
}
