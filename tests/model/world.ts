import { Prisma } from '@postdate/db';
import type { Database } from '@postdate/db/client';
import type { DeliveryPolicy, DeliveryTarget, MarkSentRequest, SqlClock } from '@postdate/domain';
import type { Actor, Interleaver } from './interleaver';
import { advance } from './model';
import type { EmailModel, EmailStatus, Happening, ModelPolicy } from './model-state';

/** The model's clock starts here, whatever the date: nothing a run does reads the wall clock. */
export const T0 = Date.UTC(2024, 0, 1);
export const MAIL_DOMAIN = 'model.test';

/** The sent-record under test: the real markSent, or a deliberately broken one passed through the same seam. */
export type RecordSent = (db: Database, request: MarkSentRequest) => Promise<boolean>;

/** One email of a run: its row, its model, and the jobs BullMQ would hold for it. */
export interface EmailRun {
  index: number;
  key: string;
  id: bigint;
  messageId: string;
  /** The recipients it was created with, which removals and edits name. */
  addresses: string[];
  model: EmailModel;
  /** Versions of the jobs added for it so far (at create, by edits, retries and the sweeper): what a worker may be handed. */
  jobs: number[];
  /** Its deliveries in actor order, each with the attempt it claimed: what a lease renewal keeps. */
  deliveries: { attempt?: number }[];
}

export interface HistoryEntry {
  step: number;
  actor: string;
  email: number;
  happening: Happening | { kind: 'note'; text: string };
  /** The email's status as the model had it before this happened. */
  before: EmailStatus;
  /** For a message the relay accepted: the step at which the worker handed it over. */
  handedOffAt?: number;
}

/** A per-actor clock: what the statements it builds take as "now", and the last instant it gave one. */
export interface ActorClock extends SqlClock {
  last: number;
}

/** Everything one run shares: the clock, the emails and their models, the history, the problems found. */
export class World {
  clock = T0;
  readonly history: HistoryEntry[] = [];
  readonly problems: string[] = [];
  /** The scheduled part's steps, in the order the scheduler released them. */
  schedule: string[] = [];
  private readonly hung: ((error: Error) => void)[] = [];

  constructor(
    readonly db: Database,
    public interleaver: Interleaver,
    readonly tenantId: bigint,
    readonly policy: DeliveryPolicy,
    readonly modelPolicy: ModelPolicy,
    readonly recordSent: RecordSent,
    readonly emails: EmailRun[],
  ) {}

  apply(email: EmailRun, actor: Actor, happening: Happening, handedOffAt?: number): void {
    const before = email.model.status;
    const { next, problems } = advance(email.model, happening);
    email.model = next;
    const step = this.interleaver.step;
    this.history.push({ step, actor: actor.name, email: email.index, happening, before, ...(handedOffAt !== undefined && { handedOffAt }) });
    for (const problem of problems) this.problems.push(`step ${step}, ${actor.name} on email ${email.index}: ${problem}`);
  }

  note(email: EmailRun | null, actor: Actor, text: string): void {
    this.history.push({ step: this.interleaver.step, actor: actor.name, email: email?.index ?? -1, happening: { kind: 'note', text }, before: email?.model.status ?? 'scheduled' });
  }

  problem(text: string): void {
    this.problems.push(`step ${this.interleaver.step}: ${text}`);
  }

  /** A clock for one actor's statements: the run's current instant, passed to the SQL as a parameter. */
  clockFor(): ActorClock {
    const clock: ActorClock = {
      last: this.clock,
      now: () => {
        clock.last = this.clock;
        return Prisma.sql`${new Date(this.clock)}::timestamptz`;
      },
    };
    return clock;
  }

  emailById(id: string | bigint): EmailRun | undefined {
    return this.emails.find((e) => e.id === BigInt(id));
  }

  addJobs(targets: DeliveryTarget[]): void {
    for (const target of targets) this.emailById(target.emailId)?.jobs.push(target.version);
  }

  /** A send that never answers: settles only when the run ends, with RunOver. */
  hang(): Promise<never> {
    return new Promise((_, reject) => this.hung.push(reject));
  }

  /** Ends the scheduled part: parked sends are let go (and fail), every later step of theirs throws RunOver. */
  close(): void {
    this.interleaver.close();
    const error = new Error('the model run is over');
    for (const reject of this.hung.splice(0)) reject(error);
  }
}
