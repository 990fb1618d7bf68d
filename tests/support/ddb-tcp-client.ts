// A minimal DolphinDB binary-API client for tests, built on the project's own codec: connect over TCP (optionally
// after a PROXY header), send one request, read MSG chunks and the reply with a timeout. Test threads only.

import { connect, type Socket } from 'node:net';
import type { DdbObject } from '../../core/dolphindb/objects.js';
import { ReplyParser, type DdbReply } from '../../core/dolphindb/wire-reply.js';
import { encodeRequest, type DdbApi, type DdbRequestBody } from '../../core/dolphindb/wire-request.js';

export interface DdbExchange {
  readonly messages: string[];
  readonly reply: DdbReply;
}

export class DdbTcpClient {
  sid = '0';
  readonly socket: Socket;
  private readonly parser = new ReplyParser();
  private wake: (() => void) | undefined;
  private closed = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => { this.parser.push(chunk); this.wake?.(); });
    socket.on('close', () => { this.closed = true; this.wake?.(); });
    socket.on('error', () => { /* surfaced as 'closed' to the waiting read */ });
  }

  /** Opens a connection to 127.0.0.1:port and writes `prefix` (e.g. a PROXY header) first when given. */
  static async open(port: number, prefix?: Buffer): Promise<DdbTcpClient> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    if (prefix !== undefined) socket.write(prefix);
    return new DdbTcpClient(socket);
  }

  /**
   * Opens a session through `port`, logs in as admin and asks the node for its alias (getNodeAlias()); the client
   * stays open for the caller. Rejects on a failed login or a reply that is not a string.
   */
  static async aliasSession(port: number): Promise<{ client: DdbTcpClient; node: string }> {
    const client = await DdbTcpClient.open(port);
    try {
      const login = await client.call({ kind: 'connect', login: { user: 'admin', password: '123456' } });
      if (login.reply.kind === 'error') throw new Error(login.reply.message);
      const alias = await client.run('getNodeAlias()');
      if (alias?.form !== 'scalar' || typeof alias.value !== 'string') throw new Error('getNodeAlias() gave no string');
      return { client, node: alias.value };
    } catch (err) {
      client.close();
      throw err;
    }
  }

  /** Writes raw bytes (for framing tests). */
  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Sends one request with the current session id and waits for its reply; adopts the reply's session id. */
  async call(body: DdbRequestBody, init: { api?: DdbApi; options?: string | null; timeoutMs?: number } = {}): Promise<DdbExchange> {
    const encodeInit = init.options === undefined ? { api: init.api ?? 'API2' } : { api: init.api ?? 'API2', options: init.options };
    this.socket.write(encodeRequest(this.sid, body, encodeInit));
    const exchange = await this.read(init.timeoutMs ?? 3000);
    this.sid = exchange.reply.sessionId;
    return exchange;
  }

  /** `script` request; resolves with the object of an OK reply, rejects with the error text of a failed one. */
  async run(script: string): Promise<DdbObject | undefined> {
    const { reply } = await this.call({ kind: 'script', script });
    if (reply.kind === 'error') throw new Error(reply.message);
    return reply.object;
  }

  /** Reads MSG chunks up to and including the next reply. Rejects on timeout, close or a protocol error. */
  async read(timeoutMs: number): Promise<DdbExchange> {
    const messages: string[] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const step = this.parser.next();
      if (step.kind === 'message') { messages.push(step.text); continue; }
      if (step.kind === 'reply') return { messages, reply: step.reply };
      if (step.kind === 'error') throw step.error;
      if (this.closed) throw new Error('connection closed before a complete reply');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no complete reply within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => { clearTimeout(timer); resolve(); };
      });
      this.wake = undefined;
    }
  }

  /** Bytes received and not yet parsed into a reply (e.g. half a reply before a close). */
  get pendingBytes(): number {
    return this.parser.buffered;
  }

  /** Resolves true once the server has closed the connection, false after `timeoutMs` without a close. */
  async closedWithin(timeoutMs: number): Promise<boolean> {
    if (this.closed) return true;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.socket.once('close', () => { clearTimeout(timer); resolve(true); });
    });
  }

  close(): void {
    this.socket.destroy();
  }
}
