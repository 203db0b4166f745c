// Related-templates campaign corpus: mailings that resemble each other without being one mailing, beside
// near-identical copies of each mailing, with the truth for both.
//
// A "template" is one mailing (one truth campaign). Templates come in families built from the prose lines and
// subjects of real SpamAssassin spam (templates.ts):
//   - product:     the same product in different words: templates share the product's lines (name, price, order
//                  link), its domain and a few sentences, the rest of the copy is different;
//   - boilerplate: the same HTML boilerplate (style, script, layout, tracking image, a header line and the bulk
//                  sender's unsubscribe footer, its ad server) around different offers;
//   - evolution:   a mailing rewritten step by step: each template keeps about 40% of the previous one's
//                  sentences, so neighbours resemble each other and the ends of the chain do not;
//   - subjects:    one template sent under many subjects (one truth campaign: the body is the same mailing);
//   - single:      an unrelated template.
// Every copy varies the way near-identical spam varies: a greeting with a random name, hash-buster lines and
// subject suffixes of random tokens, re-spacing (doubled spaces, trailing blanks, blank lines), lines re-wrapped at
// another width, changed links (random host, path and id; sometimes another redirector domain), a few synonym
// swaps, a dropped sentence, and its form (text/plain 8bit or quoted-printable, text/html quoted-printable or
// base64, multipart/alternative). Ham comes from SpamAssassin's easy-ham, as written.
//
// Membership is in the Message-ID's left part (<c17.…> template 17, <h42.…> ham template 42), as in
// generateCampaignCorpus, so test/campaigns/quality.ts and the campaign bench read both corpora the same way.
//
//   node --import tsx test/corpus/related.ts --out DIR --messages N [--seed S]

import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  encodeQp,
  END,
  FIRST,
  LAST,
  loadHam,
  proseLines,
  rfc5322,
  Rng,
  sampleCdf,
  START,
  WORDS,
  wrap64,
  zipfCdf,
  type CampaignCorpusTruth,
} from './generate.ts';
import { DEFAULT_TEMPLATE_DIR, loadTemplates } from './templates.ts';

export type FamilyKind = 'product' | 'boilerplate' | 'evolution' | 'subjects' | 'single';

export interface RelatedCorpusOptions {
  out: string;
  messages: number;
  seed?: number;
  /** Number of templates (truth campaigns; default messages / 40, at least 6). */
  templates?: number;
  /** Share of messages that are ham (default 0.05). */
  hamShare?: number;
  templateDir?: string;
}

export interface RelatedCorpusTruth extends CampaignCorpusTruth {
  /** Templates generated, and families of each kind (a family of two or more templates is "related"). */
  templates: number;
  families: Record<FamilyKind, number>;
  /** Templates that have a related template (same family) among the templates used. */
  relatedTemplatesUsed: number;
  /** Per template used: its label, family number and kind, and messages. */
  templateList: { label: string; family: number; kind: FamilyKind; messages: number }[];
}

interface Tpl {
  family: number;
  kind: FamilyKind;
  subjects: string[];
  /** Lines before the offer (boilerplate), the offer's lines, lines after it (boilerplate footer). */
  head: string[];
  lines: string[];
  foot: string[];
  domains: string[];
  /** HTML around the text (boilerplate family: style and script the reader never sees). */
  style: string | null;
}

const SYNONYMS: Record<string, string[]> = {
  free: ['complimentary'],
  buy: ['purchase', 'order'],
  now: ['today'],
  money: ['cash'],
  offer: ['deal'],
  best: ['finest'],
  get: ['receive'],
  amazing: ['incredible'],
};

const PRODUCT_SUFFIX = ['ex', 'ol', 'ia', 'max', 'plus', 'ix', 'ara', 'on'];

export async function generateRelatedCorpus(options: RelatedCorpusOptions): Promise<RelatedCorpusTruth> {
  const N = options.messages;
  if (!Number.isInteger(N) || N < 1) throw new Error('messages must be a positive integer');
  const seed = options.seed ?? 1;
  const out = resolve(options.out);
  if (existsSync(out) && readdirSync(out).length > 0) throw new Error(`output directory ${out} is not empty`);
  mkdirSync(out, { recursive: true });
  const dataDir = options.templateDir ?? DEFAULT_TEMPLATE_DIR;
  const rng = new Rng(seed ^ 0x2e1a7ed);
  const real = loadTemplates(dataDir, 3000);
  const pool = proseLines(real);
  const subjectPool = [...new Set(real.map((t) => t.subject).filter((s) => /^[\x20-\x7e]{8,80}$/.test(s)))];
  const ham = loadHam(dataDir);
  const C = options.templates ?? Math.max(6, Math.round(N / 40));
  const hamShare = options.hamShare ?? 0.05;

  // Sentences are drawn without replacement while the pool lasts, so that unrelated templates share nothing by
  // accident (related ones share on purpose).
  const order = pool.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  let drawn = 0;
  const sentence = () => pool[order[drawn++ % order.length]!]!;
  const sentences = (n: number) => Array.from({ length: n }, sentence);
  const domain = () =>
    `${rng.pick(WORDS)}${rng.token(4, 'abcdefghijklmnopqrstuvwxyz')}.${rng.pick(['com', 'net', 'biz', 'info'])}`;
  const subjectOf = () => rng.pick(subjectPool);

  const templates: Tpl[] = [];
  const families: Record<FamilyKind, number> = { product: 0, boilerplate: 0, evolution: 0, subjects: 0, single: 0 };
  let family = 0;
  while (templates.length < C) {
    const u = rng.next();
    const kind: FamilyKind =
      u < 0.25 ? 'product' : u < 0.5 ? 'boilerplate' : u < 0.7 ? 'evolution' : u < 0.85 ? 'subjects' : 'single';
    families[kind] += 1;
    if (kind === 'product') {
      const name = `${rng.pick(WORDS)}${rng.pick(PRODUCT_SUFFIX)}`.replace(/^./, (c) => c.toUpperCase());
      const price = `$${rng.range(19, 99)}.95`;
      const shop = domain();
      const shared = [
        `Order ${name} today for only ${price} with free shipping to your door.`,
        `${name} is the product thousands of customers ask for by name.`,
        ...sentences(2),
      ];
      for (let k = rng.range(3, 5); k > 0; k--)
        templates.push({
          family,
          kind,
          subjects: [`${name}: ${subjectOf()}`],
          head: [],
          lines: [...shared.slice(0, 2), ...sentences(rng.range(7, 10)), ...shared.slice(2)],
          foot: [],
          domains: [shop, domain()],
          style: null,
        });
    } else if (kind === 'boilerplate') {
      const sender = domain();
      // The boilerplate is markup (style, script, layout table, tracking image), which the reader never sees, plus
      // a visible header line and the sender's unsubscribe footer: a quarter to a third of the visible words.
      const head = sentences(1);
      const foot = [
        `You are receiving this mailing because you are a member of ${sender}.`,
        `To unsubscribe from future mailings from ${sender} reply with remove in the subject line.`,
        ...sentences(rng.range(0, 1)),
      ];
      const style =
        `<style>td{font-family:Verdana;font-size:${rng.range(10, 13)}px}.${rng.token(5, 'abcdefghij')}{color:#` +
        `${rng.token(6, '0123456789abcdef')}}</style>\n<script language="JavaScript">function ${rng.token(6, 'abcdefghij')}()` +
        `{window.open('http://ads.${sender}/pop.html','w','width=400,height=300');}</script>`;
      for (let k = rng.range(4, 8); k > 0; k--)
        templates.push({
          family,
          kind,
          subjects: [subjectOf()],
          head,
          lines: sentences(rng.range(7, 10)),
          foot,
          domains: [`ads.${sender}`, domain()],
          style,
        });
    } else if (kind === 'evolution') {
      let lines = sentences(rng.range(9, 12));
      const subject = subjectOf();
      const domains = [domain(), domain()];
      for (let k = rng.range(3, 5); k > 0; k--) {
        templates.push({ family, kind, subjects: [subject], head: [], lines, foot: [], domains, style: null });
        lines = lines.map((l) => (rng.chance(0.4) ? l : sentence()));
      }
    } else if (kind === 'subjects') {
      const subjects = Array.from({ length: rng.range(6, 12) }, subjectOf);
      templates.push({
        family,
        kind,
        subjects,
        head: [],
        lines: sentences(rng.range(8, 12)),
        foot: [],
        domains: [domain(), domain()],
        style: null,
      });
    } else
      templates.push({
        family,
        kind,
        subjects: [subjectOf()],
        head: [],
        lines: sentences(rng.range(8, 12)),
        foot: [],
        domains: [domain(), domain()],
        style: null,
      });
    family += 1;
  }

  // Template sizes are Zipf-like, ranked in a shuffled order so that a family's templates differ in size.
  const rank = templates.map((_, i) => i);
  for (let i = rank.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [rank[i], rank[j]] = [rank[j]!, rank[i]!];
  }
  const cdf = zipfCdf(templates.length);
  const sizes = new Map<number, number>();
  const usedHam = new Set<number>();
  let hamMessages = 0;

  const buster = () => `${rng.token(rng.range(10, 18))} ${rng.token(rng.range(4, 7))}`;
  const swap = (s: string) =>
    s.replace(/[A-Za-z]+/g, (w) => {
      const alts = SYNONYMS[w.toLowerCase()];
      return alts && rng.chance(0.2) ? rng.pick(alts) : w;
    });
  const respace = (s: string) => s.replace(/ /g, () => (rng.chance(0.15) ? rng.pick(['  ', ' \t', '   ']) : ' '));
  const rewrap = (lines: string[], width: number) => {
    const words = lines.join(' ').split(/\s+/);
    const outLines: string[] = [];
    let cur = '';
    for (const w of words) {
      if (cur !== '' && cur.length + 1 + w.length > width) {
        outLines.push(cur);
        cur = w;
      } else cur = cur === '' ? w : `${cur} ${w}`;
    }
    if (cur !== '') outLines.push(cur);
    return outLines;
  };
  const escape = (l: string) => l.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/'/g, '&#39;');

  for (let i = 0; i < N; i++) {
    const dir = join(out, 'campaigns', String(Math.floor(i / 1000)).padStart(4, '0'));
    if (i % 1000 === 0) mkdirSync(dir, { recursive: true });
    const date = rfc5322(START + rng.int(END - START));
    const from = `${rng.token(1, 'abcdefghijklmnopqrstuvwxyz')}${rng.token(7)}@hotmail.com`;
    const to = `${rng.pick(FIRST)}.${rng.pick(LAST)}.${rng.range(1, 99)}@laposte.net`;
    let label: string;
    let subject: string;
    let mime: string;
    let body: string;
    if (rng.chance(hamShare) && ham.length > 0) {
      const h = rng.int(ham.length);
      usedHam.add(h);
      hamMessages++;
      const t = ham[h]!;
      label = `h${h}`;
      subject = t.subject;
      mime = t.mimeHeaders;
      body = t.body.toString('latin1');
    } else {
      const c = rank[sampleCdf(cdf, rng.next())]!;
      sizes.set(c, (sizes.get(c) ?? 0) + 1);
      const k = templates[c]!;
      label = `c${c}`;
      subject =
        rng.pick(k.subjects) +
        (rng.chance(0.5) ? ` ${rng.pick(['-', '#', '', '::'])} ${rng.token(rng.range(5, 9))}` : '');
      const offer: string[] = [`${rng.pick(['Dear', 'Hello', 'Hi'])} ${rng.pick(FIRST)},`];
      for (const s of k.lines) {
        if (rng.chance(0.05)) continue;
        offer.push(swap(s));
        if (rng.chance(0.1)) offer.push(buster());
      }
      const host = rng.chance(0.15) ? domain() : rng.pick(k.domains);
      const url = `http://${rng.token(5, 'abcdefghijklmnopqrstuvwxyz')}.${host}/${rng.token(6)}/?id=${rng.range(10000, 9999999)}`;
      const visible = [...k.head, ...offer.slice(0, 3), `Visit ${url} now`, ...offer.slice(3), ...k.foot, buster()];
      let textLines = visible;
      if (rng.chance(0.3)) textLines = rewrap(textLines, rng.range(40, 76));
      if (rng.chance(0.3)) textLines = textLines.map((l) => respace(l) + (rng.chance(0.2) ? '  ' : ''));
      if (rng.chance(0.2)) textLines = textLines.flatMap((l) => (rng.chance(0.15) ? [l, ''] : [l]));
      const text = textLines.join('\n') + '\n';
      const htmlLines = [...k.head, ...offer.slice(0, 3)]
        .map((l) => `<p>${escape(l)}</p>`)
        .concat(
          [`<p><a href="${url}">Click here</a></p>`],
          [...offer.slice(3), ...k.foot].map((l) => `<p>${escape(l)}</p>`),
        );
      const html =
        `<html><head>${k.style ?? ''}</head><body bgcolor="#${rng.token(6, '0123456789abcdef')}">\n` +
        (k.style ? `<table width="600"><tr><td>\n` : '') +
        (rng.chance(0.3) ? htmlLines.map(respace) : htmlLines).join(rng.chance(0.5) ? '\n' : '') +
        (k.style ? `\n</td></tr></table><img src="http://${k.domains[0]}/open.gif?u=${rng.token(10)}">` : '') +
        `\n<!-- ${buster()} -->\n</body></html>\n`;
      const htmlPart = () =>
        rng.chance(0.5)
          ? {
              headers: 'Content-Type: text/html; charset="utf-8"\nContent-Transfer-Encoding: base64\n',
              body: wrap64(Buffer.from(html, 'utf8').toString('base64')),
            }
          : {
              headers: 'Content-Type: text/html; charset="utf-8"\nContent-Transfer-Encoding: quoted-printable\n',
              body: encodeQp(html),
            };
      const textPart = () =>
        rng.chance(0.5)
          ? {
              headers: 'Content-Type: text/plain; charset="utf-8"\nContent-Transfer-Encoding: quoted-printable\n',
              body: encodeQp(text),
            }
          : {
              headers: 'Content-Type: text/plain; charset="iso-8859-1"\nContent-Transfer-Encoding: 8bit\n',
              body: text,
            };
      const form = rng.next();
      // The boilerplate family is HTML mail (its boilerplate is the HTML around the offer).
      if (form < 0.4 && !k.style) {
        const p = textPart();
        mime = p.headers;
        body = p.body;
      } else if (form < 0.75) {
        const p = htmlPart();
        mime = p.headers;
        body = p.body;
      } else {
        const boundary = `----=_NextPart_${rng.token(12, '0123456789ABCDEF')}`;
        const a = textPart();
        const b = htmlPart();
        mime = `Content-Type: multipart/alternative; boundary="${boundary}"\n`;
        body = `This is a multi-part message in MIME format.\n\n--${boundary}\n${a.headers}\n${a.body}\n--${boundary}\n${b.headers}\n${b.body}\n--${boundary}--\n`;
      }
    }
    const headers =
      `Delivered-To: ${to}\nReturn-Path: <${from}>\nFrom: ${from}\nTo: ${to}\nSubject: ${subject}\nDate: ${date}\n` +
      `Message-ID: <${label}.${i}@truth.spamcase.invalid>\nMime-Version: 1.0\n${mime}\n`;
    writeFileSync(
      join(dir, `${String(i).padStart(7, '0')}.eml`),
      Buffer.concat([Buffer.from(headers, 'latin1'), Buffer.from(body, 'latin1')]),
    );
  }
  const usedFamilies = new Map<number, number>();
  for (const c of sizes.keys())
    usedFamilies.set(templates[c]!.family, (usedFamilies.get(templates[c]!.family) ?? 0) + 1);
  const templateList = [...sizes.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([c, messages]) => ({ label: `c${c}`, family: templates[c]!.family, kind: templates[c]!.kind, messages }));
  const truth: RelatedCorpusTruth = {
    seed,
    messages: N,
    campaignMessages: N - hamMessages,
    hamMessages,
    campaigns: sizes.size,
    hamTemplates: usedHam.size,
    largestCampaign: Math.max(0, ...sizes.values()),
    templates: templates.length,
    families,
    relatedTemplatesUsed: templateList.filter((t) => usedFamilies.get(t.family)! >= 2).length,
    templateList,
  };
  writeFileSync(join(out, 'truth.json'), JSON.stringify(truth, null, 2) + '\n');
  return truth;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const get = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const outDir = get('--out');
  if (!outDir) {
    process.stderr.write('usage: related.ts --out DIR --messages N [--seed S]\n');
    process.exit(2);
  }
  const truth = await generateRelatedCorpus({
    out: outDir,
    messages: Number(get('--messages') ?? '2000'),
    seed: Number(get('--seed') ?? '1'),
  });
  process.stdout.write(`${JSON.stringify({ ...truth, templateList: undefined })}\n`);
}
