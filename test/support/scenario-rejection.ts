import { expect } from 'vitest';
import { parseScenario, ScenarioError } from '../../src/sim/scenario.js';

/** The ScenarioError parseScenario throws for `value`; fails the test when it accepts it. */
export function rejection(value: unknown): ScenarioError {
  try {
    parseScenario(value);
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    return e as ScenarioError;
  }
  throw new Error('the scenario was accepted');
}
