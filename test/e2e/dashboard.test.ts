/**
 * The dashboard in real headless Chromium (Debian's `chromium`, driven by
 * playwright-core): an editor signs in, blocks the advertiser that just won
 * a slot, the next decision for that slot respects it, and the audit log
 * shows the change; a viewer's attempt to change anything is refused by the
 * server. Also: the page fits a 1366×768 laptop screen without horizontal
 * scrolling (a screenshot is written for a person to look at).
 * test/integration/dashboard-browser.test.ts checks the charts, the target
 * pickers, the removal dialog and a phone's screen against the admin
 * service alone.
 */

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdDecisionClient, connect, type DecideRequest, decide } from '../../bin/client';
import {
  ADMIN_ADDR_ENV,
  ADMIN_HTTP_PORT_ENV,
  ADMIN_TOKENS_ENV,
  AGENTS,
  addrEnv,
  portEnv,
  SERVICES,
  type ServiceName,
  type ServiceProcess,
  spawnService,
  stopProcess,
} from '../../bin/spawn';
import { launchChromium } from '../support/browser';
import { spawnTogether } from '../support/mesh';
import { freePort } from '../support/ports';
import { validDecide } from './fixtures';

const EDITOR = 'e2e-editor-token-0123456789';
const VIEWER = 'e2e-viewer-token-0123456789';
const SCREENSHOT_DIR = join(process.cwd(), 'test-results');

const procs = new Map<ServiceName, ServiceProcess>();
let browser: Browser;
let client: AdDecisionClient;
let dashboard = '';
const logs = () => [...procs.values()].map((p) => `--- ${p.name} ---\n${p.stderrTail()}`).join('\n');

beforeAll(async () => {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PARLEY_HOST: '127.0.0.1',
    PARLEY_LOG_LEVEL: 'warn',
    PARLEY_METRICS_PORT: 'off',
    [ADMIN_TOKENS_ENV]: `ana:editor:${EDITOR},vic:viewer:${VIEWER}`,
    [ADMIN_HTTP_PORT_ENV]: String(await freePort()),
  };
  for (const name of SERVICES) env[portEnv(name)] = String(await freePort());
  for (const a of AGENTS) env[addrEnv(a)] = `127.0.0.1:${env[portEnv(a)]}`;
  env[ADMIN_ADDR_ENV] = `127.0.0.1:${env[portEnv('admin')]}`;
  const started = await spawnTogether([...AGENTS, 'admin'].map((name) => [name, env] as const));
  for (const p of started) procs.set(p.name, p);
  procs.set('broker', await spawnService('broker', { env }));
  dashboard = procs.get('admin')!.url!;
  client = connect(procs.get('broker')!.address);
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  client?.close();
  await Promise.all([...procs.values()].map((p) => stopProcess(p, 'SIGTERM', 3000)));
});

/** A decision for the same slot and listener each time (a fresh request id). */
function sameSlot(template: DecideRequest): DecideRequest {
  return {
    ...template,
    request_id: `${template.request_id}-${Math.random().toString(36).slice(2, 8)}`,
    deadline_ms: 500,
  };
}

async function signIn(page: Page, token: string): Promise<void> {
  await page.goto(dashboard);
  await page.fill('#token', token);
  await page.click('#signin-btn');
  await page.waitForSelector('#app:not([hidden])');
}

describe('the dashboard in headless Chromium', () => {
  it('an editor blocks the winning advertiser; the next decision respects it; the audit log shows it', async () => {
    // A slot the sample catalogue fills with a paid ad (warm up until the mesh is not degraded).
    const template = validDecide();
    let first = await decide(client, sameSlot(template), { timeoutMs: 5000 });
    for (let i = 0; i < 50 && (first.degraded.length > 0 || first.ads.length === 0); i++) {
      first = await decide(client, sameSlot(template), { timeoutMs: 5000 });
    }
    expect(first.ads.length, logs()).toBeGreaterThan(0);
    const advertiser = first.ads[0]!.advertiser_id;

    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    try {
      await signIn(page, EDITOR);
      await expect.poll(() => page.textContent('#who')).toContain('ana (editor)');
      // The live list shows the decision just made, with its explanation on click.
      await page.waitForSelector(`#decisions tr[data-request-id="${first.request_id}"]`, { timeout: 5000 });
      await page.click(`#decisions tr[data-request-id="${first.request_id}"]`);
      await expect.poll(() => page.textContent('#decision-detail')).toContain(`decision ${first.request_id}`);

      // Bad input: the server names the field and nothing is created.
      await page.selectOption('#ov-kind', 'block');
      await page.selectOption('#ov-target-type', 'advertiser');
      // Targets are picked from the catalogue.
      await page.waitForSelector(`#ov-target-id option[value="${advertiser}"]`, { state: 'attached' });
      await page.selectOption('#ov-target-id', advertiser);
      await page.click('#ov-submit');
      await expect.poll(() => page.textContent('#ov-message')).toContain('reason: required');

      await page.fill('#ov-reason', 'e2e: brand complaint');
      await page.click('#ov-submit');
      await expect.poll(() => page.textContent('#ov-message')).toMatch(/Created ov-/);
      const id = /Created (ov-[\w-]+)/.exec((await page.textContent('#ov-message')) ?? '')![1]!;
      await page.waitForSelector(`#overrides tr[data-override-id="${id}"]`);
      await page.waitForSelector(`#audit tr[data-override-id="${id}"]`);
      const audit = await page.textContent(`#audit tr[data-override-id="${id}"]`);
      expect(audit).toContain('ana');
      expect(audit).toContain(`create ${id}: block advertiser ${advertiser}`);
      expect(audit).toContain('e2e: brand complaint');

      // The next decision for that slot respects it (the broker hears of it within a second).
      const deadline = Date.now() + 1000;
      let next = await decide(client, sameSlot(template), { timeoutMs: 5000 });
      while (!next.why?.runners_up.some((r) => r.detail.includes(id)) && Date.now() < deadline) {
        next = await decide(client, sameSlot(template), { timeoutMs: 5000 });
      }
      expect(next.ads.map((a) => a.advertiser_id)).not.toContain(advertiser);
      const blocked = next.why!.runners_up.find((r) => r.detail.includes(id));
      expect(blocked?.reason, JSON.stringify(next.why)).toBe('REASON_OVERRIDE_BLOCKED');
      for (let i = 0; i < 5; i++) {
        const d = await decide(client, sameSlot(template), { timeoutMs: 5000 });
        expect(d.ads.map((a) => a.advertiser_id)).not.toContain(advertiser);
      }
      // Its explanation in the page names the override.
      await page.waitForSelector(`#decisions tr[data-request-id="${next.request_id}"]`, { timeout: 5000 });
      await page.click(`#decisions tr[data-request-id="${next.request_id}"]`);
      await expect.poll(() => page.textContent('#decision-detail')).toContain(`${id} (block)`);

      // Fits a laptop screen: no horizontal scrolling.
      await page.waitForTimeout(300);
      const widths = (await page.evaluate(
        '({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })',
      )) as { scroll: number; client: number };
      expect(widths.scroll).toBeLessThanOrEqual(widths.client);
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOT_DIR, 'dashboard-1366x768.png') });
    } finally {
      await page.close();
    }
  });

  it("a viewer can read but a viewer's attempt to change an override is refused by the server", async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    try {
      await signIn(page, VIEWER);
      await expect.poll(() => page.textContent('#who')).toContain('vic (viewer)');
      expect(await page.isVisible('#readonly-note')).toBe(true);
      expect(await page.isDisabled('#ov-submit')).toBe(true);
      await page.waitForSelector('#audit tbody tr');
      const before = await page.locator('#overrides tbody tr').count();
      // Around the disabled form: the API itself refuses.
      const res = await page.evaluate(async (token) => {
        const r = await fetch('/api/overrides', {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ kind: 'pause', targetId: 'any-campaign', reason: 'viewer tries' }),
        });
        return { status: r.status, body: (await r.json()) as { error: string } };
      }, VIEWER);
      expect(res.status).toBe(403);
      expect(res.body.error).toContain('only an editor');
      const del = await page.evaluate(async (token) => {
        const res = await fetch('/api/overrides', { headers: { authorization: `Bearer ${token}` } });
        const list = (await res.json()) as { overrides: Array<{ id: string }> };
        const r = await fetch(`/api/overrides/${list.overrides[0]?.id}`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ reason: 'viewer tries' }),
        });
        return r.status;
      }, VIEWER);
      expect(del).toBe(403);
      await page.waitForTimeout(2500); // one refresh of the lists
      expect(await page.locator('#overrides tbody tr').count()).toBe(before);
      expect(await page.textContent('#audit')).not.toContain('viewer tries');
      // A wrong token does not get in.
      await page.click('#signout');
      await page.fill('#token', 'not-a-token-at-all-really');
      await page.click('#signin-btn');
      await expect.poll(() => page.textContent('#signin-error')).toContain('not valid');
    } finally {
      await page.close();
    }
  });
});
