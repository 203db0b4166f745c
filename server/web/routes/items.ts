/**
 * One item: its page (hashes, provenance, headers, text), its HTML body (sanitized, sandboxed,
 * own CSP, only on demand), its attachments and its raw bytes (downloads only, never rendered).
 */
import type { RouteDef } from '../http.ts';
import type { WebDeps } from '../routes.ts';
import { itemDetail, readItemBytes } from '../../report/item-view.ts';
import { parseForDisplay, sanitizeForDisplay } from '../message-body.ts';
import { messageBodyCsp } from '../security.ts';
import { SpamcaseError } from '../../errors.ts';
import { messageEvidence } from '../../attribution/evidence.ts';
import { itemDkimDetail } from '../../attribution/dkim/case-dkim.ts';
import { itemCampaigns, itemCampaignSimilarity } from '../../campaigns/queries.ts';
import { attachmentFilename, queryString, renderPage } from './common.ts';
import { labelsOf, listTags } from '../../labels/labels.ts';

export function itemRoutes(deps: () => WebDeps): RouteDef[] {
  return [
    {
      method: 'GET',
      path: '/cases/:slug/items/:bates',
      access: 'case-read',
      async handler(req, res, state) {
        const c = state.access!.record;
        const item = await itemDetail(state.ctx.db.knex, c.id, String(req.params.bates));
        const shown = await parseForDisplay(readItemBytes(state.ctx, c.slug, item));
        const showHtml = queryString(req, 'html', 1) === '1';
        const images = queryString(req, 'images', 1) === '1';
        // Attribution and why (as `spamcase message`), the DKIM result with key fingerprints, the campaign.
        const evidence = await messageEvidence(state.ctx, c.slug, item.bates);
        const [dkim, campaigns, campaignSimilarity] = await Promise.all([
          itemDkimDetail(state.ctx.db.knex, c.id, evidence.item.id),
          itemCampaigns(state.ctx.db.knex, c.id, [evidence.item.id]),
          itemCampaignSimilarity(state.ctx.db.knex, c.id, evidence.item.id),
        ]);
        // The From field with its display name decoded (RFC 2047), else the address the index holds.
        const fromShown = shown.headers.find((h) => h.name.toLowerCase() === 'from')?.decoded ?? item.message.from;
        const [labels, caseTags] = await Promise.all([
          labelsOf(state.ctx.db.knex, c.id, 'item', [item.bates]),
          listTags(state.ctx.db.knex, c.id),
        ]);
        renderPage(deps().templates, res, state, 'item.njk', {
          labels: labels.get(item.bates),
          caseTags,
          fromShown,
          item,
          evidence,
          dkim,
          campaign: campaigns.get(evidence.item.id) ?? null,
          campaignSimilarity,
          shown: { ...shown, attachments: shown.attachments.map(({ content: _content, ...a }) => a) },
          showHtml: showHtml && shown.html !== null,
          images,
          section: 'items',
        });
      },
    },
    {
      method: 'GET',
      path: '/cases/:slug/items/:bates/body.html',
      access: 'case-read',
      async handler(req, res, state) {
        const c = state.access!.record;
        const item = await itemDetail(state.ctx.db.knex, c.id, String(req.params.bates));
        const shown = await parseForDisplay(readItemBytes(state.ctx, c.slug, item));
        if (shown.html === null) throw new SpamcaseError('NOT_FOUND', 'this message has no HTML body');
        const images = queryString(req, 'images', 1) === '1';
        const body = sanitizeForDisplay(shown.html, { remoteImages: images });
        res.setHeader('Content-Security-Policy', messageBodyCsp(images));
        res.setHeader('X-Frame-Options', 'SAMEORIGIN');
        res
          .type('text/html; charset=utf-8')
          .send(
            `<!doctype html><html><head><meta charset="utf-8"><title>${item.bates}</title></head><body>${body}</body></html>`,
          );
      },
    },
    {
      method: 'GET',
      path: '/cases/:slug/items/:bates/raw',
      access: 'case-read',
      async handler(req, res, state) {
        const c = state.access!.record;
        const item = await itemDetail(state.ctx.db.knex, c.id, String(req.params.bates));
        const bytes = readItemBytes(state.ctx, c.slug, item);
        res.setHeader('Content-Disposition', attachmentFilename(`${item.bates}.eml`));
        res.setHeader('X-Content-Type-Options', 'nosniff');
        res.type('application/octet-stream').send(bytes);
      },
    },
    {
      method: 'GET',
      path: '/cases/:slug/items/:bates/attachments/:n',
      access: 'case-read',
      async handler(req, res, state) {
        const c = state.access!.record;
        const n = Number(req.params.n);
        const item = await itemDetail(state.ctx.db.knex, c.id, String(req.params.bates));
        const shown = await parseForDisplay(readItemBytes(state.ctx, c.slug, item));
        const a = Number.isInteger(n) ? shown.attachments[n] : undefined;
        if (!a) throw new SpamcaseError('NOT_FOUND', 'no such attachment');
        res.setHeader('Content-Disposition', attachmentFilename(a.filename ?? `${item.bates}-attachment-${n + 1}.bin`));
        res.setHeader('X-Content-Type-Options', 'nosniff');
        res
          .type('application/octet-stream')
          .send(Buffer.from(a.content.buffer, a.content.byteOffset, a.content.byteLength));
      },
    },
  ];
}
