// Test helper: runs the real, already built `pingyi-collector` for one spec, serving the built
// widget (dist/) and the pingyi/1 API on one loopback origin. It builds nothing: `cargo xtask
// test` builds target/debug/pingyi-collector in its native-test step (cargo builds a package's
// binaries for its integration tests) and dist/ in its release-build step, before Playwright.
//
// Environment: PINGYI_COLLECTOR_BIN (binary; default: the newest of target/{debug,release,server}
// — `server` is the profile `cargo xtask run` builds), PINGYI_E2E_DIST (static dir; default dist).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const TINY = path.join(__dirname, 'fixtures', 'e2e-tiny.json');
export const TINY_ID = 'e2e-tiny';
export const TOKEN = 'e2e-admin-token-0123456789abcdef';

function binary(): string {
  const env = process.env.PINGYI_COLLECTOR_BIN;
  if (env) return env;
  const found = ['debug', 'release', 'server']
    .map((p) => path.join(ROOT, 'target', p, 'pingyi-collector'))
    .filter((p) => existsSync(p))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (found.length === 0) {
    throw new Error('pingyi-collector is not built: run `cargo build -p pingyi-collector` (or `cargo xtask test`)');
  }
  return found[0];
}

function staticDir(): string {
  const dir = process.env.PINGYI_E2E_DIST ?? path.join(ROOT, 'dist');
  if (!existsSync(path.join(dir, 'index.html'))) {
    throw new Error(`${dir}/index.html is missing: run \`cargo xtask build\` first`);
  }
  return dir;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export class Collector {
  readonly origin: string;
  private proc: ChildProcess | null = null;
  private log = '';

  constructor(
    readonly port: number,
    readonly dir: string,
    readonly publish: string[],
    readonly extraArgs: string[] = [],
  ) {
    this.origin = `http://127.0.0.1:${port}`;
  }

  get db(): string {
    return path.join(this.dir, 'e2e.sqlite');
  }

  /** Starts (or restarts) the process on the same port and database; waits for /healthz. */
  async start(): Promise<void> {
    const args = ['serve', '--addr', `127.0.0.1:${this.port}`, '--db', this.db, '--static-dir', staticDir(),
      '--rate-per-second', '0'];
    for (const p of this.publish) args.push('--publish', p);
    args.push(...this.extraArgs);
    const proc = spawn(binary(), args, {
      cwd: ROOT,
      env: { ...process.env, PINGYI_ADMIN_TOKEN: TOKEN, RUST_LOG: process.env.RUST_LOG ?? 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = proc;
    const keep = (b: Buffer) => { this.log = (this.log + b.toString()).slice(-8000); };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) throw new Error(`collector exited ${proc.exitCode}:\n${this.log}`);
      try {
        const r = await fetch(`${this.origin}/healthz`);
        if (r.ok) return;
      } catch {
        // not up yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`collector did not answer /healthz:\n${this.log}`);
  }

  /** Kills the process (SIGKILL by default: no graceful anything) and waits for it to go. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const proc = this.proc;
    this.proc = null;
    if (!proc || proc.exitCode !== null) return;
    const gone = new Promise((r) => proc.once('exit', r));
    proc.kill(signal);
    await gone;
  }

  /** Stops the process and removes the temporary directory. */
  async dispose(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The raw export (admin): every stored ballot of a survey. */
  async ballots(surveyId: string = TINY_ID): Promise<Array<{ id: string; survey_version: number }>> {
    const r = await fetch(`${this.origin}/v1/surveys/${surveyId}/ballots`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    if (!r.ok) throw new Error(`export answered ${r.status}: ${await r.text()}`);
    return r.json();
  }

  /** The page that opens `surveyId` from this collector, as a resident's link would. */
  link(surveyId: string = TINY_ID, extra = ''): string {
    return `${this.origin}/?s=${encodeURIComponent(surveyId)}${extra}`;
  }
}

/** A fresh collector on a free port with a temporary database, publishing the given surveys. */
export async function startCollector(publish: string[] = [TINY], extraArgs: string[] = []): Promise<Collector> {
  const dir = mkdtempSync(path.join(tmpdir(), 'pingyi-e2e-'));
  const c = new Collector(await freePort(), dir, publish, extraArgs);
  await c.start();
  return c;
}

/**
 * A fresh collector publishing `survey` (a survey object), for specs that drive the organiser
 * console: fails at once, saying what to build, when `dist/console/` is missing. The survey file
 * lives in the collector's temporary directory, which `dispose()` removes.
 */
export async function startConsoleCollector(survey: object): Promise<Collector> {
  const dist = process.env.PINGYI_E2E_DIST ?? path.join(ROOT, 'dist');
  if (!existsSync(path.join(dist, 'console', 'index.html'))) {
    throw new Error(`${dist}/console/index.html is missing: build the console (crates/console/Trunk.toml)`);
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'pingyi-e2e-'));
  const file = path.join(dir, 'survey.json');
  writeFileSync(file, JSON.stringify(survey));
  const c = new Collector(await freePort(), dir, [file]);
  await c.start();
  return c;
}
