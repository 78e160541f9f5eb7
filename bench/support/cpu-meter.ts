import { cpuMs, machineBusyMs } from './processes';

// CPU a phase costs, process by process: utime + stime from /proc/<pid>/stat, summed by component (the
// senders, Postgres, Redis, the sink…), and the whole machine's busy time from /proc/stat beside them.
// Component pids are asked for again at every sample, so a process that starts during the window (a new
// Postgres backend) counts from zero and one that exits counts up to its last sample.

/** For each component, the pids that belong to it now. */
export type Components = Record<string, () => number[]>;

export interface CpuReading {
  wallMs: number;
  /** Busy CPU of the whole machine (every process and the kernel, all cores). */
  machineMs: number;
  /** CPU of each component's processes. */
  components: Record<string, number>;
  /** machineMs − the components' sum: other processes on the machine, and the kernel's own work. */
  unattributedMs: number;
}

export interface CpuMeter {
  stop(): CpuReading;
}

function readCpu(pid: number): number | undefined {
  try {
    return cpuMs(pid);
  } catch {
    return undefined; // exited
  }
}

export function startCpuMeter(components: Components, intervalMs = 500): CpuMeter {
  const started = performance.now();
  const machineBefore = machineBusyMs();
  // Per component and pid: CPU when first seen in the window (0 for a process born in it) and when last seen.
  const first = new Map<string, Map<number, number>>();
  const last = new Map<string, Map<number, number>>();
  const sample = (initial: boolean) => {
    for (const [name, pidsOf] of Object.entries(components)) {
      const firsts = first.get(name) ?? new Map<number, number>();
      const lasts = last.get(name) ?? new Map<number, number>();
      first.set(name, firsts);
      last.set(name, lasts);
      for (const pid of pidsOf()) {
        const used = readCpu(pid);
        if (used === undefined) continue;
        if (!firsts.has(pid)) firsts.set(pid, initial ? used : 0);
        lasts.set(pid, used);
      }
    }
  };
  sample(true);
  const timer = setInterval(() => sample(false), intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample(false);
      const machineMs = machineBusyMs() - machineBefore;
      const totals: Record<string, number> = {};
      for (const name of Object.keys(components)) {
        let sum = 0;
        for (const [pid, at] of last.get(name)!) sum += at - first.get(name)!.get(pid)!;
        totals[name] = sum;
      }
      const attributed = Object.values(totals).reduce((s, v) => s + v, 0);
      return { wallMs: performance.now() - started, machineMs, components: totals, unattributedMs: machineMs - attributed };
    },
  };
}

/** A reading as CPU milliseconds per email, rounded to the µs, each component, then unattributed and machine. */
export function cpuPerEmail(reading: CpuReading, emails: number): Record<string, number> {
  const per = (ms: number) => Math.round((ms / emails) * 1000) / 1000;
  return {
    ...Object.fromEntries(Object.entries(reading.components).map(([name, ms]) => [name, per(ms)])),
    unattributed: per(reading.unattributedMs),
    machine: per(reading.machineMs),
  };
}
