// DolphinDB's JSON API on the emulated node (protocol notes §10, dolphindb/api-json): `POST /` with
// {sessionID, functionName, params} and the answer {sessionID, userId, resultCode, msg, object}. executeCode runs
// a script; other names call the node's functions with typed params. Runs on the emulated node's thread.

import { notAvailableMessage } from './node-knobs.js';
import type { ConnectionRecord, NodeRuntime } from './node-runtime.js';
import { cellText } from '../core/dolphindb/object-text.js';
import {
  ddbScalar, type DdbCell, type DdbColumnData, type DdbObject, type DdbScalarType,
} from '../core/dolphindb/objects.js';
import type { DdbRequestBody } from '../core/dolphindb/wire-request.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface JsonApiAnswer {
  readonly status: number;
  readonly body: Json;
}

function field(obj: unknown, key: string): unknown {
  return typeof obj === 'object' && obj !== null && !Array.isArray(obj) ? (obj as Record<string, unknown>)[key] : undefined;
}

function cellJson(cell: DdbCell): Json {
  if (typeof cell === 'bigint') return Number.isSafeInteger(Number(cell)) ? Number(cell) : cell.toString();
  return cell;
}

function dataJson(data: DdbColumnData, name: string, form: string): { [key: string]: Json } {
  const value: Json[] = data.type === 'ANY' ? data.values.map((v) => objectJson(v, '')) : data.values.map(cellJson);
  return { name, form, type: data.type.toLowerCase(), size: String(data.values.length), value };
}

/** An object in the JSON API's shape: scalars carry their value as text, vectors as arrays, tables as columns. */
export function objectJson(obj: DdbObject, name: string): { [key: string]: Json } {
  switch (obj.form) {
    case 'scalar': return { name, form: 'scalar', type: obj.type.toLowerCase(), value: cellText(obj.type, obj.value) };
    case 'vector': case 'pair': case 'set': return dataJson(obj, name, obj.form);
    case 'dict':
      return { name, form: 'dictionary', type: obj.values.type.toLowerCase(), size: String(obj.keys.values.length),
        value: [dataJson(obj.keys, 'key', 'vector'), dataJson(obj.values, 'value', 'vector')] };
    case 'table':
      return { name, form: 'table', size: String(obj.columns[0]?.data.values.length ?? 0),
        value: obj.columns.map((c) => dataJson(c.data, c.name, 'vector')) };
  }
}

const PARAM_TYPES: Readonly<Record<string, DdbScalarType>> = {
  string: 'STRING', symbol: 'STRING', int: 'INT', long: 'LONG', double: 'DOUBLE', float: 'DOUBLE', bool: 'BOOL',
};

/** One typed param → a scalar. Throws TypeError for a value that does not fit its type (answered as resultCode 1). */
function paramObject(param: unknown): DdbObject {
  const type = PARAM_TYPES[String(field(param, 'type') ?? 'string').toLowerCase()] ?? 'STRING';
  const raw = field(param, 'value');
  const text = typeof raw === 'string' ? raw : JSON.stringify(raw ?? '');
  switch (type) {
    case 'INT': {
      const n = Number(text);
      if (!Number.isInteger(n) || Math.abs(n) > 2147483647) throw new TypeError(`not an int: ${text}`);
      return ddbScalar('INT', n);
    }
    case 'LONG':
      if (!/^-?\d{1,19}$/.test(text)) throw new TypeError(`not a long: ${text}`);
      return ddbScalar('LONG', BigInt.asIntN(64, BigInt(text)));
    case 'DOUBLE': return ddbScalar('DOUBLE', Number(text));
    case 'BOOL': return ddbScalar('BOOL', text === 'true' || text === '1' ? 1 : 0);
    default: return ddbScalar('STRING', text.replaceAll('\0', ''));
  }
}

function bodyOf(functionName: string, params: readonly unknown[]): DdbRequestBody {
  if (functionName === 'executeCode') {
    const raw = field(params[0], 'value');
    // The script is URL-encoded by the clients of this API; a stray % in a plain script is taken as is.
    let script = typeof raw === 'string' ? raw : '';
    try { script = decodeURIComponent(script); } catch { /* keep the raw text */ }
    return { kind: 'script', script };
  }
  return { kind: 'function', name: functionName, args: params.map(paramObject) };
}

/**
 * Answers one JSON API request body (already read, any size check done). Never throws: bad JSON and unknown
 * sessions are answered in the API's own error form (resultCode "1") with HTTP 200, bad shapes with 400.
 */
export function answerJsonApi(text: string, runtime: NodeRuntime, record: ConnectionRecord): JsonApiAnswer {
  let request: unknown;
  try {
    request = JSON.parse(text);
  } catch {
    return { status: 400, body: { sessionID: '0', resultCode: '1', msg: 'The request body is not JSON', object: [] } };
  }
  const functionName = field(request, 'functionName');
  const paramsRaw = field(request, 'params') ?? [];
  if (typeof functionName !== 'string' || !Array.isArray(paramsRaw)) {
    return { status: 400, body: { sessionID: '0', resultCode: '1', msg: 'functionName and params are required', object: [] } };
  }
  const sidRaw = field(request, 'sessionID');
  const session = runtime.jsonSession(typeof sidRaw === 'string' || typeof sidRaw === 'number' ? String(sidRaw) : '0', record);
  runtime.countRequest();
  const reply = (resultCode: '0' | '1', msg: string, object: Json[]): JsonApiAnswer => ({
    status: 200, body: { sessionID: session.sid, userId: session.user ?? 'guest', resultCode, msg, object },
  });
  if (runtime.knobs.failure === 'not-available') return reply('1', notAvailableMessage(runtime.name), []);
  let body: DdbRequestBody;
  try {
    body = bodyOf(functionName, paramsRaw);
  } catch (error) {
    return reply('1', error instanceof Error ? error.message : String(error), []);
  }
  const answer = session.run({ api: 'API2', sessionId: session.sid, flags: 0, body });
  if (answer.reply.kind === 'error') return reply('1', answer.reply.message, []);
  const obj = answer.reply.object;
  return reply('0', '', obj === undefined ? [] : [objectJson(obj, '')]);
}
