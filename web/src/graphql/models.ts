// Saved, versioned models (the server's Model and ModelVersion).
import { gql, type TypedDocumentNode } from '@apollo/client';
import type { DistributionInput } from '../lib/distributions';
import type { Sampling } from './operations';
import type { ModelScenario } from '../lib/model';

export interface SavedModelVersion {
  version: number;
  iterations: number;
  seed: number | null;
  sampling: Sampling;
  inputs: { cell: string; name: string | null; distribution: Record<string, unknown> & { type: string } }[];
  outputVariables: { cell: string; name: string | null }[];
  correlations: { cellA: string; cellB: string; coefficient: number }[];
  scenarios?: {
    name: string;
    overrides: {
      cell: string;
      value: number | null;
      distribution: (Record<string, unknown> & { type: string }) | null;
      percentileRange: { low: number; high: number } | null;
    }[];
  }[];
}

export interface SavedModel {
  id: string;
  name: string;
  description: string;
  version: number;
  updatedAt: string;
  current: SavedModelVersion;
}

export interface ModelDefinitionVars {
  inputs: { cell: string; name?: string; distribution: DistributionInput }[];
  outputs: string[];
  outputNames?: (string | null)[];
  iterations: number;
  seed?: number;
  sampling?: Sampling;
  correlations?: { cellA: string; cellB: string; coefficient: number }[];
  scenarios?: ModelScenario[];
}

const SAVED_MODEL_FIELDS = gql`
  fragment SavedModelFields on Model {
    id
    name
    description
    version
    updatedAt
    current {
      version
      iterations
      seed
      sampling
      inputs {
        cell
        name
        distribution {
          type
          min
          mode
          max
          mean
          stdDev
          mu
          sigma
          alpha
          beta
          shape
          scale
          rate
          lambda
          n
          p
          values
          probabilities
          truncateMin
          truncateMax
        }
      }
      outputVariables {
        cell
        name
      }
      correlations {
        cellA
        cellB
        coefficient
      }
      scenarios {
        name
        overrides {
          cell
          value
          percentileRange {
            low
            high
          }
          distribution {
            type
            min
            mode
            max
            mean
            stdDev
            mu
            sigma
            alpha
            beta
            shape
            scale
            rate
            lambda
            n
            p
            values
            probabilities
            truncateMin
            truncateMax
          }
        }
      }
    }
  }
`;

export const WORKBOOK_MODELS: TypedDocumentNode<{ models: { edges: { node: SavedModel }[] } }, { workbookId: string }> = gql`
  query WorkbookModels($workbookId: ID!) {
    models(first: 50, workbookId: $workbookId) {
      edges {
        node {
          ...SavedModelFields
        }
      }
    }
  }
  ${SAVED_MODEL_FIELDS}
`;

export const CREATE_MODEL: TypedDocumentNode<
  { createModel: SavedModel },
  { input: { workbookId: string; name: string; description?: string; definition: ModelDefinitionVars } }
> = gql`
  mutation CreateModel($input: CreateModelInput!) {
    createModel(input: $input) {
      ...SavedModelFields
    }
  }
  ${SAVED_MODEL_FIELDS}
`;

export const UPDATE_MODEL: TypedDocumentNode<
  { updateModel: SavedModel },
  { id: string; expectedVersion: number; input: { name?: string; definition?: ModelDefinitionVars } }
> = gql`
  mutation UpdateModel($id: ID!, $expectedVersion: Int!, $input: UpdateModelInput!) {
    updateModel(id: $id, expectedVersion: $expectedVersion, input: $input) {
      ...SavedModelFields
    }
  }
  ${SAVED_MODEL_FIELDS}
`;

export const RUN_MODEL: TypedDocumentNode<
  { runModel: { id: string; status: string; modelVersion: number | null } },
  { id: string; input: { version: number; name?: string } }
> = gql`
  mutation RunModel($id: ID!, $input: RunModelInput) {
    runModel(id: $id, input: $input) {
      id
      status
      modelVersion
    }
  }
`;
