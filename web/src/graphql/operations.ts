// Every operation the app sends, with hand-written result types that follow
// graph/schema/*.graphqls (simulation.graphqls is the contract).
import { gql, type TypedDocumentNode } from '@apollo/client';
import type { DistributionInput, DistributionType } from '../lib/distributions';
import type { ModelScenario } from '../lib/model';

export type SimulationStatus = 'QUEUED' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';
export type Sampling = 'MONTE_CARLO' | 'LATIN_HYPERCUBE';
export type Tier = 'TRIAL' | 'STANDARD' | 'PROFESSIONAL' | 'ENTERPRISE';

export interface PageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}

export interface Sheet {
  name: string;
  dimension: string;
  rows: number;
  columns: number;
}

export interface WorkbookSummary {
  __typename?: 'Workbook';
  id: string;
  name: string;
  size: number;
  formulaCount: number;
  createdAt: string;
  sheets: Sheet[];
  unsupportedFunctions: { name: string; count: number }[];
}

export interface Cell {
  ref: string;
  row: number;
  column: number;
  value: string | null;
  number: number | null;
  type: string;
  formula: string | null;
}

export interface SimulationProgress {
  simulationId: string;
  status: SimulationStatus;
  stage: string;
  percent: number;
  iterationsDone: number;
  iterationsTotal: number;
  elapsedMs: number;
  etaMs: number | null;
  outputs: { cell: string; mean: number; stdError: number }[];
}

export interface Result {
  cell: string;
  /** Stored on the server: the given name, else the workbook's label. */
  name: string | null;
  /** The output cell's Excel number format code ("0.0%"), null in General format. */
  numberFormat?: string | null;
  iterations: number;
  mean: number;
  stdDev: number;
  variance: number;
  skewness: number;
  kurtosis: number;
  min: number;
  max: number;
  stdError: number;
  ciLower: number;
  ciUpper: number;
  percentiles: { p: number; value: number }[];
  histogram: { method: string; bins: { lower: number; upper: number; count: number }[] };
  sensitivity: {
    input: string;
    name: string | null;
    rankCorrelation: number;
    contributionToVariance: number;
    deciles: { decile: number; outputMean: number }[];
    lowDecileMean: number;
    highDecileMean: number;
    changeInMean: number;
    standardizedRegression: number | null;
    varianceShare: number | null;
  }[];
  /** Share of the output's variance the linear regression on the inputs explains. */
  rSquared: number | null;
  unexplainedVariance: number | null;
  targets: { value: number; probBelow: number; probAbove: number }[];
  /** var: the (1 - level) percentile; cvar: mean at or below it (low is bad). upper*: the other tail. */
  tail: { level: number; var: number; cvar: number; upperVar: number; upperCvar: number }[];
  errors: { kind: string; count: number }[];
}

export interface InputVariable {
  cell: string;
  name: string | null;
  distribution: { type: DistributionType } & Record<string, unknown>;
}

export interface SimulationSummary {
  id: string;
  name: string | null;
  workbookId: string;
  workbook: { id: string; name: string } | null;
  status: SimulationStatus;
  iterations: number;
  sampling: Sampling;
  outputs: string[];
  createdAt: string;
  completedAt: string | null;
  elapsedMs: number | null;
  error: string | null;
}

/** The statistics of one output in one scenario. */
export interface ScenarioOutput {
  cell: string;
  name: string | null;
  numberFormat?: string | null;
  mean: number;
  percentiles: { p: number; value: number }[];
  histogram: { bins: { lower: number; upper: number; count: number }[] };
}

export interface ScenarioResult {
  index: number;
  name: string;
  scenario: { name: string; overrides: { cell: string; value: number | null; distribution: { type: DistributionType } | null; percentileRange: { low: number; high: number } | null }[] } | null;
  results: ScenarioOutput[];
  impacts: { output: string; name: string | null; meanDifference: number; percentileDifferences: { p: number; difference: number }[] }[];
}

export interface SimulationDetail extends SimulationSummary {
  seed: number;
  /** The saved model it ran (null when none, or deleted since) and the version. */
  model: { id: string; name: string } | null;
  modelVersion: number | null;
  outputVariables: { cell: string; name: string | null; numberFormat?: string | null }[];
  /** The base then each scenario; empty when the run had none. */
  scenarios?: ScenarioResult[];
  tailLevels: number[];
  inputs: InputVariable[];
  correlations: { cellA: string; cellB: string; coefficient: number }[];
  warnings: string[];
  startedAt: string | null;
  progress: SimulationProgress;
  results: Result[];
  reportUrl: string | null;
  summaryCsvUrl: string | null;
  samplesCsvUrl: string | null;
}

const PROGRESS_FIELDS = gql`
  fragment ProgressFields on SimulationProgress {
    simulationId
    status
    stage
    percent
    iterationsDone
    iterationsTotal
    elapsedMs
    etaMs
    outputs {
      cell
      mean
      stdError
    }
  }
`;

const SIMULATION_SUMMARY = gql`
  fragment SimulationSummaryFields on Simulation {
    id
    name
    workbookId
    workbook {
      id
      name
    }
    status
    iterations
    sampling
    outputs
    createdAt
    completedAt
    elapsedMs
    error
  }
`;

export const ME: TypedDocumentNode<{
  me: { id: string; email: string; roles: string[]; organization: { id: string; name: string; tier: Tier; tenantId: string; personal: boolean } };
}> = gql`
  query Me {
    me {
      id
      email
      roles
      organization {
        id
        name
        tier
        tenantId
        personal
      }
    }
  }
`;

export interface DependencyCheck {
  name: string;
  status: string;
  latencyMs: number;
  error: string | null;
}

export const ORGANIZATION: TypedDocumentNode<{
  me: { id: string; email: string; subject: string; roles: string[] };
  tenantInfo: {
    tenantId: string;
    tier: Tier;
    databaseTier: string;
    dedicated: boolean;
    pool: { size: number; overflow: number; max: number };
    organization: { id: string; name: string; personal: boolean };
  };
  health: {
    status: string;
    version: string;
    mode: string;
    uptimeSeconds: number;
    checks: DependencyCheck[];
    services: DependencyCheck[];
    dependencies: DependencyCheck[];
  };
}> = gql`
  query Organization {
    me {
      id
      email
      subject
      roles
    }
    tenantInfo {
      tenantId
      tier
      databaseTier
      dedicated
      pool {
        size
        overflow
        max
      }
      organization {
        id
        name
        personal
      }
    }
    health {
      status
      version
      mode
      uptimeSeconds
      checks {
        ...CheckFields
      }
      services {
        ...CheckFields
      }
      dependencies {
        ...CheckFields
      }
    }
  }
  fragment CheckFields on DependencyCheck {
    name
    status
    latencyMs
    error
  }
`;

export const WORKBOOKS: TypedDocumentNode<
  { workbooks: { totalCount: number; pageInfo: PageInfo; edges: { cursor: string; node: WorkbookSummary }[] } },
  { first: number; after?: string | null }
> = gql`
  query Workbooks($first: Int!, $after: Cursor) {
    workbooks(first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        cursor
        node {
          id
          name
          size
          formulaCount
          createdAt
          sheets {
            name
            dimension
            rows
            columns
          }
          unsupportedFunctions {
            name
            count
          }
        }
      }
    }
  }
`;

export const UPLOAD_WORKBOOK = /* GraphQL */ `
  mutation UploadWorkbook($file: Upload!) {
    uploadWorkbook(file: $file) {
      id
      name
      size
      formulaCount
      createdAt
      sheets {
        name
        dimension
        rows
        columns
      }
      unsupportedFunctions {
        name
        count
      }
    }
  }
`;

export const DELETE_WORKBOOK: TypedDocumentNode<{ deleteWorkbook: string }, { id: string }> = gql`
  mutation DeleteWorkbook($id: ID!) {
    deleteWorkbook(id: $id)
  }
`;

export const WORKBOOK: TypedDocumentNode<{ workbook: WorkbookSummary | null }, { id: string }> = gql`
  query Workbook($id: ID!) {
    workbook(id: $id) {
      id
      name
      size
      formulaCount
      createdAt
      sheets {
        name
        dimension
        rows
        columns
      }
      unsupportedFunctions {
        name
        count
      }
    }
  }
`;

export const CELLS: TypedDocumentNode<
  { workbook: { id: string; cells: { sheet: string; range: string; cells: Cell[] } } | null },
  { id: string; sheet: string; range?: string | null }
> = gql`
  query Cells($id: ID!, $sheet: String!, $range: String) {
    workbook(id: $id) {
      id
      cells(sheet: $sheet, range: $range) {
        sheet
        range
        cells {
          ref
          row
          column
          value
          number
          type
          formula
        }
      }
    }
  }
`;

export interface SimulationInputVars {
  workbookId: string;
  name?: string;
  inputs: { cell: string; name?: string; distribution: DistributionInput }[];
  outputs: string[];
  /** By position; null or empty lets the server use the workbook's label. */
  outputNames?: (string | null)[];
  targets?: number[];
  tailLevels?: number[];
  iterations: number;
  seed?: number;
  sampling?: Sampling;
  correlations?: { cellA: string; cellB: string; coefficient: number }[];
  scenarios?: ModelScenario[];
  /** Without correlations and copulas, the server runs the workbook's own (detectedCorrelations, detectedCopulas). */
  copulas?: { family: 'NORMAL' | 'T' | 'CLAYTON' | 'GUMBEL' | 'FRANK'; cells: string[]; correlation?: number[][]; degreesOfFreedom?: number; theta?: number }[];
}

export const CREATE_SIMULATION: TypedDocumentNode<{ createSimulation: SimulationSummary }, { input: SimulationInputVars }> = gql`
  mutation CreateSimulation($input: SimulationInput!) {
    createSimulation(input: $input) {
      ...SimulationSummaryFields
    }
  }
  ${SIMULATION_SUMMARY}
`;

export const CANCEL_SIMULATION: TypedDocumentNode<{ cancelSimulation: { id: string; status: SimulationStatus } }, { id: string }> = gql`
  mutation CancelSimulation($id: ID!) {
    cancelSimulation(id: $id) {
      id
      status
    }
  }
`;

export const SIMULATION: TypedDocumentNode<{ simulation: SimulationDetail | null }, { id: string }> = gql`
  query Simulation($id: ID!) {
    simulation(id: $id) {
      ...SimulationSummaryFields
      seed
      modelVersion
      model {
        id
        name
      }
      reportUrl
      summaryCsvUrl
      samplesCsvUrl
      startedAt
      warnings
      outputVariables {
        cell
        name
        numberFormat
      }
      scenarios {
        index
        name
        scenario {
          name
          overrides {
            cell
            value
            distribution {
              type
            }
            percentileRange {
              low
              high
            }
          }
        }
        results {
          cell
          name
          numberFormat
          mean
          percentiles {
            p
            value
          }
          histogram {
            bins {
              lower
              upper
              count
            }
          }
        }
        impacts {
          output
          name
          meanDifference
          percentileDifferences {
            p
            difference
          }
        }
      }
      tailLevels
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
          nu
          bottom
          top
          bottomPercentile
          topPercentile
          truncateMin
          truncateMax
        }
      }
      correlations {
        cellA
        cellB
        coefficient
      }
      progress {
        ...ProgressFields
      }
      results {
        cell
        name
        numberFormat
        iterations
        mean
        stdDev
        variance
        skewness
        kurtosis
        min
        max
        stdError
        ciLower
        ciUpper
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
          deciles {
            decile
            outputMean
          }
          lowDecileMean
          highDecileMean
          changeInMean
          standardizedRegression
          varianceShare
        }
        rSquared
        unexplainedVariance
        targets {
          value
          probBelow
          probAbove
        }
        tail {
          level
          var
          cvar
          upperVar
          upperCvar
        }
        errors {
          kind
          count
        }
      }
    }
  }
  ${SIMULATION_SUMMARY}
  ${PROGRESS_FIELDS}
`;

export const SIMULATIONS: TypedDocumentNode<
  { simulations: { totalCount: number; pageInfo: PageInfo; edges: { cursor: string; node: SimulationSummary }[] } },
  { first: number; after?: string | null; status?: SimulationStatus | null; orderBy?: { field: 'CREATED_AT' | 'STATUS' | 'ITERATIONS'; direction: 'ASC' | 'DESC' } | null }
> = gql`
  query Simulations($first: Int!, $after: Cursor, $status: SimulationStatus, $orderBy: SimulationOrder) {
    simulations(first: $first, after: $after, status: $status, orderBy: $orderBy) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        cursor
        node {
          ...SimulationSummaryFields
        }
      }
    }
  }
  ${SIMULATION_SUMMARY}
`;

export const SIMULATION_PROGRESS: TypedDocumentNode<{ simulationProgress: SimulationProgress }, { id: string }> = gql`
  subscription SimulationProgress($id: ID!) {
    simulationProgress(id: $id) {
      ...ProgressFields
    }
  }
  ${PROGRESS_FIELDS}
`;

// ---- organization: data summary, quota, platform administration --------------------

export interface UserDataSummary {
  tenantId: string;
  simulations: {
    total: number;
    byStatus: { status: SimulationStatus; count: number }[];
    recent: { id: string; name: string | null; status: SimulationStatus; iterations: number; createdAt: string; workbook: { id: string; name: string } | null }[];
  };
  workbooks: { count: number; bytes: number };
  results: { count: number };
  usage: {
    simulationsThisMonth: number;
    iterationsThisMonth: number;
    storageBytes: number;
    billedSimulationsThisMonth: number;
    billedComputeSecondsThisMonth: number;
  };
  routing: { databaseTier: string; dedicated: boolean; databases: string[] };
}

export const USER_DATA_SUMMARY: TypedDocumentNode<{ userDataSummary: UserDataSummary }> = gql`
  query UserDataSummary {
    userDataSummary {
      tenantId
      simulations {
        total
        byStatus {
          status
          count
        }
        recent {
          id
          name
          status
          iterations
          createdAt
          workbook {
            id
            name
          }
        }
      }
      workbooks {
        count
        bytes
      }
      results {
        count
      }
      usage {
        simulationsThisMonth
        iterationsThisMonth
        storageBytes
        billedSimulationsThisMonth
        billedComputeSecondsThisMonth
      }
      routing {
        databaseTier
        dedicated
        databases
      }
    }
  }
`;

export interface QuotaLimits {
  concurrentSimulations: number;
  iterationsPerSimulation: number;
  simulationsPerMonth: number;
  uploadBytes: number;
  storageBytes: number;
  requestsPerMinute: number;
}

export interface QuotaStatus {
  tenantId: string;
  tier: string;
  limits: QuotaLimits;
  tierLimits: QuotaLimits;
  overridden: boolean;
  usage: { concurrentSimulations: number; simulationsThisMonth: number; storageBytes: number } | null;
}

const QUOTA_LIMITS = gql`
  fragment QuotaLimitsFields on QuotaLimits {
    concurrentSimulations
    iterationsPerSimulation
    simulationsPerMonth
    uploadBytes
    storageBytes
    requestsPerMinute
  }
`;

export const QUOTA: TypedDocumentNode<{ quota: QuotaStatus }> = gql`
  query Quota {
    quota {
      tenantId
      tier
      overridden
      limits {
        ...QuotaLimitsFields
      }
      tierLimits {
        ...QuotaLimitsFields
      }
      usage {
        concurrentSimulations
        simulationsThisMonth
        storageBytes
      }
    }
  }
  ${QUOTA_LIMITS}
`;

export interface PoolStats {
  maxOpen: number;
  open: number;
  inUse: number;
  idle: number;
  waitCount: number;
  waitDurationMs: number;
  maxIdleClosed: number;
  maxIdleTimeClosed: number;
  maxLifetimeClosed: number;
}

export interface ServiceStatus {
  name: string;
  database: string;
  dialect: string;
  tenantRouted: boolean;
  healthy: boolean;
  latencyMs: number;
  schemaVersion: number;
  tables: string[];
  pool: { size: number; overflow: number; max: number; stats: PoolStats };
  checkedAt: string;
  error: string | null;
}

export const SERVICES: TypedDocumentNode<{ services: ServiceStatus[] }> = gql`
  query Services {
    services {
      name
      database
      dialect
      tenantRouted
      healthy
      latencyMs
      schemaVersion
      tables
      pool {
        size
        overflow
        max
        stats {
          maxOpen
          open
          inUse
          idle
          waitCount
          waitDurationMs
          maxIdleClosed
          maxIdleTimeClosed
          maxLifetimeClosed
        }
      }
      checkedAt
      error
    }
  }
`;

export interface ServiceMetrics {
  name: string;
  database: string;
  queries: number;
  errors: number;
  acquiredConns: number;
  idleConns: number;
  totalConns: number;
  maxConns: number;
  waits: number;
  waitTimeMs: number;
  latencyP50Ms: number;
  latencyP90Ms: number;
  latencyP95Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
  latencySamples: number;
}

export interface DatabaseMetrics {
  services: ServiceMetrics[];
  tenantsByTier: { tier: string; tenants: number }[];
  dedicatedPoolsOpen: number;
  collectedAt: string;
}

export const METRICS: TypedDocumentNode<{ metrics: DatabaseMetrics }> = gql`
  query Metrics {
    metrics {
      services {
        name
        database
        queries
        errors
        acquiredConns
        idleConns
        totalConns
        maxConns
        waits
        waitTimeMs
        latencyP50Ms
        latencyP90Ms
        latencyP95Ms
        latencyP99Ms
        latencyMaxMs
        latencySamples
      }
      tenantsByTier {
        tier
        tenants
      }
      dedicatedPoolsOpen
      collectedAt
    }
  }
`;

export interface DatabaseMigration {
  database: string;
  service: string;
  tenantId: string | null;
  canary: boolean;
  fromVersion: number;
  toVersion: number;
  statementsApplied: number;
  statements: string[];
  status: string;
  error: string | null;
  durationMs: number;
}

export interface MigrationReport {
  dryRun: boolean;
  startedAt: string;
  durationMs: number;
  waitedMs: number;
  databases: DatabaseMigration[];
}

export const MIGRATE: TypedDocumentNode<{ migrate: MigrationReport }, { dryRun: boolean }> = gql`
  mutation Migrate($dryRun: Boolean) {
    migrate(dryRun: $dryRun) {
      dryRun
      startedAt
      durationMs
      waitedMs
      databases {
        database
        service
        tenantId
        canary
        fromVersion
        toVersion
        statementsApplied
        statements
        status
        error
        durationMs
      }
    }
  }
`;

// ---- notifications ------------------------------------------------------------------

export interface Notification {
  __typename?: 'Notification';
  id: string;
  kind: string;
  title: string;
  body: string;
  subjectId: string;
  read: boolean;
  readAt: string | null;
  createdAt: string;
}

export const NOTIFICATION_FIELDS = gql`
  fragment NotificationFields on Notification {
    id
    kind
    title
    body
    subjectId
    read
    readAt
    createdAt
  }
`;

/** The latest notifications for the list, and the unread ones (up to 100) for the count. */
export const NOTIFICATIONS: TypedDocumentNode<{ notifications: Notification[]; unread: { __typename?: 'Notification'; id: string; read: boolean }[] }> = gql`
  query Notifications {
    notifications(first: 20) {
      ...NotificationFields
    }
    unread: notifications(first: 100, unreadOnly: true) {
      id
      read
    }
  }
  ${NOTIFICATION_FIELDS}
`;

export const MARK_NOTIFICATION_READ: TypedDocumentNode<{ markNotificationRead: Notification }, { id: string }> = gql`
  mutation MarkNotificationRead($id: ID!) {
    markNotificationRead(id: $id) {
      ...NotificationFields
    }
  }
  ${NOTIFICATION_FIELDS}
`;

export const NOTIFICATION_ADDED: TypedDocumentNode<{ notificationAdded: Notification }> = gql`
  subscription NotificationAdded {
    notificationAdded {
      ...NotificationFields
    }
  }
  ${NOTIFICATION_FIELDS}
`;
