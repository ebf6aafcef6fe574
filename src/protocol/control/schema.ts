// A few checkers for decoding JSON into typed values field by field, instead of casting: each
// returns the value with its type or throws SchemaError naming the path of the field that is wrong.
// Pure; the control codec (codec.ts) is built from them.

export class SchemaError extends Error {
  constructor(readonly path: string, readonly problem: string) {
    super(`${path}: ${problem}`);
  }
}

export type Check<T> = (v: unknown, path: string) => T;

export const str = (maxLength: number, pattern?: RegExp): Check<string> => (v, path) => {
  if (typeof v !== 'string') throw new SchemaError(path, 'not a string');
  if (v.length > maxLength) throw new SchemaError(path, `longer than ${maxLength}`);
  if (pattern && !pattern.test(v)) throw new SchemaError(path, `does not match ${String(pattern)}`);
  return v;
};

export const int = (min: number, max: number): Check<number> => (v, path) => {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new SchemaError(path, 'not an integer');
  if (v < min || v > max) throw new SchemaError(path, `outside ${min}..${max}`);
  return v;
};

export const bool: Check<boolean> = (v, path) => {
  if (typeof v !== 'boolean') throw new SchemaError(path, 'not a boolean');
  return v;
};

export const oneOf = <const T extends readonly (string | number | null)[]>(...values: T): Check<T[number]> => (v, path) => {
  if (!values.includes(v as T[number])) throw new SchemaError(path, `not one of ${values.map((x) => JSON.stringify(x)).join(', ')}`);
  return v as T[number];
};

export const arr = <T>(item: Check<T>, maxItems: number): Check<T[]> => (v, path) => {
  if (!Array.isArray(v)) throw new SchemaError(path, 'not an array');
  if (v.length > maxItems) throw new SchemaError(path, `more than ${maxItems} items`);
  return v.map((x, i) => item(x, `${path}[${i}]`));
};

export const nullable = <T>(inner: Check<T>): Check<T | null> => (v, path) => (v === null ? null : inner(v, path));

type Shape = Record<string, Check<unknown>>;
type Out<S extends Shape> = { [K in keyof S]: S[K] extends Check<infer T> ? T : never };
type OptionalOut<S extends Shape> = { [K in keyof S]?: S[K] extends Check<infer T> ? T : never };

/**
 * An object with exactly these keys (`optional` ones may be absent); any other key is refused, so
 * nothing rides along unchecked.
 */
export function obj<R extends Shape, O extends Shape = Record<never, never>>(required: R, optional?: O): Check<Out<R> & OptionalOut<O>> {
  return (v, path) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new SchemaError(path, 'not an object');
    const src = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(src)) {
      if (!Object.hasOwn(required, key) && !(optional && Object.hasOwn(optional, key))) throw new SchemaError(`${path}.${key}`, 'unexpected field');
    }
    for (const [key, check] of Object.entries(required)) {
      if (!Object.hasOwn(src, key)) throw new SchemaError(`${path}.${key}`, 'missing');
      out[key] = check(src[key], `${path}.${key}`);
    }
    for (const [key, check] of Object.entries(optional ?? {})) {
      if (Object.hasOwn(src, key) && src[key] !== undefined) out[key] = check(src[key], `${path}.${key}`);
    }
    return out as Out<R> & OptionalOut<O>;
  };
}

/** A record whose keys come from a fixed list, each value checked. */
export const recordOf = <K extends string, T>(keys: readonly K[], value: Check<T>, allKeys: boolean): Check<Partial<Record<K, T>>> => (v, path) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new SchemaError(path, 'not an object');
  const src = v as Record<string, unknown>;
  const out: Partial<Record<K, T>> = {};
  for (const key of Object.keys(src)) {
    if (!(keys as readonly string[]).includes(key)) throw new SchemaError(`${path}.${key}`, 'unexpected field');
    out[key as K] = value(src[key], `${path}.${key}`);
  }
  if (allKeys) for (const key of keys) if (!Object.hasOwn(src, key)) throw new SchemaError(`${path}.${key}`, 'missing');
  return out;
};
