/**
 * A command's form, generated from the JSON Schema of its request body (GET /api/v1/commands, itself the OpenAPI
 * document the command routes generate from the command table's zod schemas). The console checks nothing itself:
 * it turns what is typed into the body (yuan into integer fen, Beijing time into an ISO instant) and shows what the
 * API answers — each field's error beside the field (the 400 problem's `errors[].path`), a refusal's reason in words.
 */
import { useMemo, useState } from 'preact/hooks';
import type { JSX } from 'preact';
import { ApiError, sendCommand, type Problem } from './api';
import { fenToInput, fromBeijingInput, parseYuan, toBeijingInput } from './format';
import type { Words } from './i18n';

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  default?: unknown;
  description?: string;
  nullable?: boolean;
  anyOf?: JsonSchema[];
  allOf?: JsonSchema[];
}

export interface CommandForm {
  type: string;
  path: string;
  target: 'center' | 'call' | 'round' | 'none';
  host: 'center' | 'call' | 'round';
  article: string;
  summary: string;
  roles: string[];
  schema: JsonSchema;
}

type Raw = Record<string, string | boolean>;

/** One schema, not a combination: the single alternative of an anyOf/allOf, the non-null type of a nullable one. */
function norm(s: JsonSchema | undefined): JsonSchema {
  if (!s) return {};
  const alt = s.anyOf ?? s.allOf;
  if (alt) {
    const real = alt.filter((a) => a.type !== 'null');
    if (real.length === 1) return norm({ ...s, anyOf: undefined, allOf: undefined, ...real[0] });
  }
  if (Array.isArray(s.type)) return { ...s, type: s.type.find((t) => t !== 'null') };
  return s;
}

const isFen = (name: string) => /Fen$/.test(name);
const lastKey = (path: string) => path.split('.').filter((p) => !/^\d+$/.test(p)).pop() ?? '';
const parentKey = (path: string) => {
  const keys = path.split('.').filter((p) => !/^\d+$/.test(p));
  return keys.length > 1 ? keys[keys.length - 2] : undefined;
};
const domId = (formId: string, path: string) => `f-${formId}-${path.replace(/[^A-Za-z0-9_-]/g, '-') || 'root'}`;

/** The initial raw values and array lengths: the schema's defaults, then what the page knows (`prefill`). */
function initialState(schema: JsonSchema, prefill: Record<string, unknown>): { raw: Raw; counts: Record<string, number> } {
  const raw: Raw = {};
  const counts: Record<string, number> = {};
  // An optional list (such as a command's evidence files) starts empty: its least length binds only once it is given.
  const walk = (s0: JsonSchema, path: string, given: unknown, required = true) => {
    const s = norm(s0);
    const value = given !== undefined ? given : s.default;
    if (s.type === 'object' || s.properties) {
      for (const [k, child] of Object.entries(s.properties ?? {})) {
        const p = path ? `${path}.${k}` : k;
        walk(child, p, prefill[p] !== undefined ? prefill[p] : value && typeof value === 'object' ? (value as Record<string, unknown>)[k] : undefined, (s.required ?? []).includes(k));
      }
      return;
    }
    if (s.type === 'array') {
      const list = Array.isArray(value) ? value : [];
      counts[path] = Math.max(list.length, required ? (s.minItems ?? 0) : 0);
      for (let i = 0; i < counts[path]; i++) walk(s.items ?? {}, `${path}.${i}`, prefill[`${path}.${i}`] ?? list[i]);
      return;
    }
    if (s.type === 'boolean') raw[path] = value === true;
    else if (value === undefined || value === null) raw[path] = '';
    else if (isFen(lastKey(path)) && typeof value === 'number') raw[path] = fenToInput(value);
    else if (s.format === 'date-time' && typeof value === 'string') raw[path] = toBeijingInput(value);
    else raw[path] = String(value);
  };
  walk(schema, '', undefined);
  return { raw, counts };
}

/** The body from what was typed; `local` collects what could not even be read (a word where a number goes). */
function buildBody(schema: JsonSchema, raw: Raw, counts: Record<string, number>, w: Words, local: Record<string, string>): unknown {
  const build = (s0: JsonSchema, path: string, required: boolean): unknown => {
    const s = norm(s0);
    if (s.type === 'object' || s.properties) {
      const out: Record<string, unknown> = {};
      for (const [k, child] of Object.entries(s.properties ?? {})) {
        const v = build(child, path ? `${path}.${k}` : k, (s.required ?? []).includes(k));
        if (v !== undefined) out[k] = v;
      }
      return !required && path && Object.keys(out).length === 0 ? undefined : out;
    }
    if (s.type === 'array' && !required && (counts[path] ?? 0) === 0) return undefined;
    if (s.type === 'array') return Array.from({ length: counts[path] ?? 0 }, (_, i) => build(s.items ?? {}, `${path}.${i}`, true) ?? null);
    const v = raw[path];
    if (s.type === 'boolean') return v === true;
    const text = typeof v === 'string' ? v : '';
    if (s.type === 'integer' || s.type === 'number') {
      if (text.trim() === '') return undefined;
      if (isFen(lastKey(path))) {
        const fen = parseYuan(text);
        if (fen === null) local[path] = w.t('form.notYuan');
        return fen ?? undefined;
      }
      const n = Number(text);
      if (!Number.isFinite(n)) local[path] = w.t('form.notNumber');
      return Number.isFinite(n) ? n : undefined;
    }
    if (s.enum) return text === '' ? undefined : text;
    if (s.format === 'date-time') {
      if (text === '') return undefined;
      const iso = fromBeijingInput(text);
      if (iso === null) local[path] = w.t('form.notDateTime');
      return iso ?? undefined;
    }
    if (s.format === 'date') return text === '' ? undefined : text;
    return text === '' && !required ? undefined : text;
  };
  return build(schema, '', true);
}

/** zod's standard messages, in the chosen language; a rule's own message stays as the API wrote it. */
export function fieldMessage(message: string, w: Words): string {
  if (w.lang !== 'zh-CN') return message;
  const rules: [RegExp, (m: RegExpExecArray) => string][] = [
    [/^Required$/, () => '必填'],
    [/^Number must be less than or equal to (\S+)$/, (m) => `不能大于 ${m[1]}`],
    [/^Number must be greater than or equal to (\S+)$/, (m) => `不能小于 ${m[1]}`],
    [/^Number must be greater than (\S+)$/, (m) => `必须大于 ${m[1]}`],
    [/^String must contain at least (\d+) character\(s\)$/, (m) => `至少 ${m[1]} 个字符`],
    [/^String must contain at most (\d+) character\(s\)$/, (m) => `最多 ${m[1]} 个字符`],
    [/^Array must contain at least (\d+) element\(s\)$/, (m) => `至少 ${m[1]} 项`],
    [/^Array must contain at most (\d+) element\(s\)$/, (m) => `最多 ${m[1]} 项`],
    [/^Expected (number|integer), received (\w+)$/, () => '请填写数字'],
    [/^Expected integer, received float$/, () => '请填写整数'],
    [/^Invalid enum value/, () => '请从列表中选择'],
    [/^Invalid datetime$/, () => '日期时间格式不正确'],
    [/^Invalid date$/, () => '日期格式不正确'],
  ];
  for (const [re, say] of rules) {
    const m = re.exec(message);
    if (m) return say(m);
  }
  return message;
}

/** A refusal in words: the reason in the chosen language, then the API's own sentence. */
export function Refusal({ problem, w }: { problem: Problem; w: Words }) {
  return (
    <div class="refusal" role="alert">
      <strong>
        {w.t('form.refused')}：{w.reason(problem.reason)}
      </strong>
      <span class="reason-code"> ({problem.reason})</span>
      {problem.detail ? (
        <p class="detail">
          {w.lang === 'zh-CN' ? w.t('reason.detail') : ''}
          {problem.detail}
        </p>
      ) : null}
    </div>
  );
}

export interface FormProps {
  form: CommandForm;
  /** The center or call the command goes to (null for one that makes its own target). */
  target: string | null;
  w: Words;
  prefill?: Record<string, unknown>;
  /** Suggestions for a field (a datalist): e.g. the pending funding requests' ids. */
  suggestions?: Record<string, string[]>;
  onDone: (result: any) => void;
}

let formCounter = 0;

export function CommandFormView({ form, target, w, prefill = {}, suggestions = {}, onDone }: FormProps) {
  const formId = useMemo(() => `${form.type.toLowerCase()}-${++formCounter}`, [form.type]);
  const init = useMemo(() => initialState(form.schema, prefill), [form.schema]);
  const [raw, setRaw] = useState<Raw>(init.raw);
  const [counts, setCounts] = useState(init.counts);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);

  const set = (path: string, value: string | boolean) => setRaw((r) => ({ ...r, [path]: value }));
  const url = form.path.replace(/:callId|:center|:roundId/, encodeURIComponent(target ?? ''));

  async function submit(e: Event) {
    e.preventDefault();
    if (busy) return;
    const local: Record<string, string> = {};
    const body = buildBody(form.schema, raw, counts, w, local);
    setProblem(null);
    if (Object.keys(local).length > 0) {
      setErrors(local);
      return;
    }
    setBusy(true);
    try {
      const result = await sendCommand(url, body);
      setErrors({});
      onDone(result);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      const fieldErrors: Record<string, string> = {};
      for (const fe of err.problem.errors ?? []) {
        const path = fe.path.replace(/^body\.?/, '');
        fieldErrors[path] = fieldErrors[path] ? `${fieldErrors[path]}; ${fieldMessage(fe.message, w)}` : fieldMessage(fe.message, w);
      }
      setErrors(fieldErrors);
      setProblem(err.problem);
    } finally {
      setBusy(false);
    }
  }

  const rendered = new Set<string>();
  const errorFor = (path: string) => {
    const message = errors[path];
    if (!message) return null;
    rendered.add(path);
    return (
      <p class="field-error" id={`${domId(formId, path)}-error`}>
        {w.t('form.fieldError')}
        {message}
      </p>
    );
  };

  const field = (s0: JsonSchema, path: string, required: boolean, itemLabel?: string): JSX.Element => {
    const s = norm(s0);
    const key = lastKey(path);
    const label = itemLabel ?? w.field(key, parentKey(path));
    const id = domId(formId, path);
    const invalid = !!errors[path];
    const describedBy = invalid ? `${id}-error` : undefined;
    if (s.type === 'object' || s.properties) {
      const children = Object.entries(s.properties ?? {}).map(([k, child]) => field(child, path ? `${path}.${k}` : k, (s.required ?? []).includes(k)));
      if (!path) return <>{children}</>;
      return (
        <fieldset key={path} class="group">
          <legend>{label}</legend>
          {errorFor(path)}
          {children}
        </fieldset>
      );
    }
    if (s.type === 'array') {
      const n = counts[path] ?? 0;
      const items = norm(s.items);
      const simple = !(items.type === 'object' || items.properties || items.type === 'array');
      return (
        <fieldset key={path} class="group list">
          <legend>{label}</legend>
          {errorFor(path)}
          {Array.from({ length: n }, (_, i) => (
            <div class="list-item" key={`${path}.${i}`}>
              {simple ? field(items, `${path}.${i}`, true, `${label} · ${w.t('common.item', { n: i + 1 })}`) : (
                <fieldset class="group">
                  <legend>{w.t('common.item', { n: i + 1 })}</legend>
                  {field({ ...items }, `${path}.${i}`, true, '')}
                </fieldset>
              )}
              {i === n - 1 && n > (required ? (s.minItems ?? 0) : 0) ? (
                <button type="button" class="secondary small" data-remove={path} onClick={() => setCounts((c) => ({ ...c, [path]: n - 1 }))} aria-label={`${w.t('common.remove')}：${label} ${i + 1}`}>
                  {w.t('common.remove')}
                </button>
              ) : null}
            </div>
          ))}
          {s.maxItems === undefined || n < s.maxItems ? (
            <button type="button" class="secondary small" data-add={path} onClick={() => setCounts((c) => ({ ...c, [path]: n + 1 }))} aria-label={`${w.t('common.add')}：${label}`}>
              + {w.t('common.add')}
            </button>
          ) : null}
        </fieldset>
      );
    }
    const hintParts: string[] = [];
    if (isFen(key)) hintParts.push(w.t('form.yuanHint'));
    if (s.format === 'date-time') hintParts.push(w.t('form.dateTimeHint'));
    if (!required) hintParts.push(w.t('form.optional'));
    const hint = hintParts.length ? <span class="hint">（{hintParts.join('，')}）</span> : null;
    const common = { id, name: path, 'aria-invalid': invalid ? ('true' as const) : undefined, 'aria-describedby': describedBy, required };
    if (s.type === 'boolean') {
      return (
        <div class="field check" key={path}>
          <input type="checkbox" {...common} required={false} checked={raw[path] === true} onChange={(e) => set(path, (e.currentTarget as HTMLInputElement).checked)} />
          <label for={id}>{label}</label>
          {errorFor(path)}
        </div>
      );
    }
    const value = typeof raw[path] === 'string' ? (raw[path] as string) : '';
    const onInput = (e: Event) => set(path, (e.currentTarget as HTMLInputElement).value);
    let control: JSX.Element;
    if (s.enum) {
      control = (
        <select {...common} value={value} onChange={onInput}>
          <option value="">{w.t('common.choose')}</option>
          {s.enum.map((v) => (
            <option value={String(v)} key={String(v)}>
              {w.enumValue(String(v), key)}
            </option>
          ))}
        </select>
      );
    } else if (s.type === 'integer' || s.type === 'number') {
      control = isFen(key) ? (
        <input type="text" inputMode="decimal" {...common} value={value} onInput={onInput} autoComplete="off" />
      ) : (
        <input type="number" step={s.type === 'integer' ? 1 : 'any'} min={s.minimum} max={s.maximum !== undefined && s.maximum < 1e15 ? s.maximum : undefined} {...common} value={value} onInput={onInput} />
      );
    } else if (s.format === 'date-time') {
      control = <input type="datetime-local" {...common} value={value} onInput={onInput} />;
    } else if (s.format === 'date') {
      control = <input type="date" {...common} value={value} onInput={onInput} />;
    } else if ((s.maxLength ?? 0) > 400) {
      control = <textarea {...common} rows={3} maxLength={s.maxLength} value={value} onInput={onInput} />;
    } else {
      const list = suggestions[path] ?? suggestions[key];
      control = (
        <>
          <input type="text" {...common} maxLength={s.maxLength} value={value} onInput={onInput} list={list ? `${id}-list` : undefined} autoComplete="off" />
          {list ? (
            <datalist id={`${id}-list`}>
              {list.map((o) => (
                <option value={o} key={o} />
              ))}
            </datalist>
          ) : null}
        </>
      );
    }
    return (
      <div class="field" key={path}>
        <label for={id}>
          {label}
          {hint}
        </label>
        {control}
        {errorFor(path)}
      </div>
    );
  };

  const body = field(form.schema, '', true);
  const unplaced = Object.entries(errors).filter(([p]) => !rendered.has(p));
  return (
    <form class="command-form" noValidate onSubmit={submit} aria-label={w.command(form.type, form.summary)} data-command={form.type}>
      <p class="form-summary">
        {w.lang === 'zh-CN' ? '' : form.summary} <span class="article">{form.article.replace(/^Art\./, w.lang === 'zh-CN' ? '第' : 'Art.')}{w.lang === 'zh-CN' ? ' 条' : ''}</span>
      </p>
      {problem ? <Refusal problem={problem} w={w} /> : null}
      {unplaced.length > 0 ? (
        <ul class="form-errors" role="alert">
          {unplaced.map(([p, m]) => (
            <li key={p}>
              {p ? `${p}: ` : ''}
              {m}
            </li>
          ))}
        </ul>
      ) : null}
      {body}
      <div class="actions">
        <button type="submit" disabled={busy}>
          {busy ? w.t('common.submitting') : w.command(form.type, form.summary)}
        </button>
      </div>
    </form>
  );
}
