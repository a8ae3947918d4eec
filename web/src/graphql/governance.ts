// The organization's governance: audit log, API keys and webhooks
// (graph/schema/governance.graphqls).
import { gql, type TypedDocumentNode } from '@apollo/client';

export type AuditActorKind = 'USER' | 'API_KEY' | 'SYSTEM';

export interface AuditEntry {
  id: string;
  eventId: string;
  action: string;
  actorKind: AuditActorKind;
  actorId: string | null;
  objectType: string;
  objectId: string;
  objectName: string;
  occurredAt: string;
}

export interface AuditLogFilter {
  action?: string;
  objectType?: string;
}

export interface AuditLogData {
  auditLog: {
    edges: { cursor: string; node: AuditEntry }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    totalCount: number;
  };
}

export const AUDIT_LOG: TypedDocumentNode<AuditLogData, { first: number; after?: string | null; filter?: AuditLogFilter }> = gql`
  query AuditLog($first: Int, $after: Cursor, $filter: AuditLogFilter) {
    auditLog(first: $first, after: $after, filter: $filter) {
      edges {
        cursor
        node {
          id
          eventId
          action
          actorKind
          actorId
          objectType
          objectId
          objectName
          occurredAt
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
      totalCount
    }
  }
`;

export type ApiKeyScope = 'READ' | 'WRITE';

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: ApiKeyScope[];
  createdBy: string;
  createdAt: string;
  revokedAt: string | null;
}

export const API_KEYS: TypedDocumentNode<{ apiKeys: ApiKey[] }> = gql`
  query ApiKeys {
    apiKeys {
      id
      name
      prefix
      scopes
      createdBy
      createdAt
      revokedAt
    }
  }
`;

export const CREATE_API_KEY: TypedDocumentNode<{ createApiKey: { apiKey: ApiKey; secret: string } }, { name: string; scopes: ApiKeyScope[] }> = gql`
  mutation CreateApiKey($name: String!, $scopes: [ApiKeyScope!]!) {
    createApiKey(name: $name, scopes: $scopes) {
      apiKey {
        id
        name
        prefix
        scopes
        createdBy
        createdAt
        revokedAt
      }
      secret
    }
  }
`;

export const REVOKE_API_KEY: TypedDocumentNode<{ revokeApiKey: Pick<ApiKey, 'id' | 'revokedAt'> }, { id: string }> = gql`
  mutation RevokeApiKey($id: ID!) {
    revokeApiKey(id: $id) {
      id
      revokedAt
    }
  }
`;

export type WebhookEvent = 'SIMULATION_COMPLETED' | 'SIMULATION_FAILED';
export type WebhookDeliveryStatus = 'PENDING' | 'DELIVERED' | 'FAILED';

export interface WebhookDelivery {
  id: string;
  eventId: string;
  eventType: WebhookEvent;
  status: WebhookDeliveryStatus;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string;
  createdAt: string;
  deliveredAt: string | null;
}

export interface Webhook {
  id: string;
  url: string;
  events: WebhookEvent[];
  createdBy: string;
  createdAt: string;
  deliveries: WebhookDelivery[];
}

// The page size is written in the query: the server's cost check reads
// the operations as they are written.
export const WEBHOOKS: TypedDocumentNode<{ webhooks: Webhook[] }> = gql`
  query Webhooks {
    webhooks {
      id
      url
      events
      createdBy
      createdAt
      deliveries(first: 10) {
        id
        eventId
        eventType
        status
        attempts
        lastStatusCode
        lastError
        createdAt
        deliveredAt
      }
    }
  }
`;

export const CREATE_WEBHOOK: TypedDocumentNode<
  { createWebhook: { webhook: Pick<Webhook, 'id' | 'url' | 'events' | 'createdBy' | 'createdAt'>; secret: string } },
  { url: string; events: WebhookEvent[] }
> = gql`
  mutation CreateWebhook($url: String!, $events: [WebhookEvent!]!) {
    createWebhook(url: $url, events: $events) {
      webhook {
        id
        url
        events
        createdBy
        createdAt
      }
      secret
    }
  }
`;

export const DELETE_WEBHOOK: TypedDocumentNode<{ deleteWebhook: string }, { id: string }> = gql`
  mutation DeleteWebhook($id: ID!) {
    deleteWebhook(id: $id)
  }
`;
