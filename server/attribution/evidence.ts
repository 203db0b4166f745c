/**
 * Everything about one item, for `spamcase message` and the web message view: its header fields,
 * the parsed Received chain with each hop's role (trusted, internal, origin, below the origin), the
 * attribution with every candidate and why, the DKIM result, and where it was harvested (samples).
 * Recomputed from the stored raw bytes with the party's current trust; the stored attribution (what
 * the counts use) is shown beside it, so a difference after a trust change is visible.
 */
import type { Knex } from 'knex';
import { storeDir, type Context } from '../context.ts';
import { getCase } from '../cases/cases.ts';
import { SpamcaseError } from '../errors.ts';
import { parseHeaders } from '../mail/headers/index.ts';
import { readBlob } from '../store/pack-store.ts';
import { attribute, type Attribution } from './attribute.ts';
import { extractFacts } from './facts.ts';
import { loadPartyTrust, matcherFor } from './party-trust.ts';
import { itemAttributions, type ItemAttribution } from './queries.ts';
import { EMPTY_FACTS } from './record.ts';
import type { HopRole } from './origin.ts';
import { parseReceived, type ReceivedHop } from '../mail/trace/received.ts';

/** Header fields shown; a hostile message may have thousands. */
export const MAX_SHOWN_FIELDS = 500;

export interface MessageEvidence {
  case: string;
  item: {
    id: number;
    bates: string;
    sha256: string;
    size: number;
    date: string | null;
    parseError: string | null;
    party: string;
  };
  message: {
    id: number;
    key: string;
    subject: string | null;
    deliveries: Array<{ recipient: string; source: string }>;
  };
  headers: Array<{ name: string; value: string }>;
  headersNotShown: number;
  /** Each Received line with the chain walk's verdict: role, whether believed, who wrote it, and why. */
  received: Array<{
    index: number;
    raw: string;
    hop: ReceivedHop;
    role: HopRole | 'not-read';
    believed: boolean;
    writtenBy: string | null;
    why: string;
  }>;
  stored: ItemAttribution | null;
  attribution: Attribution;
  samples: Array<{ locator: string; source: string; method: string; party: string; exactDuplicate: boolean }>;
}

async function findItem(db: Knex, caseId: number, ref: string): Promise<Record<string, unknown>> {
  const r = ref.trim();
  const q = db('items as i').join('parties as p', 'p.id', 'i.party_id').where('i.case_id', caseId);
  if (/^[0-9a-f]{64}$/i.test(r)) q.where('i.sha256', r.toLowerCase());
  else q.where('i.bates', r.toUpperCase());
  const row = (await q.first('i.*', 'p.name as party_name')) as Record<string, unknown> | undefined;
  if (!row)
    throw new SpamcaseError(
      'INVALID_INPUT',
      `no item ${JSON.stringify(ref)} in this case (give a Bates number like LPN-0000001 or a SHA-256)`,
    );
  return row;
}

export async function messageEvidence(ctx: Context, slug: string, batesOrSha256: string): Promise<MessageEvidence> {
  const db = ctx.db.knex;
  const c = await getCase(db, slug);
  const row = await findItem(db, c.id, batesOrSha256);
  const itemId = Number(row.id);
  const raw = readBlob(storeDir(ctx, slug), {
    pack: String(row.pack),
    offset: Number(row.pack_offset),
    size: Number(row.size),
  });
  let headers: ReturnType<typeof parseHeaders> | null = null;
  try {
    headers = parseHeaders(raw);
  } catch {
    headers = null;
  }
  const facts = headers && headers.fields.length > 0 ? extractFacts(headers) : EMPTY_FACTS;
  const trust = matcherFor(await loadPartyTrust(db, Number(row.party_id)));
  const a = attribute(facts, trust);
  const receivedRaw = headers?.received ?? [];
  const msg = (await db('messages')
    .where({ id: Number(row.message_id) })
    .first('id', 'message_key', 'subject')) as { id: number; message_key: string; subject: string | null };
  const deliveries = (await db('deliveries')
    .where({ message_id: msg.id })
    .orderBy('recipient')
    .select('recipient', 'recipient_source')) as Array<{ recipient: string; recipient_source: string }>;
  const samples = (await db('samples as s')
    .join('acquisitions as a', 'a.id', 's.acquisition_id')
    .join('parties as p', 'p.id', 'a.party_id')
    .where('s.item_id', itemId)
    .orderBy('s.id')
    .select('s.locator', 'a.source_name', 'a.method', 'p.name', 's.exact_duplicate')) as Array<Record<string, unknown>>;
  const fields = headers?.fields ?? [];
  return {
    case: slug,
    item: {
      id: itemId,
      bates: String(row.bates),
      sha256: String(row.sha256),
      size: Number(row.size),
      date: (row.date as string | null) ?? null,
      parseError: (row.parse_error as string | null) ?? null,
      party: String(row.party_name),
    },
    message: {
      id: Number(msg.id),
      key: msg.message_key,
      subject: msg.subject,
      deliveries: deliveries.map((d) => ({ recipient: d.recipient, source: d.recipient_source })),
    },
    headers: fields.slice(0, MAX_SHOWN_FIELDS).map((f) => ({ name: f.name, value: f.value })),
    headersNotShown: Math.max(0, fields.length - MAX_SHOWN_FIELDS),
    received: receivedRaw.map((value, index) => {
      const w = a.walk.hops[index];
      return {
        index: index + 1,
        raw: value,
        hop: facts.hops[index] ?? parseReceived(''),
        role: w?.role ?? 'not-read',
        believed: w?.believed ?? false,
        writtenBy: w?.writtenBy ?? null,
        why: w?.why ?? 'beyond the number of Received lines read',
      };
    }),
    stored: (await itemAttributions(db, c.id, [itemId])).get(itemId) ?? null,
    attribution: a,
    samples: samples.map((s) => ({
      locator: String(s.locator),
      source: String(s.source_name),
      method: String(s.method),
      party: String(s.name),
      exactDuplicate: s.exact_duplicate === true || Number(s.exact_duplicate) === 1,
    })),
  };
}

/** The readable form for the terminal. */
export function formatMessageEvidence(e: MessageEvidence): string {
  const a = e.attribution;
  const lines = [
    `${e.item.bates}  sha256 ${e.item.sha256}  ${e.item.size} bytes  party ${e.item.party}${e.item.parseError ? `  parse error: ${e.item.parseError}` : ''}`,
    `subject: ${e.message.subject ?? '(none)'}`,
    `deliveries: ${e.message.deliveries.map((d) => d.recipient || '(unknown recipient)').join(', ')}`,
    '',
    `account: ${a.account ?? '(none)'}  [${a.accountEvidence}]`,
    `originating IP: ${a.originatingIp ?? '(none)'}  [${a.ipEvidence}]${a.originAt ? `  received ${a.originAt}` : ''}`,
    `hand-off IP: ${a.handoffIp ?? '(none)'}${a.handoffHost ? ` (${a.handoffHost})` : ''}${a.handoffProvider ? `  provider ${a.handoffProvider}` : ''}${a.handoffAt ? `  received ${a.handoffAt}` : ''}`,
    `DKIM: ${a.dkim}${a.dkimKeyFingerprint ? ` (key ${a.dkimKeyFingerprint})` : ''}`,
    'candidates:',
    ...a.candidates.map((c) => `  ${c.rank.padEnd(12)} ${c.source}: ${c.address}  (${c.why})`),
  ];
  if (a.conflicts.length > 0) lines.push('conflicts:', ...a.conflicts.map((c) => `  ${c}`));
  if (a.notes.length > 0) lines.push('notes:', ...a.notes.map((n) => `  ${n}`));
  if (a.walkSignals.length > 0) lines.push('signals:', ...a.walkSignals.map((n) => `  ${n}`));
  if (a.beliefStoppedLine !== null) lines.push(`belief stopped at Received line ${a.beliefStoppedLine}`);
  if (e.stored && (e.stored.account !== a.account || e.stored.originatingIp !== a.originatingIp)) {
    lines.push(
      `stored attribution differs (trust changed since?): account ${e.stored.account ?? '(none)'}, IP ${e.stored.originatingIp ?? '(none)'}; run spamcase attribute`,
    );
  }
  lines.push('', 'Received chain (topmost first):');
  for (const r of e.received) {
    const h = r.hop;
    lines.push(
      `  ${String(r.index).padStart(3)} ${r.role.padEnd(13)} ${(r.believed ? 'believed' : 'not believed').padEnd(12)} from ${h.helo ?? '-'} (${h.rdns ?? '-'} [${h.ip ?? '-'}]) by ${h.by ?? '-'} [${h.kind}]`,
      `      ${r.why}`,
    );
  }
  lines.push(
    '',
    'samples:',
    ...e.samples.map(
      (s) => `  ${s.party} ${s.method} ${s.source} ${s.locator}${s.exactDuplicate ? ' (exact duplicate)' : ''}`,
    ),
  );
  lines.push(
    '',
    'headers:',
    ...e.headers.map((h) => `  ${h.name}: ${h.value.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '?')}`),
  );
  if (e.headersNotShown > 0) lines.push(`  ... ${e.headersNotShown} more header fields`);
  return lines.join('\n');
}
