import type { IdGen } from '../ports/id-gen.js';

/** Ids that sort in creation order, like UUIDv7, and are easy to read in a failing test. */
export function createSequentialIds(prefix = 'id'): IdGen {
  let n = 0;
  return { next: () => `${prefix}-${String(++n).padStart(8, '0')}` };
}
