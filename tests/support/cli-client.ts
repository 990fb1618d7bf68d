// Test support: a runtime API client for haproxy's and orcalb's `stats socket` (HAProxy 2.6 management guide
// §9.3), the one owner of "talk to a stats socket" in tests: `socat` as operators drive it (`echo CMD | socat stdio
// UNIX-CONNECT:PATH`), a plain node:net client that does the same (a line, then a half-close, then read until the
// server closes), and an interactive session after `prompt` (each answer ends with `\n> `). Targets are a UNIX path
// or a 127.0.0.1 TCP port. Test-runner thread.

import { execFile } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import type { CliContext } from '../../core/cli/cli-command.js';
import { runCommand } from '../../core/cli/cli-dispatch.js';
import { CLI_COMMANDS } from '../../core/cli/command-table.js';

/** A stats socket: a UNIX path, or a TCP port on 127.0.0.1. */
export type CliTarget = string | { readonly port: number };

const DEFAULT_TIMEOUT_MS = 5000;

function open(target: CliTarget): Socket {
  return typeof target === 'string' ? connect(target) : connect(target.port, '127.0.0.1');
}

function socatAddress(target: CliTarget): string {
  return typeof target === 'string' ? `UNIX-CONNECT:${target}` : `TCP:127.0.0.1:${target.port}`;
}

/**
 * Sends `input` as is (add the `\n` yourself to send a line), half-closes, and resolves with everything the server
 * wrote until it closed. Rejects when it has not closed within timeoutMs (the text so far in the message).
 */
export function cliExchange(target: CliTarget, input: string | Buffer, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = open(target);
    let text = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`stats socket did not close within ${timeoutMs} ms; got ${JSON.stringify(text.slice(0, 500))}`));
    }, timeoutMs);
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => (text += d));
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(text);
    });
    sock.end(input);
  });
}

/** One command line (`show info`, `get weight be/s1; show backend`) and the whole answer, as `echo | socat` gets it. */
export function cliCommand(target: CliTarget, line: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string> {
  return cliExchange(target, `${line}\n`, timeoutMs);
}

/** `printf '%s\n' LINE | socat stdio ADDRESS`: the operator's way, through the real socat binary. */
export function socatCommand(target: CliTarget, line: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('socat', ['-t', '2', 'stdio', socatAddress(target)], { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout) => {
      if (err !== null) reject(new Error(`socat ${socatAddress(target)} failed: ${err.message}`));
      else resolve(stdout);
    });
    child.stdin?.end(`${line}\n`);
  });
}

/** An interactive client (after `prompt`): one command at a time, each answer read up to its `> ` prompt. */
export interface CliSession {
  /** Sends `line` and resolves with the answer before the next prompt (its trailing empty line included). */
  ask(line: string, timeoutMs?: number): Promise<string>;
  /** Resolves when the server has closed the connection. */
  readonly closed: Promise<void>;
  /** Sends raw bytes without waiting for an answer. */
  write(data: string | Buffer): void;
  close(): void;
}

const PROMPT = '\n> ';

/** Connects, sends `prompt`, waits for the first prompt. */
export async function openCliSession(target: CliTarget, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<CliSession> {
  const sock = open(target);
  sock.setEncoding('utf8');
  let buffered = '';
  let waiter: (() => void) | undefined;
  sock.on('data', (d: string) => {
    buffered += d;
    waiter?.();
  });
  const closed = new Promise<void>((resolve) => sock.once('close', () => resolve()));
  sock.on('error', () => sock.destroy());
  void closed.then(() => waiter?.());
  const nextAnswer = (ms: number): Promise<string> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiter = undefined;
        reject(new Error(`no prompt within ${ms} ms; got ${JSON.stringify(buffered.slice(0, 500))}`));
      }, ms);
      const check = (): void => {
        const at = buffered.indexOf(PROMPT);
        if (at >= 0) {
          const answer = buffered.slice(0, at + 1);
          buffered = buffered.slice(at + PROMPT.length);
          clearTimeout(timer);
          waiter = undefined;
          resolve(answer);
        } else if (sock.destroyed) {
          clearTimeout(timer);
          waiter = undefined;
          reject(new Error(`connection closed; got ${JSON.stringify(buffered.slice(0, 500))}`));
        }
      };
      waiter = check;
      check();
    });
  sock.write('prompt\n');
  await nextAnswer(timeoutMs);
  return {
    ask: (line, ms = timeoutMs) => {
      sock.write(`${line}\n`);
      return nextAnswer(ms);
    },
    closed,
    write: (data) => void sock.write(data),
    close: () => sock.destroy(),
  };
}

/**
 * One command line through orcalb's command table in this thread, with a CliContext the test builds (its `relay`
 * answers as main would, e.g. with the health checker running here): the answer as the server would send it, the
 * empty line included. For effects checked on a buffer the test holds; over a socket use cliCommand/socatCommand.
 */
export async function inProcessCommand(ctx: CliContext, line: string): Promise<string> {
  const words = line.split(' ').filter((w) => w !== '');
  return `${await runCommand(CLI_COMMANDS, ctx, words)}\n`;
}
