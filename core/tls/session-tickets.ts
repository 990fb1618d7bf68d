// TLS session tickets on ssl binds: the keys main makes at start (the same 48 bytes in every forwarder, so a ticket
// issued on one thread resumes on any other) and who encrypts and decrypts tickets with them. Node's own ticket
// handler (`ticketKeys`) decrypts a ticket without asking OpenSSL to renew it, and OpenSSL then sends no new ticket
// after a TLS 1.3 resumption: a client that keeps one session (curl, wrk, anything on OpenSSL's SSL_SESSION) got a full
// handshake on every other connection, where haproxy (OpenSSL's default: a new ticket after every TLS 1.3 resumption)
// resumes them all. Measured with wrk `Connection: close` c=4: haproxy 2.6.12 resumed every connection, orcalb 1 in 2.
// So the bind's contexts get a handler that asks for the renewal, with the same keys and cipher as Node's (HMAC-SHA256,
// AES-128-CBC), so tickets stay valid across both. Forwarder threads.

import { randomFillSync } from 'node:crypto';
import type tls from 'node:tls';

/** The ticket keys every forwarder shares: 48 bytes (Node's layout: name, HMAC secret, AES key). */
export const TICKET_KEY_BYTES = 48;

/** The parts of a key set, each 16 bytes. */
const PART = 16;

/**
 * OpenSSL's ticket-key callback as Node's SecureContext takes it from JavaScript: (key name, IV, encrypting) →
 * [result, HMAC secret, AES key, key name, IV] (the last two only when encrypting). Result 1: use the key; 2: use it
 * and issue a new ticket; 0: unknown key (full handshake).
 */
type TicketKeyReply = readonly [number, Uint8Array, Uint8Array, Uint8Array?, Uint8Array?];

/**
 * Node's native SecureContext (`SecureContext.context`). `enableTicketKeyCallback` and the `onticketkeycallback` it
 * calls are Node's, kept for its own test of ticket renewal (not in @types/node; present in the Node 24 this project
 * pins). Where they are missing the context keeps Node's own handler (tickets still work, without the renewal).
 */
interface NativeTicketContext {
  enableTicketKeyCallback?(): void;
  onticketkeycallback?: (name: Uint8Array, iv: Uint8Array, encrypt: boolean) => TicketKeyReply;
}

/** IVs handed out 16 bytes at a time from one random block (Node copies them), refilled when used up. */
class IvPool {
  private readonly block = new Uint8Array(PART * 256);
  private next = this.block.length;

  take(): Uint8Array {
    if (this.next === this.block.length) {
      randomFillSync(this.block);
      this.next = 0;
    }
    const iv = this.block.subarray(this.next, this.next + PART);
    this.next += PART;
    return iv;
  }
}

/**
 * One key set's handler, shared by every context of the thread's ssl binds. The replies are built once: a ticket
 * costs one call into JavaScript and no allocation but the IV's view.
 */
export class TicketKeys {
  readonly bytes: Buffer;
  private readonly name: Buffer;
  private readonly renew: TicketKeyReply;
  private readonly unknown: TicketKeyReply;
  private readonly ivs = new IvPool();
  private readonly handler: (name: Uint8Array, iv: Uint8Array, encrypt: boolean) => TicketKeyReply;

  constructor(keys: Uint8Array) {
    if (keys.length !== TICKET_KEY_BYTES) throw new Error(`ticket keys must be ${TICKET_KEY_BYTES} bytes, not ${keys.length}`);
    this.bytes = Buffer.from(keys);
    this.name = this.bytes.subarray(0, PART);
    const hmac = this.bytes.subarray(PART, 2 * PART);
    const aes = this.bytes.subarray(2 * PART, 3 * PART);
    // A ticket of ours: use it, and have OpenSSL issue a new one (TLS 1.3 after every resumption, as haproxy does;
    // TLS 1.2 renews it in the abbreviated handshake too, where haproxy keeps the old one).
    this.renew = [2, hmac, aes];
    // Not ours (another process's keys): a full handshake. Node still reads both keys before it returns the 0.
    this.unknown = [0, hmac, aes];
    this.handler = (name, _iv, encrypt) => {
      if (encrypt) return [1, hmac, aes, this.name, this.ivs.take()];
      return this.name.equals(name) ? this.renew : this.unknown;
    };
  }

  /**
   * Gives `ctx` this key set's handler: both the server's own context (the one OpenSSL asks) and every SNI context
   * (Node answers through the context the handshake switched to). Returns false where Node lacks the hook.
   */
  attach(ctx: tls.SecureContext): boolean {
    const native = (ctx as unknown as { context?: NativeTicketContext }).context;
    if (native === undefined || typeof native.enableTicketKeyCallback !== 'function') return false;
    native.onticketkeycallback = this.handler;
    native.enableTicketKeyCallback();
    return true;
  }
}

/** The context a tls.Server made from its own options (`_sharedCreds`, replaced by setSecureContext). */
export function serverContext(server: tls.Server): tls.SecureContext | undefined {
  return (server as tls.Server & { _sharedCreds?: tls.SecureContext })._sharedCreds;
}
