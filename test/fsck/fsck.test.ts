/**
 * fsck names what is wrong: evidence bytes altered in the store, an item filed twice, a custody
 * event rewritten. A clean case passes.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createCase } from '../../server/cases/cases.ts';
import { ingest } from '../../server/usecases/ingest.ts';
import { fsck } from '../../server/fsck/fsck.ts';
import { storeDir } from '../../server/context.ts';
import { packDir } from '../../server/store/pack-store.ts';
import { generateCorpus } from '../corpus/generate.ts';
import { storageTest, tempDir } from '../helpers/databases.ts';

storageTest(
  'fsck passes a clean case and names altered bytes, a double-filed item and a rewritten custody event',
  async ({ ctx }) => {
    const out = path.join(tempDir('spamcase-corpus-'), 'c');
    await generateCorpus({ out, messages: 40, seed: 4, layout: 'eml' });
    await createCase(ctx, { slug: 'fsck', title: 'Fsck', parties: [{ name: 'Laposte.net', batesPrefix: 'LPN' }] });
    await ingest(ctx, { caseSlug: 'fsck', method: 'trap', paths: [path.join(out, 'trap')], threaded: false });
    const clean = await fsck(ctx, 'fsck');
    assert.equal(clean.ok, true);
    assert.deepEqual(clean.problems, []);

    const knex = ctx.db.knex;
    const item = (await knex('items').where({ bates: 'LPN-0000003' }).first()) as Record<string, string | number>;
    const file = path.join(packDir(storeDir(ctx, 'fsck')), String(item.pack));
    fs.chmodSync(file, 0o644);
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.from('X'), 0, 1, Number(item.pack_offset) + 10);
    fs.closeSync(fd);
    const maxId = Number(((await knex('items').max({ m: 'id' }).first()) as { m: number }).m);
    await knex('items').insert({ ...item, id: maxId + 1, bates: 'LPN-9999999' });
    await knex('custody_events').where({ seq: 2 }).update({ actor: 'someone else' });

    const broken = await fsck(ctx, 'fsck');
    assert.equal(broken.ok, false);
    const text = broken.problems.join('\n');
    assert.match(
      text,
      new RegExp(`item ${item.sha256} \\(${String(item.pack)} offset ${item.pack_offset}\\): stored bytes hash to`),
    );
    assert.match(text, new RegExp(`item ${item.sha256} is filed more than once`));
    assert.match(text, /custody event 2: hash does not match its content/);
    assert.match(text, /items but \d+ samples that first brought an item/);
  },
);
