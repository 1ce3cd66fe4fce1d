// A decoding thread (worker_threads): reads and decodes the image files of one batch at a time and
// hands back their float rows, transferring the buffer (no copy). Bundled on its own by esbuild as
// dist/decodeWorker.js, next to the trainer bundle; decodePool.ts starts it.
import { parentPort } from 'node:worker_threads';
import { decodeFiles } from './decodeImage';
import type { DecodeReply, DecodeRequest } from './decodePool';

parentPort?.on('message', (r: DecodeRequest) => {
  let reply: DecodeReply;
  try {
    reply = { id: r.id, ...decodeFiles(r.files, r.size, r.channels) };
  } catch (err) {
    reply = { id: r.id, error: err instanceof Error ? err.message : String(err) };
  }
  parentPort!.postMessage(reply, 'rows' in reply ? [reply.rows.buffer as ArrayBuffer] : []);
});
