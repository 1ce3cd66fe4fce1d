// `npm start`: the bundled example workspace in a real VS Code (code-server) at
// http://127.0.0.1:8080 with this extension loaded. Ctrl+C stops it.
import * as path from 'node:path';
import { readFileSync } from 'node:fs';
import { startCodeServer } from './codeServer';

const root = path.resolve(__dirname, '..', '..', '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { publisher: string; name: string; version: string };

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 8080);
  const workspace = path.resolve(process.argv[2] ?? path.join(root, 'examples', 'digits'));
  const server = await startCodeServer({
    workspace,
    port,
    settings: { 'workbench.startupEditor': 'none' },
    linkExtension: { folder: root, id: `${pkg.publisher}.${pkg.name}`, version: pkg.version },
  });
  process.stdout.write(
    `Transfer Lab: VS Code (code-server) with the extension is at ${server.url}/?folder=${encodeURIComponent(workspace)}\nPress Ctrl+C to stop.\n`,
  );
  const stop = (): void => {
    void server.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
