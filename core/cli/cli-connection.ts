// One runtime API client (HAProxy 2.6 management guide §9.3), as haproxy 2.6.12 serves it (measured with socat):
// a line is one or more `;`-separated commands, each answered by its text and an empty line. Without `prompt` the
// client gets the answers to the lines it has sent so far and the connection closes; after `prompt` it stays open
// and every answer is followed by `> `. `quit` closes at once without a word. A line that does not fit in
// tune.bufsize with its LF is dropped with the connection (2.6.12 closes it without an answer); a line cut by the
// client's EOF is not run. The client is cut after `stats timeout` without activity (a silent client), or when an
// answer waits that long for it to read (a client that sends but never reads). Answers are written one at a time:
// while the socket holds unsent bytes the next line waits, so a slow reader holds at most one answer in this
// thread's memory. A line ending in `<<` opens a payload (2.6's `set ssl cert F <<`): the lines after it up to an
// empty line are handed to the line's last command; prompt mode answers each of those lines with `+ `, and a payload
// cut by the client's EOF is not run (both measured on 2.6.12). The line and its payload together must fit
// tune.bufsize. Stats thread.

import type net from 'node:net';
import type { CliCommand, CliContext } from './cli-command.js';
import { runCommand } from './cli-dispatch.js';
import { splitCommands } from './cli-line.js';

export interface CliConnectionOptions {
  readonly commands: readonly CliCommand[];
  /** tune.bufsize: a line with its LF must be shorter. */
  readonly bufsize: number;
  /** `stats timeout`. */
  readonly idleMs: number;
  /** Called once when the connection is gone (the server frees its maxconn slot). */
  readonly onClose: () => void;
}

/** HAProxy's prompt in interactive mode, and the one it writes while a payload is being read. */
const PROMPT = '> ';
const PAYLOAD_PROMPT = '+ ';
/** The end of a line that opens a payload (HAProxy's PAYLOAD_PATTERN). */
const PAYLOAD_PATTERN = '<<';
/** Answer bytes a client may leave unread before the next command of its line waits for it. */
const WRITE_HIGH_WATER = 64 * 1024;

export class CliConnection {
  private readonly socket: net.Socket;
  private readonly ctx: CliContext;
  private readonly o: CliConnectionOptions;
  /** Received bytes not yet consumed as lines (latin1: one char per byte, so lengths are byte counts). */
  private pending = '';
  private busy = false;
  private ended = false;
  private closed = false;
  /** Cuts the client when its answer waits too long to be read. */
  private stuck: NodeJS.Timeout | undefined;
  /** The line that opened a payload (without `<<`), the payload lines so far and their bytes with the line's. */
  private payload: { readonly head: string; readonly lines: string[]; bytes: number } | undefined;

  constructor(socket: net.Socket, ctx: CliContext, options: CliConnectionOptions) {
    this.socket = socket;
    this.ctx = ctx;
    this.o = options;
    socket.setEncoding('latin1');
    socket.setTimeout(options.idleMs);
    socket.on('timeout', () => socket.destroy());
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('end', () => {
      this.ended = true;
      this.pump();
    });
    socket.once('close', () => {
      this.closed = true;
      clearTimeout(this.stuck);
      options.onClose();
    });
    socket.resume();
  }

  private onData(chunk: string): void {
    this.pending += chunk;
    this.pump();
  }

  /** Runs the next complete line (with its payload) unless one is running or its answer is still being written. */
  private pump(): void {
    if (this.busy || this.closed) return;
    for (;;) {
      const nl = this.pending.indexOf('\n');
      const held = this.payload?.bytes ?? 0;
      if (nl < 0 || held + nl + 1 >= this.o.bufsize) {
        // A line (or payload) longer than the buffer can never be read whole: haproxy drops the connection.
        if (nl >= 0 || held + this.pending.length + 1 >= this.o.bufsize) return void this.socket.destroy();
        if (this.ended) this.finish();
        return;
      }
      const line = this.pending.slice(0, nl);
      this.pending = this.pending.slice(nl + 1);
      const bare = line.endsWith('\r') ? line.slice(0, -1) : line;
      const open = this.payload;
      if (open !== undefined && bare !== '') {
        open.lines.push(bare);
        open.bytes += nl + 1;
        if (this.ctx.client.interactive) this.socket.write(PAYLOAD_PROMPT);
        continue;
      }
      if (open === undefined && bare.endsWith(PAYLOAD_PATTERN)) {
        this.payload = { head: bare.slice(0, -PAYLOAD_PATTERN.length), lines: [], bytes: nl + 1 };
        if (this.ctx.client.interactive) this.socket.write(PAYLOAD_PROMPT);
        continue;
      }
      this.payload = undefined;
      return this.start(open === undefined ? line : open.head, open === undefined ? undefined : `${open.lines.join('\n')}\n`);
    }
  }

  /** Runs one line; reading stops meanwhile, so what the client sends waits in the kernel, not in this heap. */
  private start(line: string, payload: string | undefined): void {
    this.busy = true;
    this.socket.pause();
    void this.runLine(line, payload).then(async (keepOpen) => {
      if (keepOpen && !(await this.drained())) return;
      this.busy = false;
      if (this.closed) return;
      if (!keepOpen) return void this.finish();
      this.socket.resume();
      this.pump();
    });
  }

  /**
   * Resolves true once the socket holds no unsent answer bytes; false when the connection is gone. A client that
   * does not read its answer for `stats timeout` is cut, even if it keeps sending (its bytes would reset the idle
   * timer): the answer it holds here is freed with it.
   */
  private drained(): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (this.socket.writableLength === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      this.stuck = setTimeout(() => this.socket.destroy(), this.o.idleMs);
      const done = (ok: boolean): void => {
        clearTimeout(this.stuck);
        this.socket.off('drain', onDrain);
        this.socket.off('close', onClose);
        resolve(ok);
      };
      const onDrain = (): void => done(true);
      const onClose = (): void => done(false);
      this.socket.once('drain', onDrain);
      this.socket.once('close', onClose);
    });
  }

  /**
   * Runs every command of `line` and writes their answers; false when the connection must close after them. A
   * payload goes to the line's last command (as haproxy hands it the rest of its input).
   */
  private async runLine(line: string, payload: string | undefined): Promise<boolean> {
    // Read as latin1 to count bytes; names in the config are UTF-8.
    const commands = splitCommands(Buffer.from(line, 'latin1').toString('utf8'));
    const body = payload === undefined ? undefined : Buffer.from(payload, 'latin1').toString('utf8');
    const { client } = this.ctx;
    let out = '';
    for (let i = 0; i < commands.length; i++) {
      const words = commands[i] ?? [];
      const text = await runCommand(this.o.commands, this.ctx, words, i === commands.length - 1 ? body : undefined);
      if (this.closed) return false;
      if (client.quit) break;
      out += `${text}\n`;
      if (client.interactive) out += PROMPT;
      // Long answers go out as they come and wait for the client to read them: a line of 16000 empty commands is
      // 16000 help texts (144 MB from haproxy 2.6.12, measured), never held here at once.
      if (out.length >= this.o.bufsize) {
        this.socket.write(out);
        out = '';
        if (this.socket.writableLength >= WRITE_HIGH_WATER && !(await this.drained())) return false;
      }
    }
    if (out !== '') this.socket.write(out);
    if (client.quit) return false;
    // Without prompt, haproxy answers the lines it already holds and then closes.
    return client.interactive || this.pending.includes('\n');
  }

  /** Ends the connection once every answer is written (a half-closed client still gets them). */
  private finish(): void {
    if (this.closed) return;
    this.socket.end();
  }
}
