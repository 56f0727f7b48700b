/**
 * The objective agent's learned artifacts, loaded at start and hot-swapped
 * while it runs (learning/artifacts.ts watchModelFile): the bid-multiplier
 * policy (learning/objective-policy.ts) on the advertiser value, and the slot
 * forecast (learning/forecast.ts) as even pacing's traffic profile. Until a
 * valid file is read, each holder keeps a stand-in that changes nothing.
 */
import { type ModelHolder, type Watched, watchModel } from '../../learning/artifacts';
import { SlotForecaster } from '../../learning/forecast';
import {
  NEUTRAL_OBJECTIVE,
  type ObjectivePolicy,
  parseObjectiveModel,
} from '../../learning/objective-policy';
import type { Campaign } from '../common/catalogue/types';
import type { Logger } from '../common/log';
import type { TrafficProfile } from './pacing';

export type Forecast = SlotForecaster & { readonly version: string };

/** No forecast (yet): every campaign's profile is flat. */
export const NO_FORECAST: Forecast = Object.assign(new SlotForecaster(), { version: 'forecast-none' });

/** The bid-multiplier policy at `path`; NEUTRAL_OBJECTIVE (the rules alone) until one loads. */
export function watchObjectiveModel(
  path: string,
  intervalMs: number,
  log?: Logger,
): Watched<ObjectivePolicy> {
  return watchModel(NEUTRAL_OBJECTIVE, path, parseObjectiveModel, intervalMs, log);
}

/** The slot forecast at `path`; NO_FORECAST (flat profiles) until one loads. */
export function watchForecast(path: string, intervalMs: number, log?: Logger): Watched<Forecast> {
  return watchModel(NO_FORECAST, path, SlotForecaster.parse, intervalMs, log);
}

/**
 * ObjectiveAgentOptions.trafficProfile from the forecast in `holder`: each
 * campaign's profile is computed once per forecast version and campaign
 * object (a catalogue reload makes new campaign objects, so new targeting is
 * picked up).
 */
export function forecastProfile(holder: ModelHolder<Forecast>): (campaign: Campaign) => TrafficProfile {
  let forecast = holder.current();
  let cache = new WeakMap<Campaign, TrafficProfile>();
  return (campaign) => {
    const now = holder.current();
    if (now !== forecast) {
      forecast = now;
      cache = new WeakMap();
    }
    let profile = cache.get(campaign);
    if (!profile) {
      profile = forecast.profileFor(campaign);
      cache.set(campaign, profile);
    }
    return profile;
  };
}
