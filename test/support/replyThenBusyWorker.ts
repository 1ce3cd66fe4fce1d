// A decoding thread for the DecodePool tests: replies to a batch at once (no rows), then says so by
// creating the file named in TL_REPLIED and stays busy (until terminated), so the reply waits,
// undelivered, for whatever the main thread does next.
import { writeFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type { DecodeReply, DecodeRequest } from '../../src/trainer/data/decodePool';

parentPort?.on('message', (r: DecodeRequest) => {
  const reply: DecodeReply = { id: r.id, rows: new Float32Array(0), ok: new Int32Array(0), failed: [] };
  parentPort!.postMessage(reply);
  writeFileSync(process.env.TL_REPLIED!, '');
  const until = Date.now() + 60_000;
  while (Date.now() < until); // busy: only terminate() ends this
});
