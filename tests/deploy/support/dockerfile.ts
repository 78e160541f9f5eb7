import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './app-command';

export interface Instruction {
  op: string;
  args: string;
}

export interface Stage {
  base: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** The Dockerfile's stages and instructions: comments dropped, `\` continuations joined, ARGs before FROM substituted. */
export function parseDockerfile(text: string): { args: Record<string, string>; stages: Stage[] } {
  const lines = text.split('\n').filter((l) => !/^\s*#/.test(l));
  const joined = lines.join('\n').replace(/\\\n/g, ' ');
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const raw of joined.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const m = /^(\w+)\s+([\s\S]*)$/.exec(line);
    if (!m) continue;
    const op = m[1]!.toUpperCase();
    const args = m[2]!.trim();
    if (op === 'FROM') {
      const f = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!f) throw new Error(`bad FROM: ${args}`);
      const base = f[1]!.replace(/\$\{?(\w+)\}?/g, (_x, n: string) => globalArgs[n] ?? '');
      stages.push({ base, name: f[2], instructions: [] });
    } else if (stages.length === 0 && op === 'ARG') {
      const [k, v] = args.split('=');
      globalArgs[k!] = v ?? '';
    } else if (stages.length > 0) {
      stages[stages.length - 1]!.instructions.push({ op, args });
    }
  }
  return { args: globalArgs, stages };
}

export const dockerfile = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
export const stages = dockerfile.stages;
export const finalStage = stages[stages.length - 1]!;
export const stageNamed = (name: string) => stages.find((s) => s.name === name);
export const ops = (stage: Stage, op: string) => stage.instructions.filter((i) => i.op === op).map((i) => i.args);

export function envOf(stage: Stage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const args of ops(stage, 'ENV')) {
    if (!args.includes('=')) {
      const [k, ...rest] = args.split(/\s+/);
      out[k!] = rest.join(' ');
      continue;
    }
    for (const m of args.matchAll(/(\w+)=("[^"]*"|'[^']*'|\S+)/g)) out[m[1]!] = m[2]!.replace(/^["']|["']$/g, '');
  }
  return out;
}

export interface CopyFrom {
  from: string | undefined;
  source: string;
  destination: string;
}

/** A stage's COPY instructions: which stage (or the build context), which path, where to. */
export function copiesOf(stage: Stage): CopyFrom[] {
  return ops(stage, 'COPY').map((args) => {
    const from = /--from=(\S+)/.exec(args)?.[1];
    const paths = args.split(/\s+/).filter((token) => !token.startsWith('--'));
    return { from, source: paths[0]!, destination: paths[paths.length - 1]! };
  });
}
