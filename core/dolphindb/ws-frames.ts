// WebSocket frame boundaries (RFC 6455 §5.2) for the DolphinDB session tracker: one direction of a WebSocket that
// an L4 pipe relays, framed without copying its payload. It tells its owner where each data message starts and
// ends and hands it the first unmasked payload bytes while the owner still wants them (a request's or reply's
// header lines); the rest is skipped in bulk. A compressed message (RSV1: permessage-deflate) or a close frame stops
// the tracking. Forwarder threads, inside session-framing.ts.

/** What the frames are reported to (SessionFraming). Must not throw. */
export interface WsOwner {
  messageStart(client: boolean): void;
  wantsPayload(client: boolean): boolean;
  payloadByte(client: boolean, b: number): void;
}

export const WS_LOST = -1;

const ST = { b0: 0, b1: 1, ext: 2, mask: 3, payload: 4 } as const;

export class WsFrames {
  private readonly client: boolean;
  private st: number = ST.b0;
  private fin = false;
  private opcode = 0;
  private masked = false;
  private extLeft = 0;
  private left = 0;
  private readonly mask = new Uint8Array(4);
  private maskN = 0;
  private maskAt = 0;
  /** A data message is open (its first frame seen, its final frame not yet over). */
  private inMessage = false;
  /** Set when a data message's last payload byte passed; the caller clears it. */
  messageEnded = false;
  lostReason = '';

  /** `client`: frames from the client (masked, payload bytes are requests). */
  constructor(client: boolean) {
    this.client = client;
  }

  private lost(why: string): number {
    this.lostReason = why;
    return WS_LOST;
  }

  /**
   * Consumes buf[pos, end) and returns where it stopped: `end`, or just past a data message's end (messageEnded set),
   * or WS_LOST. Never reads outside the span.
   */
  feed(buf: Uint8Array, pos: number, end: number, owner: WsOwner): number {
    let p = pos;
    while (p < end) {
      switch (this.st) {
        case ST.b0: {
          const b = buf[p++] as number;
          this.fin = (b & 0x80) !== 0;
          this.opcode = b & 0x0f;
          if ((b & 0x70) !== 0) return this.lost('compressed or extended WebSocket frame');
          if (this.opcode === 8) return this.lost('WebSocket close');
          if (this.opcode === 1 || this.opcode === 2) {
            if (this.inMessage) return this.lost('a new message inside a fragmented one');
            this.inMessage = true;
            owner.messageStart(this.client);
          } else if (this.opcode === 0) {
            if (!this.inMessage) return this.lost('a continuation frame outside a message');
          } else if (this.opcode < 8) return this.lost(`WebSocket opcode ${this.opcode}`);
          this.st = ST.b1;
          break;
        }
        case ST.b1: {
          const b = buf[p++] as number;
          this.masked = (b & 0x80) !== 0;
          if (this.masked !== this.client) return this.lost('WebSocket masking on the wrong side');
          const len = b & 0x7f;
          this.left = len < 126 ? len : 0;
          this.extLeft = len === 126 ? 2 : len === 127 ? 8 : 0;
          this.maskN = 0;
          this.maskAt = 0;
          this.st = this.extLeft > 0 ? ST.ext : this.masked ? ST.mask : ST.payload;
          if (this.st === ST.payload && this.left === 0 && this.frameOver()) return p;
          break;
        }
        case ST.ext: {
          const b = buf[p++] as number;
          // 8-byte lengths: the high bytes must be 0 (no single frame beyond 2^40 bytes is framed).
          if (this.extLeft > 5 && b !== 0) return this.lost('WebSocket frame too long');
          this.left = this.left * 256 + b;
          if (--this.extLeft === 0) {
            this.st = this.masked ? ST.mask : ST.payload;
            if (this.st === ST.payload && this.left === 0 && this.frameOver()) return p;
          }
          break;
        }
        case ST.mask: {
          this.mask[this.maskN++] = buf[p++] as number;
          if (this.maskN === 4) {
            this.st = ST.payload;
            if (this.left === 0 && this.frameOver()) return p;
          }
          break;
        }
        case ST.payload: {
          const data = this.opcode < 8;
          // The scan wants a few header bytes at most: unmask and hand them one by one, then skip the rest.
          while (data && this.left > 0 && p < end && owner.wantsPayload(this.client)) {
            const b = buf[p++] as number;
            owner.payloadByte(this.client, this.masked ? b ^ (this.mask[this.maskAt++ & 3] as number) : b);
            this.left--;
          }
          const take = Math.min(this.left, end - p);
          p += take;
          this.maskAt += take;
          this.left -= take;
          if (this.left === 0 && this.frameOver()) return p;
          break;
        }
      }
    }
    return p;
  }

  /** The frame's payload is over; true when it ended a data message. */
  private frameOver(): boolean {
    this.st = ST.b0;
    if (this.opcode >= 8 || !this.fin) return false;
    this.inMessage = false;
    this.messageEnded = true;
    return true;
  }
}
