import { aptInstall, canAptInstall } from './apt-install';
import { isExecutable } from './executables';
import type { LocalServicesSettings } from './local-services-settings';
import type { Progress } from './progress';

/**
 * A browser for the Bull Board test (playwright-core drives it; npm downloads none): root on Debian/Ubuntu
 * gets Debian's chromium, anyone else the command to run. Never fatal: the test itself decides (it fails
 * under CI=true and skips with a message otherwise). Resolves whether the browser is there.
 */
export async function ensureChromium(settings: LocalServicesSettings, progress: Progress): Promise<boolean> {
  const browser = settings.chromiumPath;
  if (isExecutable(browser)) return true;
  if (canAptInstall(settings)) {
    progress('installing chromium for the Bull Board browser test');
    if ((await aptInstall(['chromium'], progress)) && isExecutable(browser)) return true;
    progress('could not install chromium with apt-get');
  }
  progress(`no browser at ${browser}: the Bull Board browser test will skip (or fail under CI=true).`);
  progress('  install one with: sudo apt-get install chromium (Debian/Ubuntu), or set CHROMIUM_PATH to a Chromium/Chrome binary');
  return false;
}
