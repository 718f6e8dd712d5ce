/**
 * `{ ...base, ...fields }`, built with Object.assign. On the V8 of Node 20 an object literal
 * that spreads an object and then adds fields the object does not have is built through the
 * runtime: 0.8–2 µs per object in a loop on this machine, against about 0.1 µs this way
 * (docs/experiments.md, "An object spread costs a microsecond"). Fields written before the
 * spread (`{ key, ...item }`) and spreads of small option objects are fast and stay.
 * The request paths, which build such objects at every hop, use this; code that runs once per
 * membership change or per scan keeps the spread.
 * The result is typed `T & U`: unlike a literal, it does not refuse fields `T` lacks, and a
 * field of `fields` whose type differs from `base`'s becomes `never`; give `fields` the
 * types of `base`'s fields.
 */
export function extended<T extends object, U extends object>(base: T, fields: U): T & U {
  return Object.assign({}, base, fields);
}
