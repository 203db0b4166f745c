/** Limits against hostile or broken log input (docs/LOGS.md). None can be switched off by an option. */

/**
 * Longest line read, in bytes. Postfix cuts its own syslog lines near 2,048 bytes (line_length_limit
 * governs SMTP, syslog's LOG_MAX is 8,192 on glibc); Exim's longest (a rejected RCPT with a long
 * ACL message) stays under 8 KiB. A longer line is counted as long and unknown, its first bytes
 * only are read, and the rest stays in the stored raw log.
 */
export const MAX_LOG_LINE_BYTES = 16 * 1024;

/**
 * Open Postfix queue ids and smtpd sessions held while their later lines are awaited. A queue id
 * that never logs `removed` (a log cut by rotation) is forgotten oldest first past this many.
 */
export const MAX_OPEN_TRANSACTIONS = 200_000;

/** Attempt rows per database statement batch (one transaction per this many rows). */
export const ATTEMPT_BATCH_ROWS = 8_000;
