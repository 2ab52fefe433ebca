/**
 * `${phase.field}` templates: a phase reads an earlier phase's outputs. A string that is exactly one
 * template takes the value itself (`"${sweep.best.params}"` is an object, `"${sweep.best.params.strategy.fast}"`
 * a number); a template inside longer text is replaced by the value's text.
 *
 * Fields: `best.params`, `best.params.<dotted parameter>`, `best.metrics.<metric>`, `trials`, `failed`.
 */
export interface PhaseOutput {
  readonly best: { readonly params: Readonly<Record<string, unknown>>; readonly metrics: Readonly<Record<string, number | null>> } | null;
  readonly trials: number;
  readonly failed: number;
  /** signal_generation: the keys of the signal sets it stored or reused. */
  readonly signals?: readonly string[];
  /** signal_generation: why the generation of a key failed (a replay records its trials as failed with it). */
  readonly failedSignals?: Readonly<Record<string, string>>;
}

export interface TemplateUse {
  /** Key path of the string holding the template. */
  readonly path: readonly (string | number)[];
  readonly text: string;
  readonly refs: readonly { readonly phase: string; readonly field: readonly string[]; readonly raw: string }[];
}

const TEMPLATE = /\$\{([^}]*)\}/g;
const WHOLE = /^\$\{([^}]*)\}$/;

export function findTemplates(value: unknown, path: (string | number)[] = []): TemplateUse[] {
  if (typeof value === 'string') {
    const refs = [...value.matchAll(TEMPLATE)].map((m) => {
      const [phase, ...field] = m[1].trim().split('.');
      return { phase, field, raw: m[1] };
    });
    return refs.length > 0 ? [{ path, text: value, refs }] : [];
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => findTemplates(v, [...path, i]));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => findTemplates(v, [...path, k]));
  return [];
}

/** What is wrong with a template's field, or null when it names an output. */
export function checkField(field: readonly string[]): string | null {
  const [head, ...rest] = field;
  if ((head === 'trials' || head === 'failed') && rest.length === 0) return null;
  if (head === 'best' && rest[0] === 'params') return null;
  if (head === 'best' && rest[0] === 'metrics' && rest.length === 2) return null;
  return `unknown output '${field.join('.')}'; use best.params, best.params.<param>, best.metrics.<metric>, trials or failed`;
}

export function outputValue(output: PhaseOutput, field: readonly string[]): unknown {
  const [head, kind, ...rest] = field;
  if (head === 'trials') return output.trials;
  if (head === 'failed') return output.failed;
  if (output.best === null) return undefined;
  if (kind === 'params') return rest.length === 0 ? output.best.params : output.best.params[rest.join('.')];
  return output.best.metrics[rest[0]];
}

/** Substitutes every template; `missing` is called for a reference without a value (and its result used). */
export function resolveTemplates(value: unknown, outputs: ReadonlyMap<string, PhaseOutput>, missing: (raw: string) => unknown): unknown {
  const lookup = (raw: string): unknown => {
    const [phase, ...field] = raw.trim().split('.');
    const out = outputs.get(phase);
    const v = out === undefined ? undefined : outputValue(out, field);
    return v === undefined ? missing(raw) : v;
  };
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const whole = WHOLE.exec(v);
      if (whole) return lookup(whole[1]);
      return v.replace(TEMPLATE, (_, raw: string) => String(lookup(raw)));
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value);
}
