// Run as a process by decodePool.test.ts: closes a DecodePool while a batch's reply is already on its
// way, with nothing else keeping the process alive, and prints `closed` once close() has resolved.
// A pool that lets the terminating thread go unreferenced exits (code 0) before printing it.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { DecodePool } from '../../src/trainer/data/decodePool';

async function main(): Promise<void> {
  const pool = new DecodePool(1, path.join(__dirname, 'replyThenBusyWorker.js'));
  const batch = pool.decode(['a.png'], 4, 1).then(
    () => 'decoded',
    (err: Error) => err.message,
  );
  // Blocks this thread until the reply has been posted: its 'message' event cannot run before close().
  while (!existsSync(process.env.TL_REPLIED!));
  const closing = pool.close();
  process.stdout.write(`batch: ${await batch}\n`);
  await closing;
  process.stdout.write('closed\n');
}

void main();
