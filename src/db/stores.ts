import type { Stores } from '../core/deps.js';
import type { Database } from './client.js';
import { createAuditLog } from './repositories/audit-log.js';
import { createBreakerStore } from './repositories/breaker-store.js';
import { createJobQueue } from './repositories/job-queue.js';
import { createPermissionStore } from './repositories/permission-store.js';
import { createPipelineStore } from './repositories/pipeline-store.js';
import { createApprovalStore, createStageStore } from './repositories/read-stores.js';
import { createModelStatsStore } from './repositories/model-stats-store.js';
import { createTaskStore } from './repositories/task-store.js';
import { createWorkflowStore } from './repositories/workflow-store.js';

/** Every store port, backed by one libSQL database. */
export function createLibsqlStores(db: Database): Stores {
  return {
    tasks: createTaskStore(db),
    stages: createStageStore(db),
    approvals: createApprovalStore(db),
    audit: createAuditLog(db),
    breakers: createBreakerStore(db),
    queue: createJobQueue(db),
    pipelines: createPipelineStore(db),
    workflows: createWorkflowStore(db),
    modelStats: createModelStatsStore(db),
    permissions: createPermissionStore(db),
  };
}
