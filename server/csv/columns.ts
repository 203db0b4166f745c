/**
 * The column names of every CSV table, one set per table, used by the CLI (--csv), the web's
 * downloads and the bundle alike: a column means the same thing wherever it appears, and is
 * spelled the same (snake_case, the bundle's spelling). Each output writes its own selection, in
 * its own order: the bundle's files are fixed by docs/BUNDLE.md (their bytes never change with
 * this module); the staff lists (`spamcase accounts --csv`, the web's accounts.csv) show what a
 * list page shows.
 */

/** A table's columns, and which of them each output writes. */
export interface CsvTable<C extends string, B extends C, L extends C> {
  /** Every column the table may have. */
  columns: readonly C[];
  /** What the bundle writes (docs/BUNDLE.md), when the bundle has this table. */
  bundle?: readonly B[];
  /** What a staff list writes (the CLI's --csv and the web's download). */
  list?: readonly L[];
}

function table<const C extends string, const B extends C = never, const L extends C = never>(
  t: CsvTable<C, B, L>,
): CsvTable<C, B, L> {
  return t;
}

/** A table the bundle writes whole, in its column order (the recount files). */
function bundleTable<const C extends string>(columns: readonly C[]): CsvTable<C, C, never> {
  return { columns, bundle: columns };
}

export const ITEMS = table({
  columns: [
    'bates',
    'file',
    'sha256',
    'md5',
    'size',
    'party',
    'acquisition',
    'acquisition_method',
    'acquisition_source',
    'original_name',
    'account',
    'originating_ip',
    'handoff_ip',
    'recipients',
    'date',
    'from',
    'subject',
    'campaign',
    'parse_error',
  ],
  bundle: [
    'bates',
    'file',
    'sha256',
    'md5',
    'size',
    'party',
    'acquisition',
    'acquisition_method',
    'acquisition_source',
    'original_name',
    'account',
    'originating_ip',
    'handoff_ip',
    'recipients',
    'date',
    'from',
    'subject',
    'campaign',
    'parse_error',
  ],
  list: ['bates', 'sha256', 'size', 'date', 'from', 'subject', 'parse_error'],
});

export const ACCOUNTS = table({
  columns: [
    'account',
    'domain',
    'provider',
    'items',
    'messages',
    'deliveries',
    'recipients',
    'first_seen',
    'last_seen',
    'parties',
    'evidence',
    'signals',
    'defendant',
    'first_bates',
  ],
  bundle: ['account', 'domain', 'items', 'messages', 'deliveries', 'first_bates'],
  list: [
    'account',
    'provider',
    'deliveries',
    'items',
    'messages',
    'recipients',
    'first_seen',
    'last_seen',
    'parties',
    'evidence',
    'signals',
    'defendant',
  ],
});

export const IPS = table({
  columns: [
    'originating_ip',
    'items',
    'messages',
    'deliveries',
    'recipients',
    'first_seen',
    'last_seen',
    'parties',
    'evidence',
    'defendant',
    'first_bates',
  ],
  bundle: ['originating_ip', 'items', 'messages', 'deliveries', 'first_bates'],
  list: [
    'originating_ip',
    'deliveries',
    'items',
    'messages',
    'recipients',
    'first_seen',
    'last_seen',
    'parties',
    'evidence',
    'defendant',
  ],
});

export const CAMPAIGNS = table({
  columns: [
    'campaign',
    'exemplar_bates',
    'subject',
    'items',
    'messages',
    'deliveries',
    'accounts',
    'originating_ips',
    'first_bates',
    'first_date',
    'last_date',
  ],
  bundle: ['campaign', 'items', 'messages', 'deliveries', 'first_bates', 'first_date', 'last_date'],
  list: [
    'campaign',
    'exemplar_bates',
    'subject',
    'messages',
    'deliveries',
    'accounts',
    'originating_ips',
    'first_date',
    'last_date',
  ],
});

export const DELIVERIES = bundleTable([
  'message_id',
  'recipient',
  'recipient_source',
  'first_bates',
  'from',
  'date',
  'subject',
  'message_key',
  'account',
  'header_falsity',
  'harvested_by',
  'claimed_for',
  'defendant',
  'defendant_reason',
]);

/** timeline.csv: deliveries per day per party (the PDF's timeline). */
export const TIMELINE = bundleTable(['party', 'bates_prefix', 'day', 'deliveries']);

/** wrappers.csv: every wrapper unwrapped at ingest (ARF report, forward, bounce). */
export const WRAPPERS = bundleTable(['acquisition', 'container_path', 'kind', 'sha256', 'size', 'file']);

/** samples.csv: every sample as harvested (exact duplicates included), in sample order. */
export const SAMPLES = bundleTable([
  'sample',
  'party',
  'bates_prefix',
  'acquisition',
  'acquisition_method',
  'acquisition_source',
  'container_path',
  'bates',
  'sha256',
  'exact_duplicate_of',
  'wrapper',
  'wrapper_sha256',
  'message_key',
  'recipient',
]);

/** log_files.csv: every mail server log acquired (docs/LOGS.md), its provenance and its file under data/logs/. */
export const LOG_FILES = bundleTable([
  'log_file',
  'party',
  'bates_prefix',
  'acquisition',
  'server',
  'time_zone',
  'rotation_name',
  'format',
  'sha256',
  'content_sha256',
  'size',
  'year_reference',
  'year_reference_source',
  'lines',
  'unknown_lines',
  'long_lines',
  'attempts',
  'same_content_as',
  'file',
]);

/**
 * attempts.csv: every attempt row read from the logs (one per log event and recipient), with the harvested item
 * it was matched to and that item's stored attribution (docs/RECOUNT.md says how they make the volumes).
 */
export const ATTEMPTS = bundleTable([
  'attempt',
  'log_file',
  'line',
  'at',
  'server',
  'client_ip',
  'client_name',
  'helo',
  'sender',
  'recipient',
  'result',
  'queue_id',
  'message_id',
  'status_text',
  'matched_bates',
  'match_rule',
  'account',
  'originating_ip',
]);

/** overlap.csv: who harvested what (server/report/overlap.ts), one figure per row. */
export const OVERLAP = bundleTable(['row', 'party', 'bates_prefix', 'with_party', 'with_bates_prefix', 'deliveries']);

export const ACQUISITIONS = table({
  columns: [
    'acquisition',
    'party',
    'method',
    'source',
    'file_name',
    'custodian',
    'notes',
    'source_sha256',
    'source_bytes',
    'operator',
    'started_at',
    'finished_at',
    'status',
    'samples',
    'new_items',
    'rejected',
  ],
  list: [
    'acquisition',
    'party',
    'method',
    'source',
    'file_name',
    'custodian',
    'notes',
    'source_sha256',
    'source_bytes',
    'operator',
    'started_at',
    'finished_at',
    'status',
    'samples',
    'new_items',
    'rejected',
  ],
});

export const REJECTIONS = table({
  columns: ['acquisition', 'locator', 'reason', 'size', 'sha256'],
  list: ['acquisition', 'locator', 'reason', 'size', 'sha256'],
});

/** Subpoena list per network operator: a row per delivery from each originating IP (docs/ATTRIBUTION.md, 7). */
const SUBPOENA_NETWORK_COLUMNS = [
  'asn',
  'network_operator',
  'originating_ip',
  'received_utc',
  'date_header_utc',
  'bates',
  'account',
  'recipient',
  'owner_data',
] as const;
export const SUBPOENA_NETWORKS = table({
  columns: SUBPOENA_NETWORK_COLUMNS,
  bundle: SUBPOENA_NETWORK_COLUMNS,
  list: SUBPOENA_NETWORK_COLUMNS,
});

/** Subpoena list per account provider: one row per account. */
const SUBPOENA_ACCOUNT_COLUMNS = [
  'account_provider',
  'account',
  'domain',
  'first_seen_utc',
  'last_seen_utc',
  'deliveries',
  'items',
  'messages',
] as const;
export const SUBPOENA_ACCOUNTS = table({
  columns: SUBPOENA_ACCOUNT_COLUMNS,
  bundle: SUBPOENA_ACCOUNT_COLUMNS,
  list: SUBPOENA_ACCOUNT_COLUMNS,
});

/** The cells of `row` (a value for every column named) in the order of `columns`. */
export function cellsOf<C extends string, V>(columns: readonly C[], row: Readonly<Record<C, V>>): V[] {
  return columns.map((c) => row[c]);
}
