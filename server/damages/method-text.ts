/**
 * The computation written out in plain sentences, in English or French, for the PDF summary, the
 * web UI and the CLI: what was counted, how it was deduplicated, which rules applied, which caps
 * and multipliers changed the result. One paragraph per string; no markup.
 */
import { formatCount, formatMoney, formatShare, formatUnits, type Lang } from './money.ts';
import type { DamagesResult } from './compute.ts';
import type { AttemptFilter, Category, Column, Unit } from './rule-set.ts';
import type { AttemptOutcome } from '../logs/volumes.ts';
import { FILTER_OUTCOMES } from './attempt-counts.ts';

const UNIT_WORDS: Record<Lang, Record<Unit, [string, string]>> = {
  en: {
    delivery: ['delivery', 'deliveries'],
    message: ['message', 'messages'],
    account: ['account', 'accounts'],
    day: ['day', 'days'],
    fixed: ['claim', 'claims'],
    attempt: ['attempt', 'attempts'],
  },
  fr: {
    delivery: ['remise', 'remises'],
    message: ['message', 'messages'],
    account: ['compte', 'comptes'],
    day: ['jour', 'jours'],
    fixed: ['demande', 'demandes'],
    attempt: ['tentative', 'tentatives'],
  },
};

const CATEGORY_WORDS: Record<Lang, Record<Category, string>> = {
  en: {
    'header-falsity': 'deliveries with false or misleading header information',
    other: 'other deliveries',
    all: 'all deliveries',
  },
  fr: {
    'header-falsity': 'remises aux en-têtes faux ou trompeurs',
    other: 'autres remises',
    all: 'toutes les remises',
  },
};

/** Which attempts a `unit: attempt` rule counts, as the method text says it (rule-set.ts ATTEMPT_FILTERS). */
export const ATTEMPT_FILTER_WORDS: Record<Lang, Record<AttemptFilter, string>> = {
  en: {
    all: 'every logged attempt',
    refused: 'the attempts the server refused (for an unknown user or by policy)',
    'refused-unknown-user': 'the attempts refused for an unknown user',
    'refused-policy': 'the attempts refused by policy',
    delivered: 'the attempts delivered',
    bounced: 'the attempts bounced (accepted, then not delivered)',
    deferred: 'the attempts deferred with no delivery or bounce logged after',
    accepted: 'the attempts the server accepted (delivered, bounced, deferred or with no later outcome logged)',
  },
  fr: {
    all: 'toutes les tentatives journalisées',
    refused: 'les tentatives refusées par le serveur (destinataire inconnu ou politique)',
    'refused-unknown-user': 'les tentatives refusées pour destinataire inconnu',
    'refused-policy': 'les tentatives refusées par politique',
    delivered: 'les tentatives remises',
    bounced: 'les tentatives rejetées après acceptation (non remises)',
    deferred: 'les tentatives différées sans remise ni rejet journalisé ensuite',
    accepted:
      'les tentatives acceptées par le serveur (remises, rejetées après acceptation, différées ou sans suite journalisée)',
  },
};

const OUTCOME_WORDS: Record<Lang, Record<AttemptOutcome, string>> = {
  en: {
    'refused-unknown-user': 'refused for an unknown user',
    'refused-policy': 'refused by policy',
    delivered: 'delivered',
    bounced: 'bounced',
    deferred: 'deferred',
    accepted: 'accepted with no later outcome logged',
  },
  fr: {
    'refused-unknown-user': 'refusées pour destinataire inconnu',
    'refused-policy': 'refusées par politique',
    delivered: 'remises',
    bounced: 'rejetées après acceptation',
    deferred: 'différées',
    accepted: 'acceptées sans suite journalisée',
  },
};

const COLUMN_WORDS: Record<Lang, Record<Column, string>> = {
  en: { low: 'low', claimed: 'claimed', max: 'maximum' },
  fr: { low: 'bas', claimed: 'demandé', max: 'maximum' },
};

function unitWord(lang: Lang, unit: Unit, n: number | bigint): string {
  return UNIT_WORDS[lang][unit][BigInt(n) === 1n ? 0 : 1]!;
}

function defendantName(lang: Lang, d: string | null): string {
  return d ?? (lang === 'fr' ? 'comptes non rattachés à un défendeur' : 'accounts not assigned to a defendant');
}

export function methodText(result: DamagesResult, lang: Lang): string[] {
  const rs = result.ruleSet;
  const money = (v: bigint) => formatMoney(v, rs.currency, lang);
  const n = (v: number) => formatUnits(v, lang);
  const plaintiffs = result.byPlaintiff.length;
  const defendants = result.byDefendant.filter((d) => d.name !== null).length;
  const ungrouped = result.byDefendant.some((d) => d.name === null);
  const c = result.counts;
  const out: string[] = [];

  if (lang === 'fr') {
    out.push(
      c.deliveries === 0
        ? result.attempts && result.attempts.counted > 0
          ? 'Aucune remise collectée n’a été comptée ; seules les tentatives journalisées ci-dessous le sont.'
          : 'Aucune remise n’a été comptée : le montant est nul.'
        : `Décompte : ${n(c.deliveries)} ${unitWord('fr', 'delivery', c.deliveries)} (un message parvenu à une boîte aux lettres destinataire), ${n(c.messages)} ${unitWord('fr', 'message', c.messages)}, ${n(c.accounts)} ${unitWord('fr', 'account', c.accounts)} expéditeurs et ${n(c.days)} ${unitWord('fr', 'day', c.days)} d’envoi, pour ${n(plaintiffs)} demandeur${plaintiffs > 1 ? 's' : ''} ${
            defendants === 0
              ? '; aucun compte n’est encore rattaché à un défendeur'
              : `et ${n(defendants)} défendeur${defendants > 1 ? 's' : ''}${ungrouped ? ', plus des comptes non rattachés à un défendeur' : ''}`
          }. Chaque demande oppose un demandeur à un défendeur ; chaque remise y est comptée une fois, les messages, les comptes et les jours sont comptés distinctement dans chaque demande.`,
      'Dédoublonnage : un message est identifié par son Message-ID normalisé, ou par une clé de contenu lorsque l’identifiant manque ou est réutilisé ; une remise est le couple (message, destinataire). Les copies octet pour octet et les captures d’une même remise à deux relais ne sont comptées qu’une fois.',
    );
    out.push(...allocationText(result, 'fr'), ...attemptText(result, 'fr'));
    out.push(
      `Barème : ${rs.titleFr ?? rs.title} (${rs.source}). Montants en ${rs.currency}, calculés exactement en centimes, sans arrondi.`,
    );
    for (const r of rs.rules) {
      const range =
        r.amount.low === r.amount.max
          ? money(r.amount.claimed)
          : `${money(r.amount.claimed)} demandé, de ${money(r.amount.low)} à ${money(r.amount.max)}`;
      const per = r.unit === 'fixed' ? 'forfait par demande' : `par ${unitWord('fr', r.unit, 1)}`;
      const to =
        r.attempts !== null
          ? `${ATTEMPT_FILTER_WORDS.fr[r.attempts]} qu’aucun élément collecté n’a rapprochées`
          : `aux ${CATEGORY_WORDS.fr[r.applies]}`;
      out.push(
        `Règle « ${r.labelFr ?? r.label} » (${r.source}) : ${range} ${per}, appliquée ${r.attempts !== null ? 'à ' : ''}${to}${r.cap ? ` ; plafond de ${money(r.cap.amount.claimed)} par demande (${r.cap.source})` : ''}.`,
      );
    }
    for (const m of rs.multipliers)
      out.push(
        `Coefficient « ${m.labelFr ?? m.label} » (${m.source}) : ×${m.factor.claimed} demandé, de ×${m.factor.low} à ×${m.factor.max}, appliqué après les plafonds${m.rules ? ` aux règles ${m.rules.join(', ')}` : ''}.`,
      );
    out.push(
      'Ordre des opérations, pour chaque demande, chaque règle et chaque colonne : nombre d’unités × montant unitaire, puis plafond, puis coefficients ; les totaux sont des sommes de demandes.',
    );
  } else {
    out.push(
      c.deliveries === 0
        ? result.attempts && result.attempts.counted > 0
          ? 'No harvested deliveries were counted; only the logged attempts below are.'
          : 'No deliveries were counted: the amount is zero.'
        : `Counted: ${n(c.deliveries)} ${unitWord('en', 'delivery', c.deliveries)} (one message reaching one recipient mailbox), ${n(c.messages)} ${unitWord('en', 'message', c.messages)}, ${n(c.accounts)} sender ${unitWord('en', 'account', c.accounts)} and ${n(c.days)} sending ${unitWord('en', 'day', c.days)}, for ${n(plaintiffs)} plaintiff${plaintiffs === 1 ? '' : 's'}${
            defendants === 0
              ? '; no account has been assigned to a defendant yet'
              : ` and ${n(defendants)} defendant${defendants === 1 ? '' : 's'}${ungrouped ? ', plus accounts not assigned to a defendant' : ''}`
          }. Each claim is one plaintiff against one defendant; each delivery is counted once in it, and messages, accounts and days are counted distinct within each claim.`,
      'Deduplication: a message is identified by its normalized Message-ID, or by a content key where the Message-ID is missing or reused; a delivery is one (message, recipient) pair. Byte-for-byte copies and captures of the same delivery at two hops are counted once.',
    );
    out.push(...allocationText(result, 'en'), ...attemptText(result, 'en'));
    out.push(
      `Rule set: ${rs.title} (${rs.source}). Amounts in ${rs.currency}, computed exactly in cents, with no rounding.`,
    );
    for (const r of rs.rules) {
      const range =
        r.amount.low === r.amount.max
          ? money(r.amount.claimed)
          : `${money(r.amount.claimed)} claimed, range ${money(r.amount.low)} to ${money(r.amount.max)}`;
      const per = r.unit === 'fixed' ? 'once per claim' : `per ${unitWord('en', r.unit, 1)}`;
      const to =
        r.attempts !== null
          ? `${ATTEMPT_FILTER_WORDS.en[r.attempts]} that no harvested item matched`
          : CATEGORY_WORDS.en[r.applies];
      out.push(
        `Rule "${r.label}" (${r.source}): ${range} ${per}, applied to ${to}${r.cap ? `; capped at ${money(r.cap.amount.claimed)} per claim (${r.cap.source})` : ''}.`,
      );
    }
    for (const m of rs.multipliers)
      out.push(
        `Multiplier "${m.label}" (${m.source}): ×${m.factor.claimed} claimed, range ×${m.factor.low} to ×${m.factor.max}, applied after caps${m.rules ? ` to rules ${m.rules.join(', ')}` : ''}.`,
      );
    out.push(
      'Order of operations, for each claim, each rule and each column: units × amount per unit, then the cap, then the multipliers; every total is a sum of claims.',
    );
  }

  // Caps that changed a figure, claim by claim.
  const capped: string[] = [];
  for (const claim of result.claims) {
    for (const line of claim.lines) {
      const cols = (['low', 'claimed', 'max'] as const).filter((col) => line.capped[col]);
      if (cols.length === 0 || !line.cap) continue;
      const cap = line.cap.claimed;
      if (lang === 'fr')
        capped.push(
          `${claim.plaintiff} c/ ${defendantName('fr', claim.defendant)}, règle ${line.rule} : ${money(line.base.claimed)} ramené à ${money(cap)} (colonnes ${cols.map((x) => COLUMN_WORDS.fr[x]).join(', ')})`,
        );
      else
        capped.push(
          `${claim.plaintiff} v. ${defendantName('en', claim.defendant)}, rule ${line.rule}: ${money(line.base.claimed)} reduced to ${money(cap)} (${cols.map((x) => COLUMN_WORDS.en[x]).join(', ')} column${cols.length > 1 ? 's' : ''})`,
        );
    }
  }
  if (lang === 'fr')
    out.push(capped.length === 0 ? 'Aucun plafond n’a été atteint.' : `Plafonds appliqués : ${capped.join(' ; ')}.`);
  else out.push(capped.length === 0 ? 'No cap was reached.' : `Caps applied: ${capped.join('; ')}.`);

  const t = result.total;
  if (lang === 'fr')
    out.push(
      `Total : ${money(t.claimed)} demandé ; ${money(t.low)} en bas de fourchette ; ${money(t.max)} au maximum.`,
    );
  else out.push(`Total: ${money(t.claimed)} claimed; ${money(t.low)} low; ${money(t.max)} maximum.`);

  for (const s of result.sensitivity) {
    if (lang === 'fr')
      out.push(
        `Comparaison « ${s.labelFr ?? s.label} » (${s.source}) : ${money(s.amount)} × ${n(s.units)} ${unitWord('fr', s.unit, s.units)} = ${money(s.total)}, sans plafond ni coefficient, les unités comptées comme dans les demandes${result.allocation.jointCap ? ' (chaque remise une fois)' : ''}.`,
      );
    else
      out.push(
        `Sensitivity "${s.label}" (${s.source}): ${money(s.amount)} × ${n(s.units)} ${unitWord('en', s.unit, s.units)} = ${money(s.total)}, without caps or multipliers, the units counted as the claims count them${result.allocation.jointCap ? ' (each delivery once)' : ''}.`,
      );
  }
  for (const w of result.warnings) out.push(lang === 'fr' ? `Attention : ${w.fr}.` : `Note: ${w.en}.`);
  return out;
}

/**
 * Joint plaintiffs: who harvested what (the case's party overlap) and how a delivery several of
 * them harvested was claimed, with the numbers the allocation produced. Empty for a case of one
 * plaintiff whose deliveries nobody else holds.
 */
function allocationText(result: DamagesResult, lang: Lang): string[] {
  const a = result.allocation;
  const rs = result.ruleSet;
  const n = (v: number) => formatCount(v, lang);
  const money = (v: bigint) => formatMoney(v, rs.currency, lang);
  const o = a.overlap;
  if ((o === null || o.parties.length < 2) && a.rule !== 'each-in-full') return [];
  const out: string[] = [];
  const fr = lang === 'fr';
  const deliveriesWord = (v: number) => unitWord(lang, 'delivery', v);
  if (o !== null) {
    const per = o.parties
      .map((p) =>
        fr
          ? `${p.name} en a collecté ${n(p.deliveries)} (dont ${n(p.exclusive)} qu’aucun autre demandeur n’a collectée${p.exclusive > 1 ? 's' : ''})`
          : `${p.name} harvested ${n(p.deliveries)} (${n(p.exclusive)} of them harvested by no other plaintiff)`,
      )
      .join(fr ? ' ; ' : '; ');
    out.push(
      fr
        ? `Collectes des demandeurs : le dossier compte ${n(o.caseDeliveries)} ${deliveriesWord(o.caseDeliveries)}, chacune comptée une fois ; ${n(o.heldBySeveral)} ont été collectées par plus d’un demandeur. ${per}.`
        : `Plaintiffs' harvests: the case holds ${n(o.caseDeliveries)} ${deliveriesWord(o.caseDeliveries)}, each counted once; ${n(o.heldBySeveral)} were harvested by more than one plaintiff. ${per}.`,
    );
  }
  const claimed = result.byPlaintiff
    .map((p) => `${p.name ?? ''} ${n(p.counts.deliveries)} ${deliveriesWord(p.counts.deliveries)}`)
    .join(fr ? ', ' : ', ');
  const origin = a.written
    ? fr
      ? `Répartition (barème${a.source ? `, ${a.source}` : ''})`
      : `Allocation (rule set${a.source ? `, ${a.source}` : ''})`
    : fr
      ? 'Répartition (par défaut, le barème n’en prévoit pas)'
      : 'Allocation (the default: the rule set names none)';
  const first = fr
    ? 'le demandeur dont la collecte l’a fait entrer la première au dossier (la partie de son premier élément, dont elle porte le numéro Bates)'
    : 'the plaintiff whose harvest first brought it into the case (the party of its first item, whose Bates number it carries)';
  if (a.rule === 'first-harvester') {
    out.push(
      fr
        ? `${origin} : chaque remise est demandée une fois, par ${first}. Demandé : ${claimed} ; ${n(a.claimedDeliveries)} au total, aucune remise demandée deux fois.`
        : `${origin}: each delivery is claimed once, by ${first}. Claimed: ${claimed}; ${n(a.claimedDeliveries)} in all, no delivery claimed twice.`,
    );
  } else if (a.rule === 'shared') {
    const shares = (a.shares ?? [])
      .map((p) =>
        fr
          ? `${p.plaintiff} ${formatShare(p.claimed.numerator, p.claimed.denominator, lang)} (${n(p.full)} en entier, une part de ${n(p.partial)} autres)`
          : `${p.plaintiff} ${formatShare(p.claimed.numerator, p.claimed.denominator, lang)} (${n(p.full)} in full, a share of ${n(p.partial)} more)`,
      )
      .join(fr ? ' ; ' : '; ');
    out.push(
      fr
        ? `${origin} : une remise que plusieurs demandeurs ont collectée est partagée à parts égales entre eux : collectée par k demandeurs, elle compte 1/k pour chacun (1/2 pour deux) ; les montants sont calculés sur ces fractions et les fractions de centime abandonnées. Demandé : ${shares} ; ${n(a.claimedDeliveries)} remises au total, aucune remise demandée deux fois.`
        : `${origin}: a delivery several plaintiffs harvested is shared equally between them: harvested by k plaintiffs, it counts 1/k for each (1/2 for two); amounts are computed on these fractions and fractions of a cent are dropped. Claimed: ${shares}; ${n(a.claimedDeliveries)} deliveries in all, no delivery claimed twice.`,
    );
  } else if (a.rule === 'own-users') {
    const domains = a.domains
      .map((d) => `${d.party}${fr ? ' :' : ':'} ${d.domains.join(', ')}`)
      .join(fr ? ' ; ' : '; ');
    out.push(
      fr
        ? `${origin} : chaque remise est demandée une fois, par le demandeur dont l’utilisateur en était le destinataire, selon le domaine du destinataire (${domains}), et une remise à tout autre domaine par ${first}. Demandé : ${claimed} ; ${n(a.claimedDeliveries)} au total, aucune remise demandée deux fois.`
        : `${origin}: each delivery is claimed once, by the plaintiff whose user it was addressed to, by recipient domain (${domains}), and a delivery to any other domain by ${first}. Claimed: ${claimed}; ${n(a.claimedDeliveries)} in all, no delivery claimed twice.`,
    );
  } else {
    const cap = a.jointCap;
    const capText =
      cap === null
        ? ''
        : fr
          ? ` Le total conjoint est plafonné au montant des ${n(cap.onceDeliveries)} ${deliveriesWord(cap.onceDeliveries)} comptées une fois (chacune demandée par ${first}) : ${money(cap.once.claimed)} demandé, ${money(cap.once.low)} en bas de fourchette, ${money(cap.once.max)} au maximum${cap.capped.claimed ? ` ; la somme des demandes, ${money(cap.sumOfClaims.claimed)}, y est ramenée` : ''}.`
          : ` The joint total is capped at the amount for the ${n(cap.onceDeliveries)} ${deliveriesWord(cap.onceDeliveries)} counted once (each claimed by ${first}): ${money(cap.once.claimed)} claimed, ${money(cap.once.low)} low, ${money(cap.once.max)} maximum${cap.capped.claimed ? `; the sum of the claims, ${money(cap.sumOfClaims.claimed)}, is reduced to it` : ''}.`;
    out.push(
      fr
        ? `${origin} : chaque demandeur demande en entier chaque remise qu’il a collectée, de sorte qu’une remise collectée par deux demandeurs est demandée par les deux. Demandé : ${claimed} ; ${n(a.claimedDeliveries)} remises demandées.${capText}`
        : `${origin}: each plaintiff claims in full every delivery it harvested, so a delivery harvested by two plaintiffs is claimed by both. Claimed: ${claimed}; ${n(a.claimedDeliveries)} deliveries claimed.${capText}`,
    );
  }
  return out;
}

/**
 * The attempt unit's method: what an attempt is, which logs they were read from, that attempts matched
 * to a harvested item are left out (they are harvested deliveries already counted), and the figures the
 * rule set's filters count. Empty when the rule set counts no attempts.
 */
function attemptText(result: DamagesResult, lang: Lang): string[] {
  const a = result.attempts;
  if (a === null) return [];
  const n = (v: number) => formatCount(v, lang);
  const fr = lang === 'fr';
  const s = a.source;
  const unmatched = Object.values(a.outcomes).reduce((x, y) => x + y, 0);
  const cells = [...new Set(a.filters.flatMap((f) => FILTER_OUTCOMES[f]))];
  const parts = cells.map((o) => `${n(a.outcomes[o])} ${OUTCOME_WORDS[lang][o]}`).join(fr ? ', ' : ', ');
  const filters = a.filters.map((f) => ATTEMPT_FILTER_WORDS[lang][f]).join(fr ? ' ; ' : '; ');
  const files = fr
    ? `${n(s.logFiles)} fichier${s.logFiles > 1 ? 's' : ''} de journal${s.servers.length > 0 ? ` des serveurs ${s.servers.join(', ')}` : ''}${s.parties.length > 0 ? `, acquis par ${s.parties.join(', ')}` : ''}`
    : `${n(s.logFiles)} log file${s.logFiles === 1 ? '' : 's'}${s.servers.length > 0 ? ` of the servers ${s.servers.join(', ')}` : ''}${s.parties.length > 0 ? `, acquired by ${s.parties.join(', ')}` : ''}`;
  return [
    fr
      ? `Tentatives des journaux des serveurs de messagerie : une tentative est un destinataire d’une transaction SMTP telle que le serveur du fournisseur l’a journalisée ; un refus est une tentative, et les événements acceptée, différée, remise et rejetée d’un même serveur, identifiant de file et destinataire sont une seule tentative (remise si l’un d’eux le dit, sinon rejetée, sinon différée). Lues dans ${files}. Des ${n(s.attempts)} tentatives de ces journaux, ${n(s.matched)} ont été rapprochées d’un élément collecté et ne sont pas comptées comme tentatives : une tentative rapprochée est une remise collectée (ou la copie, dans une autre boîte, d’un message collecté), de sorte qu’aucune remise n’est comptée deux fois. ${n(unmatched)} tentatives restent non rapprochées${result.defendantFilter === null ? '' : ` pour ${result.defendantFilter}`} ; le barème compte ${filters} : ${n(a.counted)} (${parts}). Une tentative est demandée par la partie qui a fourni le journal d’où elle provient, contre le défendeur auquel est rattaché le compte de son expéditeur d’enveloppe, sinon contre les comptes non rattachés à un défendeur.`
      : `Attempts from the mail server logs: an attempt is one recipient of one SMTP transaction as the provider's server logged it; a refusal is one attempt, and the accepted, deferred, delivered and bounced events of one server, queue id and recipient are one attempt (delivered if any of them says so, else bounced, else deferred). Read from ${files}. Of the ${n(s.attempts)} attempts these logs hold, ${n(s.matched)} were matched to a harvested item and are not counted as attempts: a matched attempt is a harvested delivery (or another mailbox's copy of a harvested message), so no delivery is counted twice. ${n(unmatched)} attempts${result.defendantFilter === null ? '' : ` of ${result.defendantFilter}`} are left that no item matched; the rule set counts ${filters}: ${n(a.counted)} (${parts}). An attempt is claimed by the party whose log it came from, against the defendant holding its envelope sender's account, else against the accounts not assigned to a defendant.`,
  ];
}
