// The model a workbook carries in its own cells (@RISK and ModelRisk
// functions), as graph/schema/simulation.graphqls describes Workbook's
// detectedInputs, detectedOutputs and detectionProblems.
import { gql, type TypedDocumentNode } from '@apollo/client';
import type { DistributionType } from '../lib/distributions';

export interface DetectedInput {
  cell: string;
  name: string | null;
  function: string;
  distribution: { type: DistributionType } & Record<string, unknown>;
  staticValue: number;
}

export interface DetectedOutput {
  cell: string;
  name: string | null;
}

export interface DetectionProblem {
  cell: string;
  message: string;
}

export interface DetectedModel {
  detectedInputs: DetectedInput[];
  detectedOutputs: DetectedOutput[];
  detectionProblems: DetectionProblem[];
}

export const DETECTED_MODEL: TypedDocumentNode<{ workbook: ({ id: string } & DetectedModel) | null }, { id: string }> = gql`
  query DetectedModel($id: ID!) {
    workbook(id: $id) {
      id
      detectedInputs {
        cell
        name
        function
        staticValue
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
          nu
          bottom
          top
          bottomPercentile
          topPercentile
          truncateMin
          truncateMax
        }
      }
      detectedOutputs {
        cell
        name
      }
      detectionProblems {
        cell
        message
      }
    }
  }
`;
