// The PID file of `-p FILE` / global `pidfile` (management.txt §3, §4: init scripts run `orcalb -sf $(cat FILE)`).
// Written before the threads start (listeners open, privileges not yet dropped: the file may live in a root-only
// directory; a start that fails after it puts back what the file said before, e.g. the PID of the process -sf was to
// replace, which serves on), removed at exit only while it still holds this PID, so an orcalb that `-sf` replaced never deletes
// its successor's file. haproxy 2.6.12 leaves the file behind at exit (measured); removing it keeps a stale PID from
// being signalled later. Main thread.

import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';

export class PidFile {
  private readonly path: string;
  private written = false;
  /** What the file said before write() (the process -sf replaces), undefined when there was none. */
  private previous: string | undefined;

  constructor(path: string) {
    this.path = path;
  }

  /** Writes "PID\n" (mode 0644) through a temporary name, so a reader never sees an empty file. Throws on failure. */
  write(): void {
    try {
      this.previous = readFileSync(this.path, 'utf8');
    } catch {
      this.previous = undefined;
    }
    this.replace(`${process.pid}\n`);
    this.written = true;
  }

  /** A start that failed after write(): the file says again what it said before (or is removed). Never throws. */
  revert(): void {
    if (this.previous === undefined) return this.remove();
    if (!this.written) return;
    this.written = false;
    try {
      if (readFileSync(this.path, 'utf8').trim() === String(process.pid)) this.replace(this.previous);
    } catch {
      // Gone or unreadable: nothing to put back.
    }
  }

  private replace(text: string): void {
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, text, { mode: 0o644 });
    renameSync(tmp, this.path);
  }

  /** Removes the file if it still names this process. Never throws (exit path). */
  remove(): void {
    if (!this.written) return;
    this.written = false;
    try {
      if (readFileSync(this.path, 'utf8').trim() === String(process.pid)) unlinkSync(this.path);
    } catch {
      // Gone already, or unreadable after the privilege drop: nothing to undo.
    }
  }
}
