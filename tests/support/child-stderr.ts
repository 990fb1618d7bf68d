// A child process's stderr as the end-to-end tests read it: all text so far, and a wait for the first line that
// matches. Shared by orcalb-process.ts and haproxy-process.ts. Test-runner thread.

import type { ChildProcess } from 'node:child_process';

export interface ChildStderr {
  /** Everything written on stderr so far. */
  text(): string;
  /**
   * Resolves with the first line (from the very start of the process) matching `re`; rejects after timeoutMs or
   * when the process has ended (its 'close': stderr fully read) without such a line, with the text in the message.
   */
  waitFor(re: RegExp, timeoutMs: number): Promise<string>;
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

  const waitFor = (re: RegExp, timeoutMs: number): Promise<string> =>
    new Promise((resolveLine, reject) => {
      const find = (): string | undefined => text.split('\n').find((l) => re.test(l));
      const done = (): void => {
        clearTimeout(timer);
        stream.off('data', check);
        child.off('close', onClose);
      };
      const check = (): void => {
        const line = find();
        if (line === undefined) return;
        done();
        resolveLine(line);
      };
      const onClose = (code: number | null, sig: NodeJS.Signals | null): void => {
        const line = find();
        done();
        if (line !== undefined) resolveLine(line);
        else reject(new Error(`${name} exited (code ${code}, signal ${sig}) before ${String(re)}; stderr:\n${text}`));
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${name}: no stderr line matching ${String(re)} within ${timeoutMs} ms; stderr:\n${text}`));
      }, timeoutMs);
      // Listeners are added after ours on 'data', so `text` already holds the new chunk when check runs.
      stream.on('data', check);
      child.on('close', onClose);
      check();
      if (closed !== undefined) onClose(closed.code, closed.sig);
    });

  return { text: () => text, waitFor };
}
