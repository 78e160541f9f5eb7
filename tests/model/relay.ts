import { MailSendError, type MailTransport, type OutgoingMessage, type SendResult } from '@postdate/mail';
import type { Actor } from './interleaver';
import type { RelayAnswer } from './model-state';
import type { EmailRun, World } from './world';

/**
 * What the relay does with one message: accept it; refuse it for now (4xx) or for good (5xx); never answer
 * (the worker is presumed dead, the message lost); or accept it and never answer (the worker died after the
 * relay took the message and before it could record that: the one duplicate the protocol allows).
 */
export type RelayVerdict = 'accept' | 'transient' | 'permanent' | 'hang' | 'accept-then-hang';

/** The verdict, and how many steps of a slow conversation (each a step the scheduler places) come first. */
export interface RelayBehaviour {
  verdict: RelayVerdict;
  waits: number;
}

/**
 * The SMTP relay for one delivery, in memory. It records what a real sink records of an accepted message —
 * its Message-ID, its subject (which tells the version) and its envelope recipients — as the model's
 * `relay-accepted`, and its answer comes when the scheduler releases it. The real SMTP path (nodemailer,
 * DKIM, a real server) is covered by the e2e and race suites.
 */
export function modelRelay(
  world: World,
  email: EmailRun,
  actor: Actor,
  { verdict, waits }: RelayBehaviour,
  /** The attempt this delivery claimed, known once the claim answered. */
  attempt: () => number,
  /** Told what the relay said, for the model to judge the record that follows. */
  answered: (answer: RelayAnswer) => void,
): MailTransport {
  return {
    async send(message: OutgoingMessage): Promise<SendResult> {
      const interleaver = world.interleaver;
      const handedOffAt = interleaver.step;
      const recipients = [...message.to, ...message.cc, ...message.bcc].map((a) => a.toLowerCase());
      const accepted = () =>
        world.apply(email, actor, { kind: 'relay-accepted', attempt: attempt(), subject: message.subject, recipients, messageId: message.messageId }, handedOffAt);
      actor.phase = 'relay';
      for (let wait = 1; wait <= waits; wait++) await interleaver.turn(actor, `is still talking (${wait}/${waits})`);
      if (verdict === 'hang') return parked(world, actor);
      await interleaver.turn(actor, `answers ${verdict}`);
      actor.phase = 'record';
      switch (verdict) {
        case 'accept':
          accepted();
          return { accepted: recipients, rejected: [], response: '250 2.0.0 Ok: queued' };
        case 'accept-then-hang':
          accepted();
          return parked(world, actor);
        case 'transient':
          answered('transient');
          throw new MailSendError('4.3.0 Try again later', 'transient', 451);
        case 'permanent':
          answered('permanent');
          throw new MailSendError('5.7.1 Message refused', 'permanent', 550);
      }
    },
    async verify() {},
    close() {},
  };
}

function parked(world: World, actor: Actor): Promise<never> {
  world.interleaver.stopped(actor);
  return world.hang();
}
