// What the trainer prints that is not its own: engine probing stays quiet unless the engine is used
// or asked for (Dawn's native "vkCreateInstance … VulkanError.cpp" lines on a machine without a
// Vulkan driver), and file-system errors read as sentences, not "ENOTDIR: not a directory, mkdir …".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeFileError, explainFileError } from '../../src/shared/system/fileErrors';
import { MNIST_01, writeExperiment } from '../support/trainerFixtures';
import { runCli } from '../support/trainerCli';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tl-messages-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

/** No Vulkan driver configured (lavapipe is only used when VK_ICD_FILENAMES points at it), engine auto. */
const NO_DRIVER: NodeJS.ProcessEnv = {
  VK_ICD_FILENAMES: undefined,
  VK_DRIVER_FILES: undefined,
  VK_ADD_DRIVER_FILES: undefined,
  TRANSFER_LAB_ENGINE: '',
};
const DAWN_NOISE = /vkCreateInstance|VulkanError|CheckVkSuccessImpl|VK_ERROR/;

test("train with engine auto prints nothing of Dawn's on stderr; what it said is in the run log", () => {
  const dir = path.join(tmp, 'quiet');
  const exp = writeExperiment(dir, 'digits.experiment.yaml', { data: MNIST_01, epochs: 1 });
  const r = runCli(['train', exp, '--json', '--name', 'quiet'], { env: NO_DRIVER });
  assert.equal(r.code, 0, r.stderr + r.stdout.slice(-1000));
  assert.doesNotMatch(r.stderr, DAWN_NOISE);
  assert.equal(r.stderr.trim(), '', 'nothing on stderr from a clean run');
  // The engine was considered all the same: its reason is in the log, at info level.
  const log = readFileSync(path.join(dir, 'runs', 'quiet', 'train.log'), 'utf8');
  assert.match(log, /INFO .*(not used|also available): webgpu: /);
  assert.ok(!r.events.some((e) => e.type === 'log' && e.level !== 'info'), 'no warning or error in a clean run');

  const e = runCli(['engines'], { env: NO_DRIVER });
  assert.equal(e.code, 0, e.stderr);
  assert.doesNotMatch(e.stderr, DAWN_NOISE);
  assert.match(e.stdout, /webgpu +\S/, 'webgpu is listed with its reason');
});

test('a runs folder that is a file: the run fails with a sentence naming the file in the way', () => {
  const dir = path.join(tmp, 'notdir');
  const exp = writeExperiment(dir, 'x.experiment.yaml', { data: MNIST_01, epochs: 1 });
  writeFileSync(path.join(dir, 'runs'), 'not a folder\n');
  const r = runCli(['train', exp, '--json', '--name', 'x']);
  assert.equal(r.code, 1);
  const end = r.events.find((x) => x.type === 'end');
  assert.ok(end && end.type === 'end' && end.error, JSON.stringify(end));
  assert.doesNotMatch(end.error, /^ENOTDIR/);
  assert.equal(
    end.error,
    `cannot create the folder ${path.join(dir, 'runs', 'x')}: ${path.join(dir, 'runs')} is a file where a folder is needed. ` +
      'Move or rename that file, or choose another folder (ENOTDIR).',
  );
});

function fsError(code: string, syscall: string, p: string, message = `${code}: something, ${syscall} '${p}'`): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code, syscall, path: p });
}

test('file-system errors as sentences: what, where, what it means, what to do', () => {
  assert.equal(
    describeFileError(fsError('EACCES', 'open', '/w/runs/a/train.log')),
    'cannot open /w/runs/a/train.log: permission denied. Check its owner and permissions (ls -l), or choose a folder you can write to (EACCES).',
  );
  assert.equal(
    describeFileError(fsError('ENOSPC', 'write', '/w/runs/a/metrics.jsonl')),
    'cannot write /w/runs/a/metrics.jsonl: the disk is full. Free some space, then try again (ENOSPC).',
  );
  assert.match(
    describeFileError(fsError('EROFS', 'mkdir', '/ro/runs/a'))!,
    /^cannot create the folder \/ro\/runs\/a: the file system is read-only\./,
  );
  assert.match(describeFileError(fsError('ENOTDIR', 'mkdir', '/w/runs/a'))!, /part of that path is a file where a folder is needed/);
  // Errors that are not about a path keep their own message.
  assert.equal(describeFileError(new Error('loss became NaN')), undefined);
  assert.equal(describeFileError(Object.assign(new Error('x'), { code: 'EPIPE', syscall: 'write' })), undefined);

  // explainFileError finds the file in the way on disk.
  const dir = path.join(tmp, 'inTheWay');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'file'), '');
  let caught: unknown;
  try {
    mkdirSync(path.join(dir, 'file', 'a', 'b'), { recursive: true });
  } catch (err) {
    caught = err;
  }
  assert.match(
    explainFileError(caught)!,
    new RegExp(`: ${path.join(dir, 'file').replace(/[\\/.]/g, '\\$&')} is a file where a folder is needed`),
  );
});
