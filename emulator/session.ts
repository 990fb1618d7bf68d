// One DolphinDB session of the emulated node: its random decimal id, the logged-in user, script variables, and the
// handling of connect/script/function/variable requests (protocol notes §3, §4, §7). A binary or WebSocket
// connection owns one session; the JSON API keeps them by id. Runs on the emulated node's thread.

import { randomInt } from 'node:crypto';
import {
  PRE_LOGIN_FUNCTIONS, WRONG_PASSWORD, callFunction, type CallContext, type NodeFacts, type SessionState,
} from './builtin-functions.js';
import { evaluateScript } from './evaluator.js';
import { ddbBool, type DdbObject } from '../core/dolphindb/objects.js';
import { ScriptError } from './script-error.js';
import type { DdbApi, DdbRequest, DdbRequestBody } from '../core/dolphindb/wire-request.js';
import { encodeErrorReply, encodeMessageChunk, encodeReply } from '../core/dolphindb/wire-reply.js';

export type SessionReply =
  | { readonly kind: 'ok'; readonly object: DdbObject | undefined }
  | { readonly kind: 'error'; readonly message: string };

/** What a request produced: `print` messages (sent first, as MSG chunks) and the reply. */
export interface SessionAnswer {
  readonly messages: readonly string[];
  readonly reply: SessionReply;
}

export const LOGIN_REQUIRED = 'Login is required for script execution with client authentication enabled';

/** A fresh session id: decimal, like the real server's, and never the "new session" id 0. */
function newSessionId(): string {
  return String(randomInt(100_000_000, 2_147_483_647));
}

export class Session implements SessionState {
  sid: string = newSessionId();
  user: string | undefined;
  vars = new Map<string, DdbObject>();
  defs = new Set<string>();
  /** Where the client is: the PROXY source when a header came, else the socket peer. */
  readonly remoteIP: string;
  readonly remotePort: number;
  private readonly node: NodeFacts;
  /** True until the first request: a new session accepts whatever id that request carries (normally 0). */
  private fresh = true;

  constructor(node: NodeFacts, remote: { ip: string; port: number }) {
    this.node = node;
    this.remoteIP = remote.ip;
    this.remotePort = remote.port;
  }

  /** A request naming an id this session does not have starts a new session, as the real server does. */
  private adopt(sessionId: string): void {
    if (!this.fresh && sessionId !== this.sid) {
      this.sid = newSessionId();
      this.user = undefined;
      this.vars = new Map();
      this.defs = new Set();
    }
    this.fresh = false;
  }

  /** Runs one request. Never throws: every failure becomes an error reply with DolphinDB's text. */
  run(request: DdbRequest): SessionAnswer {
    this.adopt(request.sessionId);
    const messages: string[] = [];
    const ctx: CallContext = { node: this.node, session: this, print: (text) => { messages.push(text); } };
    try {
      return { messages, reply: this.dispatch(request.body, ctx) };
    } catch (error) {
      const message = error instanceof ScriptError ? error.message : `Internal error in the emulated node: ${String(error)}`;
      return { messages, reply: { kind: 'error', message } };
    }
  }

  private dispatch(body: DdbRequestBody, ctx: CallContext): SessionReply {
    switch (body.kind) {
      case 'connect': {
        if (body.login === undefined) return { kind: 'ok', object: undefined };
        if (this.node.users.get(body.login.user) !== body.login.password) throw new ScriptError(WRONG_PASSWORD);
        this.user = body.login.user;
        // BOOL true: python-sdk reads one object after a login connect and wants it true; others ignore it.
        return { kind: 'ok', object: ddbBool(true) };
      }
      case 'script':
        if (this.node.clientAuth && this.user === undefined) throw new ScriptError(LOGIN_REQUIRED);
        return { kind: 'ok', object: evaluateScript(body.script, ctx) };
      case 'function':
        if (this.node.clientAuth && this.user === undefined && !PRE_LOGIN_FUNCTIONS.has(body.name)) {
          throw new ScriptError(LOGIN_REQUIRED);
        }
        return { kind: 'ok', object: callFunction(body.name, body.args, ctx) };
      case 'variable':
        body.names.forEach((name, i) => {
          const value = body.values[i];
          if (value !== undefined) this.vars.set(name, value);
        });
        return { kind: 'ok', object: undefined };
      case 'unknown':
        throw new ScriptError(`Unrecognized request command ${JSON.stringify(body.command)}`);
    }
  }

  /**
   * The bytes of an answer: MSG chunks (API2 only: plain API clients do not expect them) then the reply.
   * Never throws: an object that cannot be encoded becomes an error reply.
   */
  encode(answer: SessionAnswer, api: DdbApi): Buffer[] {
    const chunks = api === 'API2' ? answer.messages.map(encodeMessageChunk) : [];
    const reply = answer.reply;
    try {
      chunks.push(reply.kind === 'ok' ? encodeReply(this.sid, reply.object) : encodeErrorReply(this.sid, reply.message));
    } catch (error) {
      chunks.push(encodeErrorReply(this.sid, `The result cannot be serialized: ${String(error)}`));
    }
    return chunks;
  }
}
