// Debian's Chromium for the UI tests, through playwright-core (never a downloaded
// browser): one place for where it is and how it starts.
import fs from 'node:fs';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.LLMTAP_E2E_CHROMIUM || '/usr/bin/chromium';

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * launchChromium starts Chromium headless, or throws saying how to install it. A start
 * takes a second or two, far more on a loaded machine, hence the minute by default.
 * @param {{timeout?: number, args?: string[]}} o  args are added to the usual flags
 */
export function launchChromium({ timeout = 60000, args = [] } = {}) {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (apt-get install chromium, or set LLMTAP_E2E_CHROMIUM)`);
  return chromium.launch({ executablePath: CHROMIUM, timeout, args: [...FLAGS, ...args] });
}
