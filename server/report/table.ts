/** The readable form of a case report (`spamcase report` without --json). */
import type { CaseReport } from './counts.ts';

const fmt = new Intl.NumberFormat('en-US');

export function formatReportTable(r: CaseReport): string {
  const rows: Array<[string, string]> = [
    ['samples (as harvested)', fmt.format(r.samples)],
    ['items (unique bytes)', fmt.format(r.items)],
    ['exact duplicates', fmt.format(r.exactDuplicates)],
    ['messages', fmt.format(r.messages)],
    ['deliveries', fmt.format(r.deliveries)],
    ['  with unknown recipient', fmt.format(r.deliveriesWithUnknownRecipient)],
    ['accounts (attributed senders)', fmt.format(r.accounts)],
    ['originating IPs', fmt.format(r.originatingIps)],
    ['defendants', fmt.format(r.defendants)],
    ...(r.itemsNotAttributed > 0
      ? [['items not attributed (run spamcase attribute)', fmt.format(r.itemsNotAttributed)] as [string, string]]
      : []),
    ['campaigns (near-identical content)', fmt.format(r.campaigns)],
    ['  of two or more messages', fmt.format(r.campaignsOfTwoOrMore)],
    ['messages not yet in a campaign', fmt.format(r.messagesWithoutCampaign)],
    ['rejected inputs', fmt.format(r.rejected)],
    ['items with parse errors', fmt.format(r.parseErrors)],
    ['acquisitions', fmt.format(r.acquisitions)],
    ['first date', r.firstDate ?? '-'],
    ['last date', r.lastDate ?? '-'],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = [`${r.case}: ${r.title}`, ''];
  for (const [k, v] of rows) lines.push(`  ${k.padEnd(width)}  ${v.padStart(12)}`);
  if (r.parties.length > 0) {
    lines.push(
      '',
      `  ${'party'.padEnd(24)} ${'samples'.padStart(12)} ${'items'.padStart(12)} ${'deliveries'.padStart(12)}`,
    );
    for (const p of r.parties) {
      lines.push(
        `  ${`${p.name} [${p.batesPrefix}]`.padEnd(24)} ${fmt.format(p.samples).padStart(12)} ${fmt.format(p.items).padStart(12)} ${fmt.format(p.deliveries).padStart(12)}`,
      );
    }
  }
  lines.push(...overlapLines(r));
  return lines.join('\n');
}

/** Joint plaintiffs: each party's own and exclusive deliveries, and the party x party table. */
function overlapLines(r: CaseReport): string[] {
  const o = r.overlap;
  if (o.parties.length < 2) return [];
  const labels = o.parties.map((p) => p.batesPrefix);
  const width = Math.max(24, ...o.parties.map((p) => p.name.length + p.batesPrefix.length + 3));
  const lines = [
    '',
    `  overlap: ${fmt.format(o.caseDeliveries)} deliveries in the case, each counted once; ${fmt.format(o.heldBySeveral)} harvested by more than one party`,
    `  ${'harvested by both'.padEnd(width)} ${labels.map((l) => l.padStart(12)).join(' ')} ${'exclusive'.padStart(12)}`,
  ];
  o.parties.forEach((p, i) => {
    const cells = o.both[i]!.map((v) => fmt.format(v).padStart(12)).join(' ');
    lines.push(`  ${`${p.name} [${p.batesPrefix}]`.padEnd(width)} ${cells} ${fmt.format(p.exclusive).padStart(12)}`);
  });
  return lines;
}
