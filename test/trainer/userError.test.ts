// Errors the user fixes in their own files or setup are recognised by class (`instanceof UserError`),
// not by lists of class names: such a failure puts only its message in train.log, anything else also
// its stack (a bug report needs it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ExperimentError } from '../../src/shared/experiment/parse';
import { UnknownKeysError } from '../../src/shared/experiment/unknownKeys';
import { RunFolderError } from '../../src/shared/runFolder/runFolderError';
import type { ProgressEvent } from '../../src/shared/runFolder/contract';
import { isUserError } from '../../src/shared/userError';
import { Yolov5SettingsError } from '../../src/shared/yolov5/settings';
import type { Reporter } from '../../src/trainer/cli/progress';
import { DataError } from '../../src/trainer/data/dataset';
import { EngineError } from '../../src/trainer/engines';
import { ModelBuildError } from '../../src/trainer/model/modelBuildError';
import { FreezeError } from '../../src/trainer/model/freezing';
import { WeightsFileError } from '../../src/trainer/model/modelFiles';
import { DiskFullError } from '../../src/shared/system/diskFull';
import { recordFailure } from '../../src/trainer/run/recordFailure';
import { RunFolder } from '../../src/trainer/run/runFolder';
import { Yolov5FreezeError } from '../../src/trainer/yolov5/freezeArgs';
import { PythonNotFoundError } from '../../src/trainer/yolov5/pythonCommand';

test('every error a user fixes in their files or setup is a UserError; programming errors are not', () => {
  const user: unknown[] = [
    new ExperimentError('/w/e.yaml', []),
    new UnknownKeysError([{ file: '/w/e.yaml', line: 3, column: 1, severity: 'warning', message: "unknown key 'frezee'" }]),
    new RunFolderError('x', '/w/runs/r/run.json'),
    new Yolov5SettingsError('x'),
    new DataError('x'),
    new EngineError('x'),
    new ModelBuildError('x'),
    new FreezeError('x'),
    new WeightsFileError('x'),
    new DiskFullError('/w/runs/r/run.json', 'ENOSPC'),
    new Yolov5FreezeError('x'),
    new PythonNotFoundError('x'),
  ];
  for (const e of user) assert.ok(isUserError(e), `${(e as Error).name} is a UserError`);
  for (const e of [new TypeError('x'), new RangeError('Invalid typed array length: 1e12'), new Error('x'), 'a string'])
    assert.equal(isUserError(e), false);
});

test('a failed run keeps a user error as its message only, and a programming error with its stack', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'tl-usererror-'));
  try {
    const exp = path.join(tmp, 'e.yaml');
    writeFileSync(exp, 'model: m.yaml\n');
    const fail = (name: string, err: unknown): string => {
      const run = RunFolder.create(tmp, name, { status: 'running', experiment: exp, freeze: 0, epochs: 1 }, exp);
      const events: ProgressEvent[] = [];
      recordFailure(err, {
        run,
        runName: name,
        log: (level, msg) => run.log(level, msg),
        reporter: { event: (e) => void events.push(e), close: () => undefined } satisfies Reporter,
      });
      assert.equal(events.at(-1)?.type, 'end');
      return readFileSync(path.join(run.dir, 'train.log'), 'utf8');
    };
    const user = fail('user', new DataError('data/train has no class folders'));
    assert.match(user, /data\/train has no class folders/);
    assert.doesNotMatch(user, /^\S+ ERROR\s+\s+at /m, 'no stack for a user error');
    const bug = fail('bug', new TypeError('cannot read properties of undefined'));
    assert.match(bug, /^\S+ ERROR\s+\s+at /m, 'a programming error keeps its stack');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
