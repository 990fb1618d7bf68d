// Main thread's answer to the runtime API's control requests (core/cli/cli-relay.ts ControlRelayRequest): the server
// changes and the health thread's part of `clear counters all` go to the health thread, the limits and the frontend
// pause are main's own. workers/cli-relay.ts (answerCliRelay) hands these kinds here. Main thread.

import type { CliRelayAnswer, CliRelayRequest, ControlRelayRequest, HealthRelayRequest, MainRelayRequest } from '../core/cli/cli-relay.js';

/** What answers them (workers/supervisor.ts Supervisor): named here so this file imports no supervisor (no cycle). */
export interface ControlTarget {
  askHealth(request: HealthRelayRequest): Promise<CliRelayAnswer>;
  answerMain(request: MainRelayRequest): Promise<CliRelayAnswer>;
}

/** True for the kinds answered here. */
export function isControlRelay(request: CliRelayRequest): request is ControlRelayRequest {
  switch (request.kind) {
    case 'server':
    case 'clear-health-counters':
    case 'discovery-status':
    case 'maxconn-frontend':
    case 'maxconn-global':
    case 'frontend-state':
    case 'ssl-cert':
    case 'sessions':
    case 'add-server':
    case 'del-server':
    case 'peers':
      return true;
    default:
      return false;
  }
}

/** Answers one control request. Never rejects: a failure is an answer with HAProxy-style text. */
export async function answerControlRelay(request: ControlRelayRequest, supervisor: ControlTarget): Promise<CliRelayAnswer> {
  try {
    if (request.kind === 'server' || request.kind === 'clear-health-counters' || request.kind === 'discovery-status') return await supervisor.askHealth(request);
    return await supervisor.answerMain(request);
  } catch (e) {
    return { ok: false, message: `${e instanceof Error ? e.message : String(e)}\n` };
  }
}
