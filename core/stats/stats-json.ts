// The `;json` output of the stats page (HAProxy 2.6 management guide §9.2 "typed output format", JSON form): one
// array per row, one object per non-empty cell with its object type, proxy id, position, name, tags (origin, nature,
// scope) and typed value, serialised by fast-json-stringify from one schema per cell; and the `;json-schema` answer.
// The tags per column were read off haproxy 2.6.12's `;json` (facts of the format). Stats thread.

import build from 'fast-json-stringify';
import { MODULE_COLUMNS, STAT_COLUMNS, StatType, COL, type StatRow, type StatValue } from './stat-columns.js';

/** Origin.Nature.Scope.type of a column, the same for every object type unless given per type. */
type Tag = string | { readonly Frontend?: string; readonly Backend?: string; readonly Server?: string };

/** 2.6.12's tags (measured); a column absent here gets FALLBACK_TAG. */
const TAGS: Readonly<Record<string, Tag>> = {
  pxname: 'Key.Name.Service.str',
  svname: 'Key.Name.Service.str',
  qcur: 'Metric.Gauge.Process.u32',
  qmax: 'Metric.Max.Process.u32',
  scur: 'Metric.Gauge.Process.u32',
  smax: 'Metric.Max.Process.u32',
  slim: 'Config.Limit.Process.u32',
  stot: 'Metric.Counter.Process.u64',
  bin: 'Metric.Counter.Process.u64',
  bout: 'Metric.Counter.Process.u64',
  dreq: 'Metric.Counter.Process.u64',
  dresp: 'Metric.Counter.Process.u64',
  ereq: 'Metric.Counter.Process.u64',
  econ: 'Metric.Counter.Process.u64',
  eresp: 'Metric.Counter.Process.u64',
  wretr: 'Metric.Counter.Process.u64',
  wredis: 'Metric.Counter.Process.u64',
  status: 'Status.Gauge.Process.str',
  weight: 'Metric.Avg.Process.u32',
  act: { Backend: 'Metric.Gauge.Process.u32', Server: 'Status.Gauge.Process.u32' },
  bck: { Backend: 'Metric.Gauge.Process.u32', Server: 'Status.Gauge.Process.u32' },
  chkfail: 'Metric.Counter.Process.u64',
  chkdown: 'Metric.Counter.Process.u64',
  lastchg: 'Metric.Age.Process.u32',
  downtime: 'Metric.Counter.Process.u32',
  pid: 'Key.Gauge.Process.u32',
  iid: 'Key.Gauge.Service.u32',
  sid: 'Key.Gauge.Service.u32',
  lbtot: 'Metric.Counter.Process.u64',
  type: 'Config.Gauge.Service.u32',
  rate: { Backend: 'Metric.Gauge.Process.u32', Frontend: 'Metric.Rate.Process.u32', Server: 'Metric.Rate.Process.u32' },
  rate_lim: 'Config.Limit.Process.u32',
  rate_max: { Backend: 'Metric.Gauge.Process.u32', Frontend: 'Metric.Max.Process.u32', Server: 'Metric.Max.Process.u32' },
  check_status: 'Metric.Output.Process.str',
  check_duration: 'Metric.Duration.Process.u64',
  hrsp_1xx: 'Metric.Counter.Process.u64',
  hrsp_2xx: 'Metric.Counter.Process.u64',
  hrsp_3xx: 'Metric.Counter.Process.u64',
  hrsp_4xx: 'Metric.Counter.Process.u64',
  hrsp_5xx: 'Metric.Counter.Process.u64',
  hrsp_other: 'Metric.Counter.Process.u64',
  req_rate: 'Metric.Rate.Process.u32',
  req_rate_max: 'Metric.Max.Process.u32',
  req_tot: 'Metric.Counter.Process.u64',
  cli_abrt: 'Metric.Counter.Process.u64',
  srv_abrt: 'Metric.Counter.Process.u64',
  comp_in: 'Metric.Counter.Process.u64',
  comp_out: 'Metric.Counter.Process.u64',
  comp_byp: 'Metric.Counter.Process.u64',
  comp_rsp: 'Metric.Counter.Process.u64',
  lastsess: 'Metric.Age.Process.s32',
  last_chk: 'Metric.Output.Process.str',
  qtime: 'Metric.Avg.Process.u32',
  ctime: 'Metric.Avg.Process.u32',
  rtime: 'Metric.Avg.Process.u32',
  ttime: 'Metric.Avg.Process.u32',
  check_desc: 'Metric.Output.Process.str',
  check_rise: 'Config.Gauge.Service.u32',
  check_fall: 'Config.Gauge.Service.u32',
  check_health: 'Config.Gauge.Service.u32',
  mode: 'Config.Gauge.Service.str',
  conn_rate: 'Metric.Rate.Process.u32',
  conn_rate_max: 'Metric.Max.Process.u32',
  conn_tot: 'Metric.Counter.Process.u64',
  intercepted: 'Metric.Counter.Process.u64',
  dcon: 'Metric.Counter.Process.u64',
  dses: 'Metric.Counter.Process.u64',
  wrew: 'Metric.Counter.Process.u64',
  connect: 'Metric.Counter.Process.u64',
  reuse: 'Metric.Counter.Process.u64',
  cache_lookups: 'Metric.Counter.Process.u64',
  cache_hits: 'Metric.Counter.Process.u64',
  srv_icur: 'Metric.Gauge.Process.u32',
  qtime_max: 'Metric.Max.Process.u32',
  ctime_max: 'Metric.Max.Process.u32',
  rtime_max: 'Metric.Max.Process.u32',
  ttime_max: 'Metric.Max.Process.u32',
  eint: 'Metric.Counter.Process.u64',
  idle_conn_cur: 'Metric.Gauge.Process.u32',
  safe_conn_cur: 'Metric.Gauge.Process.u32',
  used_conn_cur: 'Metric.Gauge.Process.u32',
  need_conn_est: 'Metric.Gauge.Process.u32',
  uweight: 'Metric.Avg.Process.u32',
  agg_server_status: 'Metric.Gauge.Process.u32',
  agg_server_check_status: 'Metric.Gauge.Process.u32',
  agg_check_status: 'Metric.Gauge.Process.u32',
  ssl_sess: 'Metric.Counter.Process.u64',
  ssl_reused_sess: 'Metric.Counter.Process.u64',
  ssl_failed_handshake: 'Metric.Counter.Process.u64',
  h2_headers_rcvd: 'Metric.Counter.Process.u64',
  h2_data_rcvd: 'Metric.Counter.Process.u64',
  h2_settings_rcvd: 'Metric.Counter.Process.u64',
  h2_rst_stream_rcvd: 'Metric.Counter.Process.u64',
  h2_goaway_rcvd: 'Metric.Counter.Process.u64',
  h2_detected_conn_protocol_errors: 'Metric.Counter.Process.u64',
  h2_detected_strm_protocol_errors: 'Metric.Counter.Process.u64',
  h2_rst_stream_resp: 'Metric.Counter.Process.u64',
  h2_goaway_resp: 'Metric.Counter.Process.u64',
  h2_open_connections: 'Metric.Gauge.Process.u64',
  h2_backend_open_streams: 'Metric.Gauge.Process.u64',
  h2_total_connections: 'Metric.Counter.Process.u64',
  h2_backend_total_streams: 'Metric.Counter.Process.u64',
  h1_open_connections: 'Metric.Gauge.Process.u64',
  h1_open_streams: 'Metric.Gauge.Process.u64',
  h1_total_connections: 'Metric.Counter.Process.u64',
  h1_total_streams: 'Metric.Counter.Process.u64',
  h1_bytes_in: 'Metric.Counter.Process.u64',
  h1_bytes_out: 'Metric.Counter.Process.u64',
  h1_spliced_bytes_in: 'Metric.Counter.Process.u64',
  h1_spliced_bytes_out: 'Metric.Counter.Process.u64',};

const FALLBACK_TAG = 'Metric.Counter.Process.u64';
const OBJ_TYPES = ['Frontend', 'Backend', 'Server', 'Listener'] as const;
type ObjType = (typeof OBJ_TYPES)[number];

function tagOf(name: string, obj: ObjType): readonly [string, string, string, string] {
  const t = TAGS[name];
  const text = t === undefined ? FALLBACK_TAG : typeof t === 'string' ? t : (obj === 'Listener' ? undefined : t[obj]) ?? FALLBACK_TAG;
  const [origin = '', nature = '', scope = '', type = ''] = text.split('.');
  return [origin, nature, scope, type];
}

/** One typed cell, as serialised. */
export interface JsonCell {
  readonly objType: ObjType;
  readonly proxyId: number;
  readonly id: number;
  readonly field: { readonly pos: number; readonly name: string };
  readonly processNum: number;
  readonly tags: { readonly origin: string; readonly nature: string; readonly scope: string };
  // 64-bit counters go out as numbers: exact up to 2^53 bytes, far beyond any counter's reach.
  readonly value: { readonly type: string; readonly value: number | string };
}

const CELL_SCHEMA = {
  type: 'object',
  properties: {
    objType: { type: 'string' },
    proxyId: { type: 'integer' },
    id: { type: 'integer' },
    field: { type: 'object', properties: { pos: { type: 'integer' }, name: { type: 'string' } } },
    processNum: { type: 'integer' },
    tags: { type: 'object', properties: { origin: { type: 'string' }, nature: { type: 'string' }, scope: { type: 'string' } } },
    value: { type: 'object', properties: { type: { type: 'string' }, value: { type: ['integer', 'string'] } } },
  },
} as const;

/** The whole answer: rows of cells (fast-json-stringify builds the serialiser once, at module load). */
const stringifyRows = build({ type: 'array', items: { type: 'array', items: CELL_SCHEMA } });

/** The typed cells of one row (the non-empty ones, in column order). Pure. */
export function statsJsonCells(row: StatRow): JsonCell[] {
  const type = row.values[COL.type];
  const obj: ObjType = OBJ_TYPES[typeof type === 'number' ? type : StatType.FRONTEND] ?? 'Frontend';
  const proxyId = Number(row.values[COL.iid] ?? 0);
  const id = obj === 'Server' ? Number(row.values[COL.sid] ?? 0) : 0;
  const out: JsonCell[] = [];
  const push = (pos: number, name: string, v: StatValue): void => {
    if (v === undefined) return;
    const [origin, nature, scope, vtype] = tagOf(name, obj);
    out.push({ objType: obj, proxyId, id, field: { pos, name }, processNum: 1, tags: { origin, nature, scope }, value: { type: typeof v === 'string' ? 'str' : vtype, value: typeof v === 'bigint' ? Number(v) : v } });
  };
  STAT_COLUMNS.forEach((name, i) => push(i, name, row.values[i]));
  MODULE_COLUMNS.forEach((name, i) => push(STAT_COLUMNS.length + i, name, row.modules[i]));
  return out;
}

/** The `;json` body (a newline after the array, as 2.6.12). */
export function renderStatsJson(rows: readonly StatRow[]): string {
  return `${stringifyRows(rows.map(statsJsonCells))}\n`;
}
/** The serialiser alone, on cells already built (the micro-benchmark's fast-json-stringify side). */
renderStatsJson.serialise = (cells: JsonCell[][]): string => `${stringifyRows(cells)}\n`;

/** The `;json-schema` answer: the schema 2.6.12 serves for its typed JSON (measured; the format's own contract). */
export const STATS_JSON_SCHEMA = schemaText({
  '$schema': 'http://json-schema.org/draft-04/schema#',
  'oneOf': [
    {
      'title': 'Info',
      'type': 'array',
      'items': {
        'title': 'InfoItem',
        'type': 'object',
        'properties': {
          'field': {
            '$ref': '#/definitions/field'
          },
          'processNum': {
            '$ref': '#/definitions/processNum'
          },
          'tags': {
            '$ref': '#/definitions/tags'
          },
          'value': {
            '$ref': '#/definitions/typedValue'
          }
        },
        'required': [
          'field',
          'processNum',
          'tags',
          'value'
        ]
      }
    },
    {
      'title': 'Stat',
      'type': 'array',
      'items': {
        'title': 'InfoItem',
        'type': 'object',
        'properties': {
          'objType': {
            'enum': [
              'Frontend',
              'Backend',
              'Listener',
              'Server',
              'Unknown'
            ]
          },
          'proxyId': {
            'type': 'integer',
            'minimum': 0
          },
          'id': {
            'type': 'integer',
            'minimum': 0
          },
          'field': {
            '$ref': '#/definitions/field'
          },
          'processNum': {
            '$ref': '#/definitions/processNum'
          },
          'tags': {
            '$ref': '#/definitions/tags'
          },
          'typedValue': {
            '$ref': '#/definitions/typedValue'
          }
        },
        'required': [
          'objType',
          'proxyId',
          'id',
          'field',
          'processNum',
          'tags',
          'value'
        ]
      }
    },
    {
      'title': 'Error',
      'type': 'object',
      'properties': {
        'errorStr': {
          'type': 'string'
        }
      },
      'required': [
        'errorStr'
      ]
    }
  ],
  'definitions': {
    'field': {
      'type': 'object',
      'pos': {
        'type': 'integer',
        'minimum': 0
      },
      'name': {
        'type': 'string'
      },
      'required': [
        'pos',
        'name'
      ]
    },
    'processNum': {
      'type': 'integer',
      'minimum': 1
    },
    'tags': {
      'type': 'object',
      'origin': {
        'type': 'string',
        'enum': [
          'Metric',
          'Status',
          'Key',
          'Config',
          'Product',
          'Unknown'
        ]
      },
      'nature': {
        'type': 'string',
        'enum': [
          'Gauge',
          'Limit',
          'Min',
          'Max',
          'Rate',
          'Counter',
          'Duration',
          'Age',
          'Time',
          'Name',
          'Output',
          'Avg',
          'Unknown'
        ]
      },
      'scope': {
        'type': 'string',
        'enum': [
          'Cluster',
          'Process',
          'Service',
          'System',
          'Unknown'
        ]
      },
      'required': [
        'origin',
        'nature',
        'scope'
      ]
    },
    'typedValue': {
      'type': 'object',
      'oneOf': [
        {
          '$ref': '#/definitions/typedValue/definitions/s32Value'
        },
        {
          '$ref': '#/definitions/typedValue/definitions/s64Value'
        },
        {
          '$ref': '#/definitions/typedValue/definitions/u32Value'
        },
        {
          '$ref': '#/definitions/typedValue/definitions/u64Value'
        },
        {
          '$ref': '#/definitions/typedValue/definitions/strValue'
        }
      ],
      'definitions': {
        's32Value': {
          'properties': {
            'type': {
              'type': 'string',
              'enum': [
                's32'
              ]
            },
            'value': {
              'type': 'integer',
              'minimum': -2147483648,
              'maximum': 2147483647
            }
          },
          'required': [
            'type',
            'value'
          ]
        },
        's64Value': {
          'properties': {
            'type': {
              'type': 'string',
              'enum': [
                's64'
              ]
            },
            'value': {
              'type': 'integer',
              'minimum': -9007199254740991,
              'maximum': 9007199254740991
            }
          },
          'required': [
            'type',
            'value'
          ]
        },
        'u32Value': {
          'properties': {
            'type': {
              'type': 'string',
              'enum': [
                'u32'
              ]
            },
            'value': {
              'type': 'integer',
              'minimum': 0,
              'maximum': 4294967295
            }
          },
          'required': [
            'type',
            'value'
          ]
        },
        'u64Value': {
          'properties': {
            'type': {
              'type': 'string',
              'enum': [
                'u64'
              ]
            },
            'value': {
              'type': 'integer',
              'minimum': 0,
              'maximum': 9007199254740991
            }
          },
          'required': [
            'type',
            'value'
          ]
        },
        'strValue': {
          'properties': {
            'type': {
              'type': 'string',
              'enum': [
                'str'
              ]
            },
            'value': {
              'type': 'string'
            }
          },
          'required': [
            'type',
            'value'
          ]
        },
        'unknownValue': {
          'properties': {
            'type': {
              'type': 'integer',
              'minimum': 0
            },
            'value': {
              'type': 'string',
              'enum': [
                'unknown'
              ]
            }
          },
          'required': [
            'type',
            'value'
          ]
        }
      }
    }
  }
});

/** JSON.stringify's compact text, with the one space 2.6.12 writes inside the nature enum (measured). */
function schemaText(schema: unknown): string {
  return `${JSON.stringify(schema).replace('"Avg","Unknown"', '"Avg", "Unknown"')}\n`;
}
