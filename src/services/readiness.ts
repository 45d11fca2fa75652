/** What readiness reports; `ready` is false when any check failed. */
export interface ReadinessReport {
  readonly ready: boolean;
  readonly database: 'ok' | 'unreachable';
  /** `not-expected` on a node that serves HTTP only (role `api`). */
  readonly delivery: 'running' | 'claims-failing' | 'stopped' | 'not-expected';
}

export interface ReadinessDeps {
  /** A trivial query; rejects when the database cannot answer. */
  readonly ping: () => Promise<unknown>;
  /** This process's delivery engine (only its state is read). */
  readonly engine: { readonly isRunning: boolean; readonly claimsFailingSince: number | undefined };
  /** How long the ping may take before the database counts as unreachable. */
  readonly timeoutMs?: number;
}

/**
 * Readiness, as opposed to liveness (`GET /api/status`, always 204 while the process runs): can
 * this node do its work right now? The database must answer a query within the timeout, and on a
 * node that delivers webhooks (role `worker` or `all`) the engine must be running and its last claim
must have succeeded (a node whose claims fail, say on a locked or broken queue, is not ready even
though a trivial query still answers).
 * A load balancer takes a node that is not ready out of rotation; an orchestrator may restart it.
 */
export function createReadiness({ ping, engine, timeoutMs = 2000 }: ReadinessDeps) {
  let expectsEngine = false;

  async function databaseAnswers(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([ping().then(() => true), timeout]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    /** Called once the engine was started on this node: from then on it must keep running. */
    expectEngine(): void {
      expectsEngine = true;
    },

    async check(): Promise<ReadinessReport> {
      const database = (await databaseAnswers()) ? 'ok' : 'unreachable';
      const delivery = !expectsEngine
        ? 'not-expected'
        : !engine.isRunning
          ? 'stopped'
          : engine.claimsFailingSince !== undefined
            ? 'claims-failing'
            : 'running';
      return {
        ready: database === 'ok' && (delivery === 'running' || delivery === 'not-expected'),
        database,
        delivery,
      };
    },
  };
}

export type Readiness = ReturnType<typeof createReadiness>;
