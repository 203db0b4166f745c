/** Offset paging of the web lists (accounts, IPs, campaigns, one account's items): the page size and the pager. */

/** Rows per page of a web list. */
export const PAGE_SIZE = 50;

export interface Pager {
  prev: number | null;
  next: number | null;
  from: number;
  to: number;
}

/** Previous and next offsets and the rows shown (1-based), for a page at `offset` of `total` rows. */
export function pager(offset: number, total: number): Pager {
  return {
    prev: offset > 0 ? Math.max(0, offset - PAGE_SIZE) : null,
    next: offset + PAGE_SIZE < total ? offset + PAGE_SIZE : null,
    from: total === 0 ? 0 : offset + 1,
    to: Math.min(total, offset + PAGE_SIZE),
  };
}

/** The items-page query string of a saved search (server/labels/labels.ts), each value URL-encoded. */
export function savedSearchLink(query: {
  q: string;
  party?: string;
  parseErrors?: boolean;
  sort?: string;
  order?: string;
}): string {
  const p = new URLSearchParams();
  if (query.q) p.set('q', query.q);
  if (query.party) p.set('party', query.party);
  if (query.parseErrors) p.set('parseErrors', '1');
  if (query.sort) p.set('sort', query.sort);
  if (query.order) p.set('order', query.order);
  return p.toString();
}
