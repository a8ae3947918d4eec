// Fixture data shaped like the server's answers (graph/schema/*.graphqls).
import type { DatabaseMetrics, QuotaStatus, ServiceStatus, UserDataSummary } from '../graphql/operations';

export const quotaFixture: QuotaStatus = {
  tenantId: 'ecd0820b3f1da765',
  tier: 'STANDARD',
  overridden: true,
  limits: { concurrentSimulations: 2, iterationsPerSimulation: 10000, simulationsPerMonth: 1000, uploadBytes: 50_000_000, storageBytes: 10_000_000_000, requestsPerMinute: 3000 },
  tierLimits: {
    concurrentSimulations: 2,
    iterationsPerSimulation: 10000,
    simulationsPerMonth: 500,
    uploadBytes: 50_000_000,
    storageBytes: 10_000_000_000,
    requestsPerMinute: 3000,
  },
  usage: { concurrentSimulations: 2, simulationsThisMonth: 800, storageBytes: 1_500_000 },
};

const stats = { maxOpen: 50, open: 3, inUse: 1, idle: 2, waitCount: 0, waitDurationMs: 0, maxIdleClosed: 0, maxIdleTimeClosed: 0, maxLifetimeClosed: 0 };

export const servicesFixture: ServiceStatus[] = [
  {
    name: 'simulation',
    database: 'simulation_db.sqlite',
    dialect: 'sqlite3',
    tenantRouted: true,
    healthy: true,
    latencyMs: 0.02,
    schemaVersion: 1,
    tables: ['simulations', 'outbox', 'schema_migrations'],
    pool: { size: 20, overflow: 30, max: 50, stats },
    checkedAt: '2026-11-26T23:25:09.998Z',
    error: null,
  },
  {
    name: 'billing',
    database: 'billing_db',
    dialect: 'postgres',
    tenantRouted: false,
    healthy: false,
    latencyMs: 1250,
    schemaVersion: 3,
    tables: ['usage_records'],
    pool: { size: 5, overflow: 5, max: 10, stats: { ...stats, maxOpen: 10, open: 0, inUse: 0, idle: 0, waitCount: 4, waitDurationMs: 37.5 } },
    checkedAt: '2026-11-26T23:25:10.001Z',
    error: 'dial tcp 10.0.0.7:5432: connect: connection refused',
  },
];

export const metricsFixture: DatabaseMetrics = {
  services: [
    {
      name: 'simulation',
      database: 'simulation_db.sqlite',
      queries: 40,
      errors: 0,
      acquiredConns: 0,
      idleConns: 3,
      totalConns: 3,
      maxConns: 50,
      waits: 0,
      waitTimeMs: 0,
      latencyP50Ms: 0.265,
      latencyP90Ms: 0.316,
      latencyP95Ms: 0.394,
      latencyP99Ms: 0.512,
      latencyMaxMs: 0.512,
      latencySamples: 40,
    },
  ],
  tenantsByTier: [
    { tier: 'STANDARD', tenants: 1 },
    { tier: 'TRIAL', tenants: 3 },
  ],
  dedicatedPoolsOpen: 0,
  collectedAt: '2026-11-26T23:25:10.000Z',
};

export const summaryFixture: UserDataSummary = {
  tenantId: 'ecd0820b3f1da765',
  simulations: {
    total: 3,
    byStatus: [
      { status: 'FAILED', count: 1 },
      { status: 'COMPLETED', count: 2 },
    ],
    recent: [{ id: 'sim-000001', name: 'DCF', status: 'COMPLETED', iterations: 10000, createdAt: '2026-11-26T23:00:00Z', workbook: { id: 'wb-1', name: 'project-dcf.xlsx' } }],
  },
  workbooks: { count: 1, bytes: 23_456 },
  results: { count: 2 },
  usage: { simulationsThisMonth: 3, iterationsThisMonth: 30000, storageBytes: 123_456, billedSimulationsThisMonth: 2, billedComputeSecondsThisMonth: 4.2 },
  routing: { databaseTier: 'SHARED', dedicated: false, databases: ['simulation_db.sqlite', 'file_db.sqlite', 'results_db.sqlite'] },
};
