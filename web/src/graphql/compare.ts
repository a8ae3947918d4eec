// compareSimulations (graph/schema/compare.graphqls): runs' results for one
// output, each against the first.
import { gql, type TypedDocumentNode } from '@apollo/client';
import type { Result } from './operations';

export type ComparedResult = Pick<Result, 'cell' | 'name' | 'iterations' | 'mean' | 'stdDev' | 'min' | 'max' | 'percentiles' | 'histogram'> & {
  sensitivity: Pick<Result['sensitivity'][number], 'input' | 'name' | 'rankCorrelation' | 'contributionToVariance'>[];
};

export interface PercentileDifference {
  p: number;
  value: number;
  baseline: number;
  difference: number;
  relative: number | null;
}

export interface ComparedRun {
  simulation: {
    id: string;
    name: string | null;
    iterations: number;
    createdAt: string;
    workbook: { id: string; name: string } | null;
    outputVariables: { cell: string; name: string | null }[];
  };
  result: ComparedResult | null;
  meanDifference: number | null;
  percentileDifferences: PercentileDifference[];
}

export interface SimulationComparison {
  output: string;
  runs: ComparedRun[];
}

export const COMPARE_SIMULATIONS: TypedDocumentNode<{ compareSimulations: SimulationComparison }, { ids: string[]; output?: string | null }> = gql`
  query CompareSimulations($ids: [ID!]!, $output: String) {
    compareSimulations(ids: $ids, output: $output) {
      output
      runs {
        simulation {
          id
          name
          iterations
          createdAt
          workbook {
            id
            name
          }
          outputVariables {
            cell
            name
          }
        }
        result {
          cell
          name
          iterations
          mean
          stdDev
          min
          max
          percentiles {
            p
            value
          }
          histogram {
            method
            bins {
              lower
              upper
              count
            }
          }
          sensitivity {
            input
            name
            rankCorrelation
            contributionToVariance
          }
        }
        meanDifference
        percentileDifferences {
          p
          value
          baseline
          difference
          relative
        }
      }
    }
  }
`;
