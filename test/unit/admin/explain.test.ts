/**
 * The explanation of a recorded decision for a person: why the winner won
 * says when a critic scaled its advertiser value by its campaign's measured
 * brand lift.
 */
import { describe, expect, it } from 'vitest';
import { explainText } from '../../../services/admin/explain';
import { decisionRecord } from '../../support/decision-record';

describe('explainText', () => {
  it("names the brand-lift multiplier a critic applied to the winner's value, and only then", () => {
    const plain = decisionRecord('r-1');
    const wonBecause = (lines: string[]) => lines.find((l) => l.includes('won because'))!;
    expect(wonBecause(explainText(plain))).not.toContain('brand lift');
    const lifted = decisionRecord('r-2');
    lifted.rounds[0]!.critiques.objective!.verdicts[0]!.lift_multiplier = 1.18;
    expect(wonBecause(explainText(lifted))).toContain(
      "its advertiser value ×1.180 for its campaign's measured brand lift",
    );
  });
});

describe('explainText and the context agent ad load', () => {
  it("shows the break's ad load when the context agent's policy set one, and only then", () => {
    const context = (lines: string[]) => lines.find((l) => l.startsWith('context: '))!;
    expect(context(explainText(decisionRecord('r-1')))).not.toContain('ad load');
    const floored = decisionRecord('r-2');
    floored.context!.ad_load = { has_floor: true, min_utility: 0.5 };
    expect(context(explainText(floored))).toContain("ad load: floor 0.500 (the context agent's policy)");
    const none = decisionRecord('r-3');
    none.context!.ad_load = { has_floor: false, min_utility: 0 };
    expect(context(explainText(none))).toContain("ad load: no floor (the context agent's policy)");
  });
});
