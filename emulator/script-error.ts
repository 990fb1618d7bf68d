// The error a DolphinDB script or function call raises inside the emulated node. Its message is the exact text the
// node answers on the status line (clients match some of them, e.g. "Can't recognize function name"), so it is
// reported to the client, never logged as a fault. Runs on the emulated node's thread.

/** A DolphinDB-level failure: answered as `<sid> 0 1\n<message>\n`, the connection stays usable. */
export class ScriptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScriptError';
  }
}

/** The text clients match to fall back from SCRAM, isClientAuth and the like. */
export function unknownFunction(name: string): ScriptError {
  return new ScriptError(`Can't recognize function name ${name}`);
}

/** DolphinDB's wording for a token the parser cannot place (`foo bar` → token foo). */
export function unrecognizedToken(line: number, token: string): ScriptError {
  return new ScriptError(`Syntax Error: [line #${line}] Cannot recognize the token ${token}`);
}
