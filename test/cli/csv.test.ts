import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toCsv } from '../../server/cli/csv.ts';

test('CSV quotes what needs quoting and defuses cells a spreadsheet would run as formulas', () => {
  const csv = toCsv(
    ['address', 'parties', 'evidence'],
    [
      {
        address: '=HYPERLINK("http://evil")@x.com',
        parties: ['Laposte.net', 'MSN'],
        evidence: 'provider: X-Originating-Email',
      },
      { address: '-2+3@x.com', parties: [], evidence: 'a "quoted", value' },
    ],
  );
  assert.equal(
    csv,
    'address,parties,evidence\r\n' +
      `"'=HYPERLINK(""http://evil"")@x.com",Laposte.net; MSN,provider: X-Originating-Email\r\n` +
      `'-2+3@x.com,,"a ""quoted"", value"\r\n`,
  );
});
