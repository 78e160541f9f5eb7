import type fc from 'fast-check';

/** Thrown into an actor that tries to go on once its run is over (a hung send let go, a late lease tick). */
export class RunOver extends Error {
  constructor() {
    super('the model run is over');
  }
}

/** One actor as the interleaver sees it: running (a step released, not yet parked again) or not. */
export interface Actor {
  readonly name: string;
  /** What the actor is doing, for the schedule's labels: claim, relay, record… */
  phase: string;
  running: boolean;
}

interface ParkedStep {
  label: string;
  proceed: () => void;
}

/**
 * Lets fast-check's scheduler decide which actor's next step proceeds. Every step (a statement, a COMMIT or
 * ROLLBACK, the relay's answer) first parks on `turn`. Each actor holds one turn token in the scheduler for
 * the whole run; when the scheduler picks an actor's token, its parked step proceeds (an actor with nothing
 * parked — finished, hung, blocked in Postgres — just gives the turn up), and `settle` then waits until the
 * run is quiet again: every actor parked at its next step, finished, or waiting in Postgres for a row lock
 * a parked actor holds (seen in pg_locks). Only then is the token given back and the next one picked. So
 * what happens depends on the scheduler's choices alone, not on timing: a seed and a path replay a run.
 * And because every actor keeps its token whatever it does, an actor that fast-check's shrinking turns
 * into an idle one leaves the scheduler's choices for the others as they were: shrinking keeps the failure.
 */
export class Interleaver {
  /** Steps released so far: the clock of the run's history. */
  step = 0;
  /** The labels of the steps released, in order: the schedule a failure prints. */
  readonly released: string[] = [];
  private closed = false;
  private running = 0;
  private readonly actors: Actor[] = [];
  private readonly parked = new Map<Actor, ParkedStep>();
  private picked: Actor | undefined;
  /** A moving average of how long a step that is not blocked takes to settle, in ms. */
  private usualStepMs = 1;
  private changes = 0;
  private onChange: (() => void) | undefined;

  /** Without a scheduler, steps go through at once (the drain after the scheduled part of a run). */
  constructor(
    private readonly scheduler: fc.Scheduler | null,
    /** How many backends of this database wait for a lock right now. */
    private readonly lockWaiters: () => Promise<number> = async () => 0,
  ) {}

  actor(name: string): Actor {
    const actor = { name, phase: 'start', running: false };
    this.actors.push(actor);
    return actor;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Parks `actor` until the scheduler picks its token; `label` names the step in the printed schedule. */
  async turn(actor: Actor, label: string): Promise<void> {
    if (this.closed) throw new RunOver();
    if (!this.scheduler) {
      this.step++;
      return;
    }
    await new Promise<void>((proceed) => {
      this.parked.set(actor, { label: `${actor.name} ${actor.phase}: ${label}`, proceed });
      this.setRunning(actor, false);
    });
    if (this.closed) throw new RunOver();
  }

  /** The actor is done, or parked on something no step will release (a send that hangs). */
  stopped(actor: Actor): void {
    this.setRunning(actor, false);
  }

  /** Runs the scheduled part: one pick at a time, each followed by quiet, until no actor has a step left. */
  async run(): Promise<void> {
    const scheduler = this.scheduler;
    if (!scheduler) return;
    await this.settle();
    for (const actor of this.actors) this.offer(scheduler, actor);
    while (this.parked.size > 0 || this.running > 0) {
      if (this.parked.size === 0) {
        // Only actors waiting for locks are left, with nobody parked to release them: a deadlock.
        if (!(await this.changed(5_000))) throw new Error(`stuck: ${this.running} actor(s) wait for locks no parked actor holds`);
        continue;
      }
      this.picked = undefined;
      await scheduler.waitOne();
      await this.settle();
      if (this.picked) this.offer(scheduler, this.picked);
    }
  }

  /** Ends the run: every later step of any actor throws RunOver. */
  close(): void {
    this.closed = true;
  }

  /** Gives `actor` its turn token back; when picked, its parked step (if any) proceeds. */
  private offer(scheduler: fc.Scheduler, actor: Actor): void {
    const label = this.parked.get(actor)?.label ?? `${actor.name} · ${actor.running ? 'busy' : 'nothing to do'}`;
    void scheduler.schedule(Promise.resolve(), label, undefined, (release) => {
      this.picked = actor;
      const step = this.parked.get(actor);
      if (step) {
        this.parked.delete(actor);
        this.step++;
        this.released.push(step.label);
        this.setRunning(actor, true);
        step.proceed();
      }
      return release();
    });
  }

  /**
   * Waits for quiet. Postgres is asked who waits for a lock only once the running actors have been still for
   * a while — four times the usual time a step takes to come back, measured as the run goes — so a step that
   * merely takes its time costs no probe, and one that is blocked is found soon after.
   */
  private async settle(): Promise<void> {
    const started = performance.now();
    let probed = false;
    while (this.running > 0) {
      if (await this.changed(Math.max(2, 4 * this.usualStepMs))) continue;
      const before = this.changes;
      probed = true;
      const waiting = await this.lockWaiters();
      if (before === this.changes && waiting >= this.running) return;
    }
    if (!probed) this.usualStepMs += (performance.now() - started - this.usualStepMs) / 8;
  }

  private changed(withinMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.onChange = undefined;
        resolve(false);
      }, withinMs);
      this.onChange = () => {
        clearTimeout(timer);
        this.onChange = undefined;
        resolve(true);
      };
    });
  }

  private setRunning(actor: Actor, running: boolean): void {
    if (actor.running === running) return;
    actor.running = running;
    this.running += running ? 1 : -1;
    this.changes++;
    this.onChange?.();
  }
}
