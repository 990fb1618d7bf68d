// A child process's stderr as the end-to-end tests read it: all text so far, its complete lines, and waits for a line
// that matches or for the lines to satisfy a predicate. Shared by orcalb-process.ts and haproxy-process.ts.
// Test-runner thread.

import type { ChildProcess } from 'node:child_process';

export interface ChildStderr {
  /** Everything written on stderr so far. */
  text(): string;
  /** The complete lines written so far, in order (a line still being written is left out). */
  lines(): string[];
  /**
   * Resolves with the first line (from the very start of the process) matching `re`; rejects after timeoutMs or
   * when the process has ended (its 'close': stderr fully read) without such a line, with the text in the message.
   */
  waitFor(re: RegExp, timeoutMs: number): Promise<string>;
  /**
   * Resolves once `predicate` holds over lines() (re-checked on every chunk); rejects after timeoutMs or when the
   * process has ended without it holding, naming `what` and quoting the text.
   */
  waitForLines(predicate: (lines: readonly string[]) => boolean, timeoutMs: number, what: string): Promise<void>;
}

/** Starts collecting `child.stderr` (it must be a pipe); `name` prefixes the error messages. */
export function watchStderr(child: ChildProcess, name: string): ChildStderr {
  const stream = child.stderr;
  if (stream === null) throw new Error(`${name}: stderr is not a pipe`);
  let text = '';
  let closed: { code: number | null; sig: NodeJS.Signals | null } | undefined;
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    text += chunk;
  });
  child.once('close', (code: number | null, sig: NodeJS.Signals | null) => {
    closed = { code, sig };
  });

  const lines = (): string[] => {
    const all = text.split('\n');
    // After the last '\n' is either nothing or a line still being written; at the end stderr is complete.
    const last = all.pop();
    if (closed !== undefined && last !== undefined && last !== '') all.push(last);
    return all;
  };

  /** Resolves with find()'s first defined answer, re-asked on every chunk and once stderr has closed. */
  const until = <T>(find: () => T | undefined, timeoutMs: number, what: string): Promise<T> =>
    new Promise((resolveFound, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        stream.off('data', check);
        child.off('close', onClose);
      };
      const check = (): void => {
        const found = find();
        if (found === undefined) return;
        done();
        resolveFound(found);
      };
      const onClose = (code: number | null, sig: NodeJS.Signals | null): void => {
        done();
        const found = find();
        if (found !== undefined) resolveFound(found);
        else reject(new Error(`${name} exited (code ${code}, signal ${sig}) before ${what}; stderr:\n${text}`));
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${name}: no ${what} within ${timeoutMs} ms; stderr:\n${text}`));
      }, timeoutMs);
      // Listeners are added after ours on 'data', so `text` already holds the new chunk when check runs.
      stream.on('data', check);
      child.on('close', onClose);
      check();
      if (closed !== undefined) onClose(closed.code, closed.sig);
    });

  return {
    text: () => text,
    lines,
    // Any line of the text, the last one included even while unterminated (as before lines() existed).
    waitFor: (re, timeoutMs) => until(() => text.split('\n').find((l) => re.test(l)), timeoutMs, `stderr line matching ${String(re)}`),
    waitForLines: async (predicate, timeoutMs, what) => {
      await until(() => (predicate(lines()) ? true : undefined), timeoutMs, what);
    },
  };
}
