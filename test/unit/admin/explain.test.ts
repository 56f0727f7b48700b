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
