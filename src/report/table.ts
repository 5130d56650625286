/**
 * A small table model shared by every report table, and its three renderings: Markdown,
 * JSON and HTML. Cells keep their numbers (mean, std over seeds, count) next to the text, so
 * the JSON is usable by scripts and the best / second marks are computed, not typed.
 */
import { escapeXml } from './escape.ts';
import type { MeanStd } from './metrics.ts';

export type Better = 'higher' | 'lower';

/**
 * How a column's numbers are written: `fixed` with `decimals` (AUC: 4), `percent` for values
 * already in percent (RI: 2 decimals, then "%"), `text` for labels such as a parameter value.
 */
export type ColumnKind = 'fixed' | 'percent' | 'text';

export interface Column {
  key: string;
  label: string;
  /** Header group, e.g. "AUC" or "GAUC" (a spanning header in HTML, a prefix in Markdown). */
  group?: string;
  kind: ColumnKind;
  decimals?: number;
  /** Which direction is better; columns without it get no best / second marks. */
  better?: Better;
  /** The label names the column on its own (AV-A, RI-G): Markdown prints it without the group prefix. */
  standalone?: boolean;
}

export type Mark = 'best' | 'second';

export interface Cell {
  /** Mean over seeds (or the single value); null = missing. */
  value: number | null;
  /** Sample standard deviation over seeds (n - 1), present when n > 1. */
  std?: number;
  /** Number of runs behind the value. */
  n?: number;
  /** Rendered text without marks, e.g. "0.7641 ± 0.0012" or "0.14%". */
  text: string;
  mark?: Mark;
}

export interface TableRow {
  label: string;
  cells: Record<string, Cell>;
  /** The comparison's reference (Table 2's Single): shown, but never marked best or second. */
  reference?: boolean;
}

export interface Table {
  id: string;
  title: string;
  /** Header of the row-label column, e.g. "Method". */
  rowHeader: string;
  columns: Column[];
  rows: TableRow[];
  notes: string[];
}

export function decimalsOf(col: Column): number {
  return col.decimals ?? (col.kind === 'percent' ? 2 : 4);
}

/**
 * Rounds half away from zero after removing binary noise (3.625 is stored as 3.62499..., and
 * toFixed would print 3.62), so printed numbers match a hand computation.
 */
export function roundTo(v: number, decimals: number): number {
  const f = Math.pow(10, decimals);
  const scaled = Number((Math.abs(v) * f).toPrecision(12));
  return (Math.sign(v) * Math.round(scaled)) / f;
}

/** Formats one number the way its column says (no mark). */
export function formatValue(col: Column, v: number): string {
  const s = roundTo(v, decimalsOf(col)).toFixed(decimalsOf(col));
  // "-0.0000" reads as a sign error; print it as 0.
  const clean = /^-0\.?0*$/.test(s) ? s.slice(1) : s;
  return col.kind === 'percent' ? `${clean}%` : clean;
}

/** A numeric cell from a mean / std summary ("n/a" when missing). */
export function numberCell(col: Column, ms: MeanStd | null): Cell {
  if (!ms) return { value: null, text: 'n/a' };
  const cell: Cell = { value: ms.mean, n: ms.n, text: formatValue(col, ms.mean) };
  if (ms.n > 1) {
    cell.std = ms.std;
    cell.text += ` ± ${formatValue(col, ms.std)}`;
  }
  return cell;
}

export function textCell(s: string): Cell {
  return { value: null, text: s };
}

/**
 * Marks the best and second-best value of every column that has `better`. Values are compared
 * as displayed (rounded to the column's decimals), so rows that print the same number tie:
 * every tied row gets the mark, and "second" goes to the next distinct value. A column with
 * fewer than two values, or where every row ties, gets no second mark.
 */
export function markBest(table: Table): Table {
  for (const col of table.columns) {
    if (!col.better) continue;
    const d = decimalsOf(col);
    const round = (v: number): number => roundTo(v, d);
    for (const r of table.rows) delete r.cells[col.key]?.mark;
    const cells = table.rows.filter((r) => !r.reference).map((r) => r.cells[col.key]).filter((c): c is Cell => !!c && c.value !== null && Number.isFinite(c.value));
    if (cells.length < 2) continue;
    const distinct = [...new Set(cells.map((c) => round(c.value!)))].sort((a, b) => (col.better === 'higher' ? b - a : a - b));
    const best = distinct[0];
    const second = distinct[1];
    for (const c of cells) {
      const v = round(c.value!);
      if (v === best) c.mark = 'best';
      else if (second !== undefined && v === second) c.mark = 'second';
    }
  }
  return table;
}

const MARK_NOTE_MD =
  'Best in **bold**, second-best <u>underlined</u> (an HTML `<u>` tag, since Markdown has no underline); ' +
  'ties (equal as printed) share a mark. Cells with several seeds show mean ± sample std.';

function mdEscape(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function mdCell(c: Cell | undefined): string {
  if (!c) return '';
  const t = mdEscape(c.text);
  if (c.mark === 'best') return `**${t}**`;
  if (c.mark === 'second') return `<u>${t}</u>`;
  return t;
}

function headerLabel(col: Column): string {
  return col.group && !col.standalone ? `${col.group} ${col.label}` : col.label;
}

export function toMarkdown(table: Table): string {
  const lines: string[] = [`### ${mdEscape(table.title)}`, ''];
  const head = [table.rowHeader, ...table.columns.map(headerLabel)].map(mdEscape);
  lines.push(`| ${head.join(' | ')} |`);
  lines.push(`| ${['---', ...table.columns.map((c) => (c.kind === 'text' ? '---' : '---:'))].join(' | ')} |`);
  for (const r of table.rows) {
    lines.push(`| ${[mdEscape(r.label), ...table.columns.map((c) => mdCell(r.cells[c.key]))].join(' | ')} |`);
  }
  lines.push('');
  const marked = table.columns.some((c) => c.better);
  for (const note of marked ? [MARK_NOTE_MD, ...table.notes] : table.notes) lines.push(`- ${note}`);
  lines.push('');
  return lines.join('\n');
}

export function toJson(table: Table): unknown {
  return {
    id: table.id,
    title: table.title,
    rowHeader: table.rowHeader,
    columns: table.columns,
    rows: table.rows.map((r) => ({
      label: r.label,
      cells: Object.fromEntries(
        table.columns.map((c) => {
          const cell = r.cells[c.key];
          return [c.key, cell ? { value: cell.value, std: cell.std ?? null, n: cell.n ?? null, text: cell.text, mark: cell.mark ?? null } : null];
        }),
      ),
    })),
    notes: table.notes,
  };
}

/**
 * A cell's text; "mean ± std" puts the std on a second, smaller line, so a column is as wide as
 * a mean and the 16 numeric columns of Table 2 fit the page.
 */
function htmlCellText(c: Cell): string {
  const i = c.std !== undefined ? c.text.indexOf(' ± ') : -1;
  if (i < 0) return escapeXml(c.text);
  return `${escapeXml(c.text.slice(0, i))}<span class="sd">± ${escapeXml(c.text.slice(i + 3))}</span>`;
}

function htmlCell(c: Cell | undefined, kind: ColumnKind): string {
  const cls = kind === 'text' ? '' : ' class="num"';
  if (!c) return `<td${cls}></td>`;
  const t = htmlCellText(c);
  if (c.mark === 'best') return `<td${cls}><strong>${t}</strong></td>`;
  if (c.mark === 'second') return `<td${cls}><u>${t}</u></td>`;
  return `<td${cls}>${t}</td>`;
}

/** HTML table; grouped columns get a spanning header row like the paper's Table 2. */
export function toHtml(table: Table): string {
  // Wide tables (Table 2: 16 numeric columns) get smaller type; the wrapper scrolls only if that is not enough.
  const wide = table.columns.length > 10 ? ' class="wide"' : '';
  const out: string[] = [`<div class="table-wrap"><table id="${escapeXml(table.id)}"${wide}><caption>${escapeXml(table.title)}</caption><thead>`];
  const grouped = table.columns.some((c) => c.group);
  if (grouped) {
    out.push(`<tr><th rowspan="2">${escapeXml(table.rowHeader)}</th>`);
    let i = 0;
    while (i < table.columns.length) {
      const g = table.columns[i]!.group;
      let j = i;
      while (j < table.columns.length && table.columns[j]!.group === g) j++;
      out.push(g ? `<th colspan="${j - i}" class="group">${escapeXml(g)}</th>` : `<th colspan="${j - i}"></th>`);
      i = j;
    }
    out.push('</tr><tr>');
    for (const c of table.columns) out.push(`<th>${escapeXml(c.label)}</th>`);
    out.push('</tr>');
  } else {
    out.push(`<tr><th>${escapeXml(table.rowHeader)}</th>${table.columns.map((c) => `<th>${escapeXml(c.label)}</th>`).join('')}</tr>`);
  }
  out.push('</thead><tbody>');
  for (const r of table.rows) {
    out.push(`<tr><th scope="row">${escapeXml(r.label)}</th>${table.columns.map((c) => htmlCell(r.cells[c.key], c.kind)).join('')}</tr>`);
  }
  out.push('</tbody></table></div>');
  const notes = table.columns.some((c) => c.better)
    ? ['Best in <strong>bold</strong>, second-best <u>underlined</u>; ties (equal as printed) share a mark. Several seeds: mean ± sample std.', ...table.notes.map(escapeXml)]
    : table.notes.map(escapeXml);
  if (notes.length) out.push(`<ul class="notes">${notes.map((n) => `<li>${n}</li>`).join('')}</ul>`);
  return out.join('');
}
