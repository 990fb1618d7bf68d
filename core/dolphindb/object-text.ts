// Text forms of DolphinDB objects, as `print` shows them in a MSG chunk and as the JSON API quotes scalars:
// NULLs print empty, BOOL prints true/false, vectors print in brackets, tables as aligned columns.
// Pure; any thread: the DolphinDB health check quotes a script's result in its log reason with it (health
// thread), the emulator prints with it.

import { DDB_NULL, DDB_STORAGE, type DdbCell, type DdbColumnData, type DdbObject, type DdbScalarType } from './objects.js';

/** True when `cell` is the NULL sentinel of `type`. */
export function isNullCell(type: DdbScalarType, cell: DdbCell): boolean {
  switch (DDB_STORAGE[type]) {
    case 'void': return true;
    case 'i8': return cell === DDB_NULL.i8;
    case 'i16': return cell === DDB_NULL.i16;
    case 'i32': return cell === DDB_NULL.i32;
    case 'i64': return cell === DDB_NULL.i64;
    case 'f32': return cell === DDB_NULL.f32;
    case 'f64': return cell === DDB_NULL.f64;
    case 'str': return cell === DDB_NULL.str;
  }
}

/** One item as DolphinDB prints it (dates stay raw integers: the emulator does not format calendars). */
export function cellText(type: DdbScalarType, cell: DdbCell): string {
  if (isNullCell(type, cell) || cell === null) return '';
  if (type === 'BOOL') return cell === 0 ? 'false' : 'true';
  return String(cell);
}

function vectorItems(obj: DdbObject & { form: 'vector' | 'pair' | 'set' }): string[] {
  if (obj.type === 'ANY') return obj.values.map(formatObject);
  const quote = obj.type === 'STRING' || obj.type === 'SYMBOL';
  const type = obj.type;
  return obj.values.map((c) => (quote ? JSON.stringify(cellText(type, c)) : cellText(type, c)));
}

function columnTexts(data: DdbColumnData): string[] {
  if (data.type === 'ANY') return data.values.map(formatObject);
  const type = data.type;
  return data.values.map((c) => cellText(type, c));
}

/** The text `print(x)` shows for `x`. Never throws. */
export function formatObject(obj: DdbObject): string {
  switch (obj.form) {
    case 'scalar': return cellText(obj.type, obj.value);
    case 'vector': return `[${vectorItems(obj).join(',')}]`;
    case 'pair': return vectorItems(obj).join(' : ');
    case 'set': return `set(${vectorItems(obj).join(',')})`;
    case 'dict': {
      const keys = columnTexts(obj.keys);
      const values = columnTexts(obj.values);
      return keys.map((k, i) => `${k}->${values[i] ?? ''}`).join('\n');
    }
    case 'table': {
      const cols = obj.columns.map((c) => [c.name, ...columnTexts(c.data)]);
      const widths = cols.map((c) => Math.max(...c.map((s) => s.length)));
      const rows = cols[0]?.length ?? 0;
      const lines: string[] = [];
      for (let r = 0; r < rows; r++) {
        lines.push(cols.map((c, i) => (c[r] ?? '').padEnd(widths[i] ?? 0)).join(' ').trimEnd());
        // DolphinDB underlines the header row with dashes per column.
        if (r === 0) lines.push(widths.map((w) => '-'.repeat(w)).join(' '));
      }
      return lines.join('\n');
    }
  }
}
