/** `<Name [extra, waiters:n]>`: asyncio's primitive repr, without the address. */
export function stateRepr(name: string, extra: string, waiters: number): string {
  return `<${name} [${extra}${waiters > 0 ? `, waiters:${waiters}` : ''}]>`;
}

/** A value as Python's repr shows it, for queue items: `1`, `'a'`, `[1, 'a']`, `True`, `None`. */
export function pyRepr(v: unknown): string {
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (v === null || v === undefined) return 'None';
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  return String(v);
}
