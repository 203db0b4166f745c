/**
 * The bundle's index tables besides items.csv, as a list of named providers. Each provider writes
 * its rows (header first) for the case as of the export's custody event. Adding ips.csv,
 * campaigns.csv or damages.csv is one more entry in BUNDLE_TABLES (or `extraTables` passed to
 * exportBundle): nothing else in the export changes.
 */
import type { Knex } from 'knex';
import type { Cell } from './csv.ts';
import { inScope, type ExportScope } from './scope.ts';

export interface BundleTable {
  /** File name under data/ (e.g. "accounts.csv"). */
  name: string;
  header: string[];
  /** Emit every row, in a deterministic order (never a database collation). */
  rows(db: Knex, scope: ExportScope, emit: (cells: Cell[]) => void): Promise<void>;
}

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
/** Messages per page when walking deliveries. */
const DELIVERY_PAGE = 2000;

export const accountsTable: BundleTable = {
  name: 'accounts.csv',
  header: ['account', 'domain', 'items', 'messages', 'deliveries', 'first_bates'],
  async rows(db, scope, emit) {
    const counts = (await inScope(
      db('items as i').join('messages as m', 'm.id', 'i.message_id').where('i.case_id', scope.caseId).whereNotNull('m.from_address'),
      'i.first_acquisition_id',
      scope,
    )
      .groupBy('m.from_address')
      .select('m.from_address as address')
      .countDistinct({ items: 'i.id' })
      .countDistinct({ messages: 'm.id' })
      .min({ firstItem: 'i.id' })) as Array<{ address: string; items: number | string; messages: number | string; firstItem: number | string }>;
    const deliveries = (await inScope(
      db('deliveries as d').join('messages as m', 'm.id', 'd.message_id').join('items as i', 'i.id', 'd.first_item_id').where('d.case_id', scope.caseId).whereNotNull('m.from_address'),
      'i.first_acquisition_id',
      scope,
    )
      .groupBy('m.from_address')
      .select('m.from_address as address')
      .count({ n: '*' })) as Array<{ address: string; n: number | string }>;
    const deliveriesBy = new Map(deliveries.map((d) => [d.address, Number(d.n)]));
    const firstIds = counts.map((c) => Number(c.firstItem));
    const bates = new Map<number, string>();
    for (let i = 0; i < firstIds.length; i += 500) {
      const page = (await db('items').whereIn('id', firstIds.slice(i, i + 500)).select('id', 'bates')) as Array<{ id: number; bates: string }>;
      for (const r of page) bates.set(Number(r.id), r.bates);
    }
    counts.sort((a, b) => byCodeUnits(a.address, b.address));
    for (const c of counts) {
      const at = c.address.lastIndexOf('@');
      emit([c.address, at >= 0 ? c.address.slice(at + 1) : '', Number(c.items), Number(c.messages), deliveriesBy.get(c.address) ?? 0, bates.get(Number(c.firstItem)) ?? '']);
    }
  },
};

export const deliveriesTable: BundleTable = {
  name: 'deliveries.csv',
  header: ['message_id', 'recipient', 'recipient_source', 'first_bates', 'from', 'date', 'subject'],
  async rows(db, scope, emit) {
    // Global bounds of the primary key (answered from the index ends); pages of other cases are empty.
    const max = Number(((await db('messages').max({ m: 'id' }).first()) as { m: number | string | null }).m ?? 0);
    const min = Number(((await db('messages').min({ m: 'id' }).first()) as { m: number | string | null }).m ?? 1);
    for (let lo = min - 1; lo < max; lo += DELIVERY_PAGE) {
      const rows = (await inScope(
        db('deliveries as d')
          .join('messages as m', 'm.id', 'd.message_id')
          .join('items as i', 'i.id', 'd.first_item_id')
          .where('d.case_id', scope.caseId)
          .where('d.message_id', '>', lo)
          .where('d.message_id', '<=', lo + DELIVERY_PAGE),
        'i.first_acquisition_id',
        scope,
      ).select('d.message_id', 'd.recipient', 'd.recipient_source', 'i.bates', 'm.header_message_id', 'm.from_address', 'm.date', 'm.subject')) as Array<{
        message_id: number | string;
        recipient: string;
        recipient_source: string;
        bates: string;
        header_message_id: string | null;
        from_address: string | null;
        date: string | null;
        subject: string | null;
      }>;
      rows.sort((a, b) => Number(a.message_id) - Number(b.message_id) || byCodeUnits(a.recipient, b.recipient));
      for (const r of rows) emit([r.header_message_id, r.recipient, r.recipient_source, r.bates, r.from_address, r.date, r.subject]);
    }
  },
};

export const BUNDLE_TABLES: readonly BundleTable[] = [accountsTable, deliveriesTable];
