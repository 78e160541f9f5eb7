import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { emitResult, progress, resultsDir } from './support/report';

// Reads a V8 .cpuprofile (node --cpu-prof) and aggregates self time by function and by origin
// (postdate source file, npm package, node internals, GC/idle). Argument: a profile or a folder of them
// (default bench/results/profiles/worker; the newest main-thread profile is read). A window.json beside it
// (written by the bench) limits the count to the measured period. Table to stderr, one JSON line to stdout.

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function newestProfile(dir: string): string {
  // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: thread 0 is the main thread (tsx adds a loader thread).
  const files = readdirSync(dir).filter((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f));
  if (files.length === 0) throw new Error(`no .cpuprofile in ${dir}; run with BENCH_PROFILE=1 first`);
  return path.join(dir, files.sort((a, b) => statSync(path.join(dir, b)).mtimeMs - statSync(path.join(dir, a)).mtimeMs)[0]!);
}

/** Where a frame's code comes from: a postdate file, an npm package, node itself, or a V8 pseudo-frame. */
export function originOf(frame: CallFrame): string {
  const url = frame.url;
  if (!url) return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
  if (url.startsWith('node:')) return 'node:internals';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  const own = /\/((?:apps|packages)\/[^/]+)\/src\/(.*)$/.exec(url);
  if (own) return `postdate ${own[1]}`;
  return url.replace(/^file:\/\//, '');
}

function shortUrl(url: string): string {
  return url
    .replace(/^file:\/\//, '')
    .replace(/^.*node_modules\//, '')
    .replace(/^.*?\/(apps|packages)\//, '$1/');
}

function main() {
  const arg = process.argv[2] ?? path.join(resultsDir, 'profiles', 'worker');
  const file = statSync(arg).isDirectory() ? newestProfile(arg) : arg;
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  // The delivery window (epoch ms) written by bench:throughput, mapped onto the profile's clock through the
  // file's mtime (written at exit, right after endTime). Without it, the whole process lifetime counts.
  const windowFile = path.join(path.dirname(file), 'window.json');
  let from = -Infinity;
  let to = Infinity;
  if (existsSync(windowFile) && statSync(windowFile).mtimeMs <= statSync(file).mtimeMs) {
    const window = JSON.parse(readFileSync(windowFile, 'utf8')) as { first: number; last: number };
    const endEpochMs = statSync(file).mtimeMs;
    from = profile.endTime - (endEpochMs - window.first) * 1000;
    to = profile.endTime - (endEpochMs - window.last) * 1000;
  }
  // Sample i lasted until sample i+1: its self time is the next delta (µs).
  const selfUs = new Map<number, number>();
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (t < from || t > to) continue;
    const us = profile.timeDeltas[i + 1] ?? 0;
    selfUs.set(profile.samples[i]!, (selfUs.get(profile.samples[i]!) ?? 0) + us);
  }
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const idle = [...selfUs.entries()]
    .filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)')
    .reduce((s, [, us]) => s + us, 0);
  const busy = total - idle;

  const byFunction = new Map<string, { us: number; origin: string }>();
  const byOrigin = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') continue;
    const key =
      `${frame.functionName || '(anonymous)'} ${frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : ''}`.trim();
    const origin = originOf(frame);
    const entry = byFunction.get(key) ?? { us: 0, origin };
    entry.us += us;
    byFunction.set(key, entry);
    byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + us);
  }
  // CALLERS=<function name>: where that function's self time comes from, by its nearest ancestors.
  const callersOf = process.env.CALLERS;
  const callers = new Map<string, number>();
  if (callersOf) {
    const parent = new Map<number, number>();
    for (const n of profile.nodes as (ProfileNode & { children?: number[] })[])
      for (const c of n.children ?? []) parent.set(c, n.id);
    for (const [id, us] of selfUs) {
      if (byId.get(id)!.callFrame.functionName !== callersOf) continue;
      const chain: string[] = [];
      for (let p = parent.get(id); p !== undefined && chain.length < 8; p = parent.get(p)) {
        const f = byId.get(p)!.callFrame;
        if (f.url)
          chain.push(`${f.functionName || '(anon)'}@${shortUrl(f.url).split('/').slice(-2).join('/')}:${f.lineNumber + 1}`);
      }
      const key = chain.join(' < ');
      callers.set(key, (callers.get(key) ?? 0) + us);
    }
  }
  // Busy time by the innermost postdate function on the stack (synchronous part only: work resumed after an
  // await has no postdate frame above it and lands in "(no postdate frame)").
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes as (ProfileNode & { children?: number[] })[])
    for (const c of n.children ?? []) parentOf.set(c, n.id);
  const byOwnCaller = new Map<string, number>();
  for (const [id, us] of selfUs) {
    if (byId.get(id)!.callFrame.functionName === '(idle)') continue;
    let key = '(no postdate frame)';
    for (let p: number | undefined = id; p !== undefined; p = parentOf.get(p)) {
      const f = byId.get(p)!.callFrame;
      if (/\/(apps|packages)\/[^/]+\/src\//.test(f.url) && !f.url.includes('node_modules')) {
        key = `${f.functionName || '(anonymous)'} ${shortUrl(f.url)}`;
        break;
      }
    }
    byOwnCaller.set(key, (byOwnCaller.get(key) ?? 0) + us);
  }
  const pct = (us: number) => Math.round((us / busy) * 1000) / 10;
  const topFunctions = [...byFunction.entries()]
    .sort((a, b) => b[1].us - a[1].us)
    .slice(0, 30)
    .map(([fn, v]) => ({ fn, origin: v.origin, ms: Math.round(v.us / 1000), pctOfBusy: pct(v.us) }));
  const origins = [...byOrigin.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 25)
    .map(([origin, us]) => ({ origin, ms: Math.round(us / 1000), pctOfBusy: pct(us) }));

  progress(
    `profile ${file}${Number.isFinite(from) ? ' (delivery window only)' : ''}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (${Math.round((busy / total) * 100)}%)`,
  );
  process.stderr.write('\nself time by origin (% of busy time)\n');
  for (const o of origins)
    process.stderr.write(`  ${String(o.pctOfBusy).padStart(5)}%  ${String(o.ms).padStart(6)} ms  ${o.origin}\n`);
  process.stderr.write('\ntop functions by self time (% of busy time)\n');
  for (const f of topFunctions)
    process.stderr.write(`  ${String(f.pctOfBusy).padStart(5)}%  ${String(f.ms).padStart(6)} ms  ${f.fn}  [${f.origin}]\n`);
  const ownCallers = [...byOwnCaller.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 15)
    .map(([fn, us]) => ({ fn, ms: Math.round(us / 1000), pctOfBusy: pct(us) }));
  process.stderr.write('\nbusy time under the innermost postdate function on the stack\n');
  for (const f of ownCallers)
    process.stderr.write(`  ${String(f.pctOfBusy).padStart(5)}%  ${String(f.ms).padStart(6)} ms  ${f.fn}\n`);
  if (callersOf) {
    process.stderr.write(`\ncallers of ${callersOf}\n`);
    for (const [chain, us] of [...callers.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
      process.stderr.write(`  ${String(pct(us)).padStart(5)}%  ${chain}\n`);
    }
  }
  emitResult('profile', {
    file: path.relative(process.cwd(), file),
    deliveryWindowOnly: Number.isFinite(from),
    sampledMs: Math.round(total / 1000),
    busyMs: Math.round(busy / 1000),
    origins,
    ownCallers,
    topFunctions,
  });
}

main();
