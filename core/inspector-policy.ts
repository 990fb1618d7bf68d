// Who may open the V8 inspector in orcalb: nobody, unless the development switch ORCALB_ALLOW_INSPECTOR=1 is set.
// An open inspector runs any code sent to it with orcalb's privileges (root before `user` is dropped), so an
// inspector flag on the command line or in NODE_OPTIONS makes orcalb refuse to start. Pure; any thread.

/** The environment variable that allows the inspector. Development only: README says never in production. */
export const ALLOW_INSPECTOR_ENV = 'ORCALB_ALLOW_INSPECTOR';

/**
 * Node flags that open the inspector or arm it for SIGUSR1: --inspect, --inspect-brk, --inspect-wait,
 * --inspect-port, --inspect-publish-uid and the old --debug-port spelling, with or without `=value`.
 */
const INSPECTOR_FLAG = /^--(?:inspect(?:-[a-z-]+)?|debug-port|debug-brk|debug)(?:=.*)?$/;

/** True when ORCALB_ALLOW_INSPECTOR is exactly "1" in `env`. */
export function inspectorAllowed(env: NodeJS.ProcessEnv): boolean {
  return env[ALLOW_INSPECTOR_ENV] === '1';
}

/** True for one argv word that is an inspector flag (see INSPECTOR_FLAG). */
export function isInspectorFlag(arg: string): boolean {
  return INSPECTOR_FLAG.test(arg);
}

/**
 * The inspector flags among `execArgv` (node's own flags, before the script) and the words of NODE_OPTIONS.
 * NODE_OPTIONS words are split on blanks, quotes removed: enough to see a flag, which never contains a blank.
 */
export function inspectorFlags(execArgv: readonly string[], nodeOptions: string | undefined): string[] {
  const words = (nodeOptions ?? '').split(/\s+/).map((w) => w.replace(/^["']|["']$/g, ''));
  return [...execArgv, ...words].filter(isInspectorFlag);
}

/**
 * execArgv for a worker thread: the main thread's flags without any inspector flag, unless the inspector is
 * allowed. A worker does not open a port from these flags today; dropping them keeps it that way on any Node.
 */
export function workerExecArgv(execArgv: readonly string[], allowed: boolean): string[] {
  return allowed ? [...execArgv] : execArgv.filter((a) => !isInspectorFlag(a));
}
