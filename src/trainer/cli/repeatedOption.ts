// An option given several times (`--freeze 0 --freeze 10`): the generic argument parser keeps one
// value per option, so the sweep commands take the repeated one out of argv before parsing the rest.
import { UsageError } from './args';

/** Every value of `--option V` / `--option=V` before a `--`, and argv without them. */
export function takeRepeated(argv: string[], option: string): { values: string[]; rest: string[] } {
  const values: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (a === `--${option}`) {
      const v = argv[i + 1];
      if (v === undefined) throw new UsageError(`--${option} needs a value`);
      values.push(v);
      i++;
    } else if (a.startsWith(`--${option}=`)) {
      values.push(a.slice(option.length + 3));
    } else {
      rest.push(a);
    }
  }
  return { values, rest };
}
