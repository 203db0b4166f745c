/** The README.txt placed at the top of every bundle: how to verify it with standard tools. */
export function bundleReadme(info: {
  identifier: string;
  caseSlug: string;
  title: string;
  asOfSeq: number;
  asOfHash: string;
  organization: string;
  timestamped: boolean;
  summary: boolean;
}): string {
  const d = info.identifier;
  const lines = [
    `Evidence bundle ${d}`,
    `Case: ${info.title} (${info.caseSlug}), as of custody event ${info.asOfSeq} (hash ${info.asOfHash})`,
    `Made by: ${info.organization}, with spamcase`,
    '',
    'This ZIP holds one BagIt bag (RFC 8493). Everything can be checked with standard tools;',
    'no spamcase software is needed.',
    '',
    'What is inside',
    '  data/items/        every item (unique message bytes), byte for byte as harvested, named',
    '                     <Bates number>_<SHA-256>.eml',
    '  data/items.csv     one row per item: Bates number, file, SHA-256, MD5, size, party,',
    '                     acquisition, original name, account, originating IP, hand-off IP,',
    '                     recipients, date, From, subject, campaign, parse error',
    '  data/accounts.csv, data/deliveries.csv, data/samples.csv (and any other .csv): the index tables',
    '  data/attribution.jsonl: per item, every account candidate and the Received walk',
    '  data/wrappers/: the ARF reports, forwards and bounces unwrapped, byte for byte',
    '  data/logs/: the mail server logs acquired, byte for byte (log_files.csv lists them; attempts.csv',
    '                     holds every attempt read from them)',
    '  data/rules/: the damages rule set file as used (with damages.csv)',
    '  data/loadfile.dat  Concordance load file (þ quote, DC4 separator, UTF-8 with BOM)',
    '  data/custody.jsonl the hash-chained custody log up to the as-of event, one JSON event per line',
    ...(info.summary
      ? [
          '  data/summary.pdf   the summary; it states this bundle identifier and the SHA-256 of',
          '                     manifest-sha256.txt without its data/summary.pdf line (step 2b)',
        ]
      : []),
    '  manifest-sha256.txt     SHA-256 of every file under data/',
    '  tagmanifest-sha256.txt  SHA-256 of the tag files (bagit.txt, bag-info.txt, the manifest, this',
    '                          README, signer-cert.pem)',
    '  tagmanifest-sha256.txt.p7s  detached CMS (PKCS#7) signature over tagmanifest-sha256.txt',
    ...(info.timestamped ? ['  tagmanifest-sha256.txt.p7s.tsr  RFC 3161 timestamp reply over the signature file'] : []),
    '  signer-cert.pem    the certificate that made the signature',
    '',
    'How to verify (Linux/macOS shell; on Windows use WSL or Git Bash)',
    `  1. unzip -t bundle.zip && unzip bundle.zip && cd ${d}`,
    '  2. sha256sum -c manifest-sha256.txt        (every payload file; none may be missing)',
    '     sha256sum -c tagmanifest-sha256.txt     (the tag files)',
    '     Completeness: find data -type f | wc -l equals the number of lines of manifest-sha256.txt,',
    '     and the Payload-Oxum in bag-info.txt is <total bytes>.<file count> of data/.',
    ...(info.summary
      ? [
          "  2b. grep -v ' data/summary.pdf$' manifest-sha256.txt | sha256sum   equals the value printed in",
          '     data/summary.pdf and in bag-info.txt (Spamcase-Manifest-Without-Summary-SHA256).',
        ]
      : []),
    '  3. openssl cms -verify -binary -inform DER -in tagmanifest-sha256.txt.p7s \\',
    "       -content tagmanifest-sha256.txt -CAfile <the organization's published certificate> -out /dev/null",
    '     ("Verification successful"). Compare the certificate fingerprint with the one the',
    '     organization publishes: openssl x509 -in signer-cert.pem -noout -fingerprint -sha256',
    ...(info.timestamped
      ? [
          '  4. openssl ts -verify -in tagmanifest-sha256.txt.p7s.tsr -data tagmanifest-sha256.txt.p7s \\',
          '       -CAfile <the timestamp authority\'s certificate>      ("Verification: OK")',
        ]
      : []),
    '  5. The custody log: each line\'s "hash" is SHA-256 of its "prevHash", a newline, and the',
    '     canonical JSON (keys sorted, no spaces) of {action, actor, at, case, details, seq};',
    '     the first prevHash is 64 zeros.',
    "  6. items.csv: each row's file, SHA-256 and size match data/items/ (sha256sum, stat).",
    '',
    'Or, with spamcase: spamcase verify bundle.zip --cert <certificate>',
    '',
  ];
  return lines.join('\n');
}
