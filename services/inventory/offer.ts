/**
 * The inventory agent's offer policy file (learning/offer-policy.ts,
 * `parley-inventory-offer/1`), loaded at start and hot-swapped while it runs.
 * Until a valid file is read the holder keeps NO_OFFER: the agent offers its
 * supervised shortlist, as without a policy.
 */
import { type Watched, watchModel } from '../../learning/artifacts';
import { parseOfferModel } from '../../learning/offer-policy';
import type { Logger } from '../common/log';
import { NO_OFFER, type OfferInUse } from './agent';

export function watchOfferPolicy(path: string, intervalMs: number, log?: Logger): Watched<OfferInUse> {
  return watchModel<OfferInUse>(NO_OFFER, path, parseOfferModel, intervalMs, log);
}
