// `transfer-lab <command>`: the training process and its CLI (bundled to dist/trainer.js).
// Never imports `vscode`; the extension host runs it as a child process and reads its JSON lines.
import { UsageError } from './cli/args';
import { commands } from './cli/commands';
import { releaseEngine } from './engines';
import { errorMessage } from './run/recordFailure';

function help(): string {
  const lines = ['usage: transfer-lab <command> [options]', '', 'commands:'];
  for (const c of Object.values(commands)) lines.push(`  ${c.usage}`, `      ${c.summary}`);
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${help()}\n`);
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`transfer-lab: unknown command '${name}'\n${help()}\n`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    const usage = err instanceof UsageError;
    process.stderr.write(`transfer-lab ${name}: ${errorMessage(err)}\n${usage ? `usage: transfer-lab ${command.usage}\n` : ''}`);
    return usage ? 2 : 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
    releaseEngine();
    // Native engines (Dawn) can keep handles open; give stdout a moment, then leave.
    setTimeout(() => process.exit(code), 200).unref();
  });
}
