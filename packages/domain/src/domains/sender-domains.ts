import { createDkimKeyring, type DkimKeyring } from './dkim-keyring';
import { createTxtResolver, type ResolveTxt } from './txt-resolver';
import type { SenderPolicy } from './usable-domains';

/** Everything sender domains need, built once by an app from its configuration. */
export interface SenderDomains {
  policy: SenderPolicy;
  /** Absent without DKIM_ENCRYPTION_KEY: no domain can be registered, no mail signed. */
  keyring: DkimKeyring | undefined;
  resolveTxt: ResolveTxt;
  spfInclude: string | undefined;
}

export interface SenderDomainSettings {
  required: boolean;
  graceHours: number;
  encryptionKey?: Buffer | undefined;
  previousEncryptionKeys?: Buffer[] | undefined;
  dnsServers?: string[] | undefined;
  spfInclude?: string | undefined;
  /** Tests give a resolver of their own. */
  resolveTxt?: ResolveTxt;
}

export function createSenderDomains(settings: SenderDomainSettings): SenderDomains {
  return {
    policy: { required: settings.required, graceHours: settings.graceHours },
    keyring: settings.encryptionKey ? createDkimKeyring(settings.encryptionKey, settings.previousEncryptionKeys ?? []) : undefined,
    resolveTxt: settings.resolveTxt ?? createTxtResolver(settings.dnsServers),
    spfInclude: settings.spfInclude,
  };
}
