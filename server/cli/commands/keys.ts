/** `spamcase keys init`: a self-signed signing certificate for trying the product (never for court use). */
import { loadConfig } from '../../config.ts';
import { SpamcaseError } from '../../errors.ts';
import { initTrialKeys } from '../../signing/keys.ts';
import type { CommandModule } from '../command.ts';
import { json, out } from '../output.ts';

export const commands: CommandModule['commands'] = {
  async 'keys init'(ctx, { values }) {
    const config = loadConfig();
    if ('p12' in config.signing)
      throw new SpamcaseError(
        'USAGE',
        'SPAMCASE_SIGNING_P12 is set: keys init writes PEM files; unset it or use your own PKCS#12',
      );
    const r = initTrialKeys(config.signing, config.organization, ctx.clock());
    if (values.json) json(r);
    else {
      out(`trial signing certificate written: ${r.cert} (key ${r.key}, mode 600)`);
      out(`  subject ${r.subject.replace(/\n/g, ', ')}`);
      out(`  SHA-256 fingerprint ${r.fingerprint}`);
      out(
        "  bundles signed with it say so; use your organization's certificate for real cases (SPAMCASE_SIGNING_CERT/KEY or _P12)",
      );
    }
    return 0;
  },
};
