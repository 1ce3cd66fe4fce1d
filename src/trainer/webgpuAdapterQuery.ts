// Asking Dawn (the `webgpu` package) for an adapter makes it print from native code straight to
// file descriptor 2 when no Vulkan driver is installed — "vkCreateInstance: Found no drivers!" and
// "at CheckVkSuccessImpl (…VulkanError.cpp:106)" — on every machine without a GPU, which reads like
// an error on every `transfer-lab train`. Node cannot redirect its own fd 2, so while WebGPU is only
// being considered (`auto`) the question is asked in a short-lived child process whose stderr is
// captured: its answer comes back, and what Dawn said goes into the engine's reason, in the run log.
// Dawn is loaded into the trainer itself only when WebGPU is used or asked for by name.
import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';

/** What the adapter says about itself (GPUAdapterInfo's fields, copied across the process boundary). */
export interface AdapterInfo {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

export interface AdapterAnswer {
  /** The adapter Dawn offers, null when it offers none; absent when the question failed (`error`). */
  adapter?: AdapterInfo | null;
  /** Why there is no answer: the package failed to load, the child timed out or crashed. */
  error?: string;
  /** Dawn's own words on stderr, one line each, "Warning: " and stack frames left out. */
  dawn: string[];
}

// CommonJS with a dynamic import, so that any Node (or an editor's Electron as Node) runs it.
const CHILD = `(async () => {
  let out;
  try {
    const ns = await import(process.argv[1]);
    const mod = typeof ns.create === 'function' ? ns : ns.default;
    Object.assign(globalThis, mod.globals);
    const a = await mod.create([]).requestAdapter({ powerPreference: 'high-performance' });
    const i = (a && a.info) || {};
    out = { adapter: a ? { vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description,
      isFallbackAdapter: Boolean(a.isFallbackAdapter || i.isFallbackAdapter) } : null };
  } catch (e) {
    out = { error: String((e && e.message) || e).split('\\n')[0] };
  }
  process.stdout.write(JSON.stringify(out) + '\\n', () => process.exit(0));
})();`;

/** Dawn's lines worth repeating: not blank, not a native stack frame. */
export function dawnLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .map((l) => l.trim().replace(/^Warning:\s*/, ''))
    .filter((l) => l && !/^at\s/.test(l));
}

/** Asks for a WebGPU adapter in a child process (`webgpuEntry`: the package's entry file). */
export function queryAdapterQuietly(webgpuEntry: string, timeoutMs = 30_000): Promise<AdapterAnswer> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', CHILD, '--', pathToFileURL(webgpuEntry).href], {
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const done = (error?: string): void => {
      clearTimeout(timer);
      const dawn = dawnLines(stderr);
      const line = stdout
        .split('\n')
        .reverse()
        .find((l) => l.startsWith('{'));
      if (error !== undefined || !line) {
        resolve({ error: error ?? `the WebGPU probe ended without an answer${dawn.length ? ` (${dawn[dawn.length - 1]})` : ''}`, dawn });
        return;
      }
      try {
        resolve({ ...(JSON.parse(line) as Omit<AdapterAnswer, 'dawn'>), dawn });
      } catch {
        resolve({ error: `the WebGPU probe answered ${line.slice(0, 200)}`, dawn });
      }
    };
    child.on('error', (e) => done(`the WebGPU probe could not start (${e.message})`));
    child.on('close', (_code, signal) =>
      done(signal === 'SIGKILL' ? `the WebGPU probe did not answer within ${timeoutMs / 1000} s` : undefined),
    );
  });
}
