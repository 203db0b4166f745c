/**
 * What the PDF summary renders: a typed, self-contained snapshot of a case. gatherSummaryData fills
 * the parts main has (case, parties, acquisitions, counts, accounts by header From, deliveries per
 * day, custody); the optional sections (originating IPs, defendants, campaigns, damages, bundle)
 * are filled by the parts that own them and rendered only when present.
 * Amounts are integers in minor units (cents); dates are ISO 8601 UTC strings.
 */
import type { CaseReport } from '../report/counts.ts';
import type { AttemptVolume, AttemptVolumes } from '../logs/volumes.ts';
import type { AcquisitionRow } from '../report/lists.ts';

export const LANGS = ['en', 'fr'] as const;
export type Lang = (typeof LANGS)[number];

export interface SummaryParty {
  name: string;
  batesPrefix: string;
}

/** One acquisition as the PDF lists it: the same row the web UI's acquisitions list shows. */
export type SummaryAcquisition = AcquisitionRow;

/** One row of the top accounts or originating IPs (attribution's AccountRow, reduced to what the PDF shows). */
export interface SummaryAccountRow {
  /** The sender address, or the IP for originating IPs. */
  key: string;
  deliveries: number;
  messages: number;
  recipients: number;
  firstSeen: string | null;
  lastSeen: string | null;
  /** Evidence rank the attribution rests on (e.g. "dkim", "return-path", "header-from"). */
  evidence: string;
  defendant: string | null;
}

export interface SummaryTopList {
  /** How many there are in all (the table shows the top rows). */
  total: number;
  rows: SummaryAccountRow[];
  /** The bundle CSV holding the full list (e.g. "accounts.csv"). */
  csvName: string;
}

export interface SummaryDefendant {
  name: string;
  accounts: number;
  ips: number;
  deliveries: number;
}

export interface SummaryCampaign {
  number: number;
  messages: number;
  deliveries: number;
  accounts: number;
  firstDate: string | null;
  lastDate: string | null;
  exemplar: {
    bates: string;
    date: string | null;
    subject: string | null;
    sender: string | null;
    excerpt: string | null;
  };
}

export interface SummaryCampaigns {
  total: number;
  rows: SummaryCampaign[];
  csvName: string;
}

export interface SummaryDamagesRow {
  plaintiff: string;
  /** null: accounts not grouped into a defendant. */
  defendant: string | null;
  violations: number;
  /** Under the shared allocation: the deliveries claimed as a fraction (violations = numerator / denominator). */
  violationsShare?: { numerator: number; denominator: number };
  /** When the rule set counts logged attempts: the claim's attempts it counts (none matched a harvested item). */
  attempts?: number;
  low: number;
  claimed: number;
  max: number;
}

export interface SummaryDamages {
  ruleSet: string;
  /** ISO 4217 code of the amounts (minor units: cents). */
  currency: string;
  rows: SummaryDamagesRow[];
  /** The rule set counts logged attempts: the table has an "Attempts (not harvested)" column. */
  attempts?: boolean;
  totals: { low: number; claimed: number; max: number };
  /** The rule set's method paragraphs per language (damages' methodText(result, 'en' | 'fr')). */
  method: Record<Lang, string[]>;
}

export interface SummaryBundle {
  identifier: string;
  manifestSha256: string;
  /** The signer certificate's SHA-256 fingerprint (AB:CD:...), for a court to pin with `verify --fingerprint`. */
  signerFingerprint?: string;
}

export interface DailyDeliveries {
  party: string;
  /** [YYYY-MM-DD, deliveries], ascending by day; undated deliveries are counted in `undated`. */
  days: Array<[string, number]>;
  undated: number;
}

export interface SummaryCustodyEvent {
  seq: number;
  at: string;
  actor: string;
  action: string;
  hash: string;
}

/** The subpoena lists' heads (server/attribution/subpoena.ts); the full lists are in the bundle. */
export interface SummarySubpoena {
  /** The network owner data set, as printed beside every owner. */
  ownerData: string;
  operators: Array<{
    asn: string;
    name: string;
    ips: number;
    deliveries: number;
    firstSeen: string | null;
    lastSeen: string | null;
  }>;
  operatorsTotal: number;
  providers: Array<{
    provider: string;
    accounts: number;
    deliveries: number;
    firstSeen: string | null;
    lastSeen: string | null;
  }>;
  providersTotal: number;
}

/** Attempt volumes from the mail server logs (server/logs/volumes.ts), when the case has log files. */
export interface SummaryLogs {
  totals: AttemptVolumes['totals'];
  accounts: { total: number; rows: AttemptVolume[] };
  ips: { total: number; rows: AttemptVolume[] };
}

export interface SummaryData {
  case: { id: number; slug: string; title: string; createdAt: string };
  /** The custody event the summary is "as of": its time is the document's date and PDF creation date. */
  asOf: { seq: number; at: string; hash: string };
  organization: string | null;
  jurisdiction: string | null;
  plaintiffs: SummaryParty[];
  report: CaseReport;
  acquisitions: SummaryAcquisition[];
  acquisitionsTotal: number;
  /** Top sender accounts by deliveries (server/attribution/), with the full list in the bundle. */
  accounts?: SummaryTopList;
  originatingIps?: SummaryTopList;
  defendants?: SummaryDefendant[];
  /** Whom to subpoena: network operators and account providers, when the case has originating IPs or accounts. */
  subpoena?: SummarySubpoena;
  campaigns?: SummaryCampaigns;
  logs?: SummaryLogs;
  damages?: SummaryDamages;
  bundle?: SummaryBundle;
  /**
   * Attribution's method paragraphs per language, when attribution exists; else the template's
   * header-From text. Per language so that one gathered snapshot renders in both.
   */
  attributionMethod?: Record<Lang, string[]>;
  timeline: DailyDeliveries[];
  custody: { total: number; events: SummaryCustodyEvent[]; finalHash: string; chainIntact: boolean };
}
