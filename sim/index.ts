/** The listener simulator's public surface (see sim/README.md). */

export {
  BrandMemory,
  DEFAULT_LIFT,
  isHeldOut,
  type LiftParams,
  type SurveyResult,
} from './lift';
export { ACTIVITIES, type Activity, type ActivityProfile, DEFAULT_ACTIVITIES } from './profiles';
export {
  clickProbability,
  DEFAULT_RESPONSE,
  type ExposureContext,
  energyFit,
  type ResponseParams,
  recallProxy,
  skipProbability,
} from './response';
export {
  defaultScenario,
  loadScenarioFile,
  parseScenario,
  ScenarioError,
  type SimScenario,
} from './scenario';
export {
  type AdOutcome,
  type GroundTruth,
  type SimEvent,
  type SimMetrics,
  type SimOutcome,
  type SimRequest,
  SimulationError,
  Simulator,
  type SimulatorOptions,
} from './simulator';
export { catalogueToYaml, generateCatalogue } from './supply';
