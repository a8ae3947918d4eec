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

/** A saved model as the model library lists it. */
export interface LibraryModel {
  id: string;
  name: string;
  version: number;
  createdBy: string;
  updatedAt: string;
  workbookId: string;
  workbook: { id: string; name: string } | null;
}

export interface LibraryModelVersion {
  id: string;
  version: number;
  iterations: number;
  createdBy: string;
  createdAt: string;
}

const LIBRARY_MODEL_FIELDS = gql`
  fragment LibraryModelFields on Model {
    id
    name
    version
    createdBy
    updatedAt
    workbookId
    workbook {
      id
      name
    }
  }
`;

export const LIBRARY_MODELS: TypedDocumentNode<{ models: { edges: { node: LibraryModel }[]; totalCount: number } }> = gql`
  query LibraryModels {
    models(first: 50) {
      edges {
        node {
          ...LibraryModelFields
        }
      }
      totalCount
    }
  }
  ${LIBRARY_MODEL_FIELDS}
`;

export const MODEL_VERSIONS: TypedDocumentNode<
  { model: { id: string; version: number; versions: { edges: { node: LibraryModelVersion }[]; totalCount: number } } | null },
  { id: string }
> = gql`
  query ModelVersions($id: ID!) {
    model(id: $id) {
      id
      version
      versions(first: 50) {
        edges {
          node {
            id
            version
            iterations
            createdBy
            createdAt
          }
        }
        totalCount
      }
    }
  }
`;

export const RENAME_MODEL: TypedDocumentNode<{ updateModel: LibraryModel }, { id: string; expectedVersion: number; name: string }> = gql`
  mutation RenameModel($id: ID!, $expectedVersion: Int!, $name: String!) {
    updateModel(id: $id, expectedVersion: $expectedVersion, input: { name: $name }) {
      ...LibraryModelFields
    }
  }
  ${LIBRARY_MODEL_FIELDS}
`;

export const RESTORE_MODEL_VERSION: TypedDocumentNode<
  { restoreModelVersion: LibraryModel },
  { id: string; version: number; expectedVersion: number }
> = gql`
  mutation RestoreModelVersion($id: ID!, $version: Int!, $expectedVersion: Int!) {
    restoreModelVersion(id: $id, version: $version, expectedVersion: $expectedVersion) {
      ...LibraryModelFields
    }
  }
  ${LIBRARY_MODEL_FIELDS}
`;

export const DELETE_MODEL: TypedDocumentNode<{ deleteModel: string }, { id: string }> = gql`
  mutation DeleteModel($id: ID!) {
    deleteModel(id: $id)
  }
`;
