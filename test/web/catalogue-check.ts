/**
 * The check that a French page shows no English string of the catalogue (templates/web/i18n/en.json),
 * shared by test/web/french-pages.test.ts (HTTP) and test/e2e/french-hostile.test.ts (a browser).
 * Text from the messages (inside <bdi class="msg">) and values as recorded (translate="no") are
 * evidence, not interface, and are left out; so are English values that are also French words or
 * appear in a French value ("Total", "DKIM", "Message-ID"). Not a test file.
 */
import { catalogue } from '../../server/web/i18n.ts';

/** The visible text of a page: no script, style or tags, message text left out, entities decoded. */
export function pageText(html: string): string {
  return (
    html
      .replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, ' ')
      .replace(/<bdi class="msg">[\s\S]*?<\/bdi>/g, ' ')
      // Values as recorded (the custody event's hashed JSON): translate="no", like message text.
      .replace(/<code[^>]* translate="no"[^>]*>[\s\S]*?<\/code>/g, ' ')
      .replace(/<[^>]+>/g, ' ')
      .replace(/&nbsp;|&#160;/g, ' ')
      .replace(/&#39;/g, "'")
      .replace(/&quot;/g, '"')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&')
      .replace(/\s+/g, ' ')
  );
}

/** English catalogue phrases a French page must not show: each value's literal runs between placeholders. */
export function englishPhrases(): Array<{ key: string; phrase: string }> {
  const en = catalogue('en');
  const fr = catalogue('fr');
  const frText = Object.values(fr).join('\n');
  const out: Array<{ key: string; phrase: string }> = [];
  for (const [key, value] of Object.entries(en)) {
    if (fr[key] === value) continue;
    for (const run of value.split(/\{\w+\}/)) {
      const phrase = run.trim().replace(/^[\s:;,.()–-]+|[\s:;,.()–-]+$/g, '');
      // One short word ("of", "to") says nothing of the language; a phrase of letters does.
      if (phrase.length < 6 || !/[a-z]{3}/i.test(phrase) || frText.includes(phrase)) continue;
      out.push({ key, phrase });
    }
  }
  return out;
}

export function englishShown(text: string, phrases = englishPhrases()): string[] {
  return phrases
    .filter(({ phrase }) =>
      new RegExp(`(^|[^\\p{L}])${phrase.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^\\p{L}])`, 'u').test(text),
    )
    .map(({ key, phrase }) => `${key}: "${phrase}"`);
}
