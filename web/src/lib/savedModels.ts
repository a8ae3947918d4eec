// Conversions between the browser's draft model and the server's saved
// model versions.
import type { ModelDefinitionVars, SavedModel } from '../graphql/models';
import type { DistributionInput } from './distributions';
import type { Model } from './model';

/** The draft as a ModelDefinitionInput (what createSimulation would run). */
export function definitionOf(model: Model): ModelDefinitionVars {
  return {
    inputs: model.inputs.map((i) => ({ cell: i.cell, name: i.name ?? undefined, distribution: i.distribution })),
    outputs: model.outputs.map((o) => o.cell),
    outputNames: model.outputs.map((o) => o.name?.trim() || null),
    iterations: model.settings.iterations,
    seed: model.settings.seed ?? undefined,
    sampling: model.settings.sampling,
    correlations: model.correlations.length > 0 ? model.correlations : undefined,
    scenarios: model.scenarios && model.scenarios.length > 0 ? model.scenarios : undefined,
  };
}

/**
 * A saved model's current version as a draft, linked to it. Distributions
 * keep only the parameters that are set: the server answers every one,
 * null when unused, and Apollo adds __typename, neither of which an input
 * may carry back.
 */
export function draftOf(saved: SavedModel, runName: string): Model {
  const v = saved.current;
  return {
    inputs: v.inputs.map((i) => ({ cell: i.cell, name: i.name, distribution: distributionInputOf(i.distribution) })),
    outputs: v.outputVariables.map((o) => ({ cell: o.cell, name: o.name })),
    correlations: v.correlations.map((c) => ({ cellA: c.cellA, cellB: c.cellB, coefficient: c.coefficient })),
    scenarios: (v.scenarios ?? []).map((sc) => ({
      name: sc.name,
      overrides: sc.overrides.map((o) => ({
        cell: o.cell,
        ...(o.value !== null && o.value !== undefined ? { value: o.value } : {}),
        ...(o.distribution ? { distribution: distributionInputOf(o.distribution) } : {}),
        ...(o.percentileRange ? { percentileRange: { low: o.percentileRange.low, high: o.percentileRange.high } } : {}),
      })),
    })),
    settings: { iterations: v.iterations, seed: v.seed, sampling: v.sampling, name: runName },
    saved: { id: saved.id, name: saved.name, version: saved.version },
  };
}

function distributionInputOf(d: Record<string, unknown>): DistributionInput {
  const out: Record<string, unknown> = {};
  for (const [k, value] of Object.entries(d)) {
    if (k !== '__typename' && value !== null && value !== undefined) out[k] = value;
  }
  return out as DistributionInput;
}
