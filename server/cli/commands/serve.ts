/** `spamcase serve`: the web UI and JSON API (what `npm start` runs), until SIGINT or SIGTERM. */
import * as v from 'valibot';
import { loadConfig } from '../../config.ts';
import { optionalText, wholeNumber } from '../../usecases/input.ts';
import { startServer } from '../../web/server.ts';
import type { CommandModule } from '../command.ts';
import { cliInput } from '../input.ts';
import { out } from '../output.ts';

const serveInput = v.object({ port: v.optional(wholeNumber(0, 65_535)), host: optionalText(200) });

export const commands: CommandModule['commands'] = {
  async serve(ctx, { values }) {
    const input = cliInput(serveInput, { port: values.port, host: values.host });
    const config = loadConfig();
    const server = await startServer(ctx, {
      host: input.host ?? config.http.host,
      port: input.port ?? config.http.port,
      trustProxy: config.http.trustProxy,
    });
    out(
      `spamcase is serving ${server.url} (data root ${ctx.dataRoot}, ${ctx.db.dialect === 'pg' ? 'PostgreSQL' : 'SQLite'}); Ctrl-C stops it`,
    );
    await new Promise<void>((resolve) => {
      const stop = () => void server.close().then(resolve);
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  },
};
