/**
 * The dashboard in real headless Chromium (Debian's `chromium`, driven by
 * playwright-core) against an admin service started in this process, its
 * status history filled with 15 paced campaigns: every campaign has a chart
 * with labelled axes (time; spend in the currency) and a tooltip, a filter
 * narrows them; override targets are picked from the catalogue, and the
 * server's refusals of an unknown or duplicate target show in the page;
 * removal asks for a reason in a <dialog> and the server refuses an empty
 * one; on a 390×844 phone nothing is cut or scrolls sideways. No console
 * errors anywhere. Screenshots at 1366×768 and 390×844 go to test-results/
 * for a person to look at. (test/e2e/dashboard.test.ts drives the same page
 * against a whole mesh.)
 */

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CampaignPacing__Output } from '../../proto/gen/parley/v1/CampaignPacing';
import type { RunningAdmin } from '../../services/admin/server';
import { createLogger } from '../../services/common/log';
import { seedAdmin, startTestAdmin } from '../support/admin';
import { launchChromium } from '../support/browser';

const EDITOR = 'browser-editor-token-0123456789';
const SCREENSHOT_DIR = join(process.cwd(), 'test-results');
const CAMPAIGNS = 15;
const log = createLogger('admin', 'error', {}, () => undefined);

let admin: RunningAdmin;
let browser: Browser;

/** Campaign i's status at sample s: spend rising past a steady ideal curve, outcomes counting up. */
function pacing(i: number, s: number): CampaignPacing__Output {
  const budget = (50 + 10 * i) * 1_000_000;
  return {
    campaign_id: `camp-${String(i).padStart(2, '0')}`,
    advertiser_id: `adv-${i}`,
    name: i === 3 ? 'Kaffa morning brew, a campaign with a long name' : `Campaign ${i}`,
    tier: i % 4 === 0 ? 'sponsorship' : 'standard',
    pacing: i % 3 === 0 ? 'asap' : 'even',
    paused: false,
    budget_micros: budget,
    ideal_micros: Math.round(budget * 0.1 * (s + 1)),
    spend_micros: Math.round(budget * (0.08 + 0.001 * i) * (s + 1) + (s % 2) * 150_000),
    pacing_multiplier: 1 + i / 100,
    lifetime_spent_micros: 0,
    today_spent_micros: 0,
    impressions: 100 * s,
    skips: 20 * s + (s % 2) * 5,
    completes: 70 * s,
    clicks: 0,
  };
}

beforeAll(async () => {
  admin = await startTestAdmin(log, `ana:editor:${EDITOR}`);
  await seedAdmin(admin);
  // The test's own samples only: no polling of agents that are not there.
  admin.sampler.close();
  const t0 = Date.now() - 12 * 5000;
  for (let s = 0; s < 12; s++) {
    admin.sampler.history.add({
      atMs: t0 + s * 5000,
      campaigns: Array.from({ length: CAMPAIGNS }, (_, i) => pacing(i, s)),
      health: [],
    });
  }
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await admin?.close();
});

/** A page that records console errors and uncaught exceptions. */
async function openPage(width: number, height: number): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width, height }, locale: 'en-US' });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return { page, errors };
}

async function signIn(page: Page): Promise<void> {
  await page.goto(admin.url);
  await page.fill('#token', EDITOR);
  await page.click('#signin-btn');
  await page.waitForSelector('#app:not([hidden])');
}

describe('the dashboard in headless Chromium (admin service only)', () => {
  it('charts every paced campaign with labelled axes and tooltips; a filter narrows them', async () => {
    const { page, errors } = await openPage(1366, 768);
    try {
      await signIn(page);
      await expect.poll(() => page.locator('#pacing .chart').count()).toBe(CAMPAIGNS);
      expect(await page.textContent('#pacing-meta')).toBe(
        `showing ${CAMPAIGNS} of ${CAMPAIGNS} paced campaigns`,
      );
      await page.waitForSelector('#trends .uplot');

      // Axes with units: time, money in the currency, rates in percent.
      const axes = (await page.evaluate(`Object.fromEntries(
        [...window.parleyCharts]
          .filter(([key]) => key === 'trends' || key === 'pacing:camp-03')
          .map(([key, u]) => [key, u.axes.map((a) => a.label)]),
      )`)) as Record<string, string[]>;
      expect(axes).toEqual({
        trends: ['time', 'rate (%)'],
        'pacing:camp-03': ['time', 'spend (EUR)'],
      });
      // Gridlines and tick labels are drawn: the y axis has ticks formatted in the currency.
      const ticks = (await page.evaluate(
        `window.parleyCharts.get('pacing:camp-03')?.axes[1]?._values ?? []`,
      )) as string[];
      expect(ticks.length).toBeGreaterThan(1);
      expect(ticks.every((t) => t.includes('€'))).toBe(true);
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOT_DIR, 'dashboard-admin-1366x768.png') });

      // A tooltip follows the cursor: the time and each series' value in the currency.
      const plot = page.locator('#pacing .chart[data-campaign-id="camp-03"] .u-over');
      await plot.hover();
      const tip = page.locator('#pacing .chart[data-campaign-id="camp-03"] .chart-tip');
      await expect.poll(() => tip.isVisible()).toBe(true);
      expect(await tip.textContent()).toMatch(/spend: €[\d,.]+\nideal: €[\d,.]+/);

      // A filter narrows the charts, and clearing it brings them all back.
      await page.fill('#pacing-filter', 'kaffa');
      await expect.poll(() => page.locator('#pacing .chart').count()).toBe(1);
      expect(await page.getAttribute('#pacing .chart', 'data-campaign-id')).toBe('camp-03');
      await page.fill('#pacing-filter', 'asap');
      await expect.poll(() => page.locator('#pacing .chart').count()).toBe(5);
      await page.fill('#pacing-filter', '');
      await expect.poll(() => page.locator('#pacing .chart').count()).toBe(CAMPAIGNS);

      const favicon = await page.evaluate(async () => (await fetch('/favicon.ico')).status);
      expect(favicon).toBe(200);
      await page.screenshot({
        path: join(SCREENSHOT_DIR, 'dashboard-admin-1366x768-full.png'),
        fullPage: true,
      });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('targets come from the catalogue; an unknown or duplicate target shows the server error; removal needs a reason', async () => {
    const { page, errors } = await openPage(1366, 768);
    try {
      await signIn(page);
      await page.selectOption('#ov-kind', 'pause');
      // The select offers the catalogue's campaigns.
      await expect.poll(() => page.locator('#ov-target-id option[value="kaffa-morning"]').count()).toBe(1);

      // An unknown target (as from a stale page): the server refuses it, naming the field.
      await page.evaluate(
        `document.querySelector('#ov-target-id').append(new Option('no-such-campaign', 'no-such-campaign', true, true))`,
      );
      await page.fill('#ov-reason', 'browser test');
      await page.click('#ov-submit');
      await expect
        .poll(() => page.textContent('#ov-message'))
        .toBe('targetId: no campaign "no-such-campaign" in the catalogue');
      expect(await page.getAttribute('#ov-message', 'class')).toBe('error');

      // A real one is created; the same again is refused.
      await page.selectOption('#ov-target-id', 'kaffa-morning');
      await page.click('#ov-submit');
      await expect.poll(() => page.textContent('#ov-message')).toMatch(/^Created ov-/);
      const id = /Created (ov-[\w-]+)/.exec((await page.textContent('#ov-message')) ?? '')![1]!;
      await page.fill('#ov-reason', 'browser test, twice');
      await page.click('#ov-submit');
      await expect.poll(() => page.textContent('#ov-message')).toContain(`override ${id} already does this`);

      // Removal: a dialog; an empty reason is refused by the server and the override stays.
      const row = page.locator(`#overrides tr[data-override-id="${id}"]`);
      await row.waitFor();
      await row.locator('button.danger').click();
      expect(await page.isVisible('#remove-dialog')).toBe(true);
      expect(await page.textContent('#remove-id')).toBe(id);
      await page.click('#remove-confirm');
      await expect.poll(() => page.textContent('#remove-error')).toBe('reason: required: say why');
      expect(await page.isVisible('#remove-dialog')).toBe(true);
      expect((await admin.service.listOverrides()).overrides.map((o) => o.id)).toContain(id);
      await page.fill('#remove-reason', 'campaign fixed');
      await page.click('#remove-confirm');
      await expect.poll(() => page.isVisible('#remove-dialog')).toBe(false);
      await row.waitFor({ state: 'detached' });
      const audit = page.locator(`#audit tr[data-override-id="${id}"]`, { hasText: 'delete' });
      await expect.poll(() => audit.textContent()).toContain('campaign fixed');
      // The refused requests are the page's only errors: the browser logs each 400 it got.
      expect(errors.filter((e) => !e.includes('400 (Bad Request)'))).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('on a 390×844 phone nothing is cut and nothing scrolls sideways', async () => {
    const { page, errors } = await openPage(390, 844);
    try {
      await signIn(page);
      await page.waitForSelector('#decisions tbody tr');
      await page.waitForSelector('#overrides tbody tr');
      await expect.poll(() => page.locator('#pacing .chart').count()).toBe(CAMPAIGNS);
      await page.waitForTimeout(300);
      const layout = (await page.evaluate(`({
        cut: [...document.querySelectorAll('#app td, #app th, #app .chart .title')]
          .filter((e) => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1)
          .map((e) => e.textContent),
        wide: [...document.querySelectorAll('#app .card')]
          .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
          .map((e) => e.id),
        scroll: document.documentElement.scrollWidth,
        client: document.documentElement.clientWidth,
      })`)) as { scroll: number; client: number; cut: string[]; wide: string[] };
      expect(layout.cut).toEqual([]);
      expect(layout.wide).toEqual([]);
      expect(layout.scroll).toBeLessThanOrEqual(layout.client);
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOT_DIR, 'dashboard-admin-390x844.png') });
      await page.screenshot({
        path: join(SCREENSHOT_DIR, 'dashboard-admin-390x844-full.png'),
        fullPage: true,
      });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
