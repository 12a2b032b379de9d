/**
 * Parses a form-encoded body the way Stripe reads what stripe-node sends:
 * `metadata[plate]=AB12&expand[0]=x` → `{ metadata: { plate: 'AB12' }, expand: { 0: 'x' } }`.
 */
export type FormValue = string | { [key: string]: FormValue };

export function parseStripeForm(text: string): Record<string, FormValue> {
  const out: Record<string, FormValue> = {};
  for (const [rawKey, value] of new URLSearchParams(text)) {
    const parts = rawKey.split('[').map((p) => p.replace(/]$/, ''));
    let node: Record<string, FormValue> = out;
    parts.forEach((part, i) => {
      if (i === parts.length - 1) {
        node[part] = value;
        return;
      }
      const next = node[part];
      if (typeof next === 'object') {
        node = next;
      } else {
        const created: Record<string, FormValue> = {};
        node[part] = created;
        node = created;
      }
    });
  }
  return out;
}
