// The model a workbook carries in its own cells (@RISK and ModelRisk
// functions), as graph/schema/simulation.graphqls describes Workbook's
// detectedInputs, detectedOutputs, detectionProblems, detectedCorrelations and
// detectedScenarios.
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
  /** False for a note on a cell that simulates (RAND() in a larger formula, RiskSimtable's first value). */
  refusesModel?: boolean;
}

/** A rank correlation between two detected inputs, from a matrix in the workbook (RiskCorrmat, a ModelRisk copula). */
export interface DetectedCorrelation {
  cellA: string;
  cellB: string;
  coefficient: number;
  matrix: string;
}

/** A ModelRisk t or bivariate Archimedean copula joining detected inputs (normal copulas are correlations). */
export interface DetectedCopula {
  family: 'NORMAL' | 'T' | 'CLAYTON' | 'GUMBEL' | 'FRANK';
  /** The inputs it joins, in the order of correlation's rows. */
  cells: string[];
  correlation?: number[][] | null;
  degreesOfFreedom?: number | null;
  theta?: number | null;
  matrix: string;
}

/** The scenarios RiskSimtable cells make: scenario k sets each cell to its k-th value. */
export interface DetectedScenarios {
  count: number;
  cells: { cell: string; values: number[] }[];
}

export interface DetectedModel {
  detectedInputs: DetectedInput[];
  detectedOutputs: DetectedOutput[];
  detectionProblems: DetectionProblem[];
  detectedCorrelations?: DetectedCorrelation[];
  detectedCopulas?: DetectedCopula[];
  detectedScenarios?: DetectedScenarios | null;
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
          shift
        }
      }
      detectedOutputs {
        cell
        name
      }
      detectionProblems {
        cell
        message
        refusesModel
      }
      detectedCorrelations {
        cellA
        cellB
        coefficient
        matrix
      }
      detectedCopulas {
        family
        cells
        correlation
        degreesOfFreedom
        theta
        matrix
      }
      detectedScenarios {
        count
        cells {
          cell
          values
        }
      }
    }
  }
`;
