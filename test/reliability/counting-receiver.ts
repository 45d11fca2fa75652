/**
 * A webhook receiver for the reliability scenarios: a real `node:http` server on 127.0.0.1 that
 * counts every request per `webhook-id` (the delivery id, stable across retries), so a scenario can
 * tell first deliveries from duplicates. Unlike test/helpers/receiver.ts it keeps no bodies (10,000
 * of them would only cost memory), answers per path (one server stands in for several endpoints),
 * tracks requests open at once per path, and can go down and come back on the same port.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** How one endpoint (a path prefix) answers. */
export type EndpointBehaviour =
  /** 200, with this body (a misbehaving endpoint may answer anything). */
  | { readonly kind: 'ok'; readonly body?: string }
  | { readonly kind: 'status'; readonly status: number }
  /** Answers 200 after `ms`; longer than the delivery timeout, it is a hanging endpoint. */
  | { readonly kind: 'slow'; readonly ms: number }
  /** Destroys the socket as soon as the request arrives (a crashing endpoint). */
  | { readonly kind: 'reset' };

export interface Arrival {
  readonly webhookId: string;
  readonly path: string;
  readonly at: number;
  /** The status the endpoint chose to answer (0: it reset the connection). */
  readonly status: number;
}

export interface CountingReceiver {
  /** `http://127.0.0.1:<port>`; stays the same across stop() and restart(). */
  readonly url: string;
  /** Every request, in arrival order. */
  readonly arrivals: readonly Arrival[];
  /** Requests per webhook-id (all paths). */
  readonly counts: ReadonlyMap<string, number>;
  /** Highest number of requests open at once, per path prefix. */
  readonly peakOpen: ReadonlyMap<string, number>;
  /** Requests seen on one path prefix. */
  arrivalsOn(prefix: string): Arrival[];
  /** Requests beyond the first for each webhook-id. */
  duplicates(): number;
  /** Ids that arrived more than once. */
  duplicatedIds(): string[];
  /** Sets how `prefix` answers; unknown paths answer 200. */
  behave(prefix: string, behaviour: EndpointBehaviour): void;
  /** Closes the port and every open connection: deliveries now fail with ECONNREFUSED. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startCountingReceiver(): Promise<CountingReceiver> {
  const arrivals: Arrival[] = [];
  const counts = new Map<string, number>();
  const open = new Map<string, number>();
  const peakOpen = new Map<string, number>();
  const behaviours = new Map<string, EndpointBehaviour>();
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let server: Server | undefined;
  let port = 0;

  const prefixOf = (url: string) => [...behaviours.keys()].find((prefix) => url.startsWith(prefix)) ?? url;

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '/';
    const prefix = prefixOf(path);
    const behaviour = behaviours.get(prefix) ?? { kind: 'ok' };
    const nowOpen = (open.get(prefix) ?? 0) + 1;
    open.set(prefix, nowOpen);
    peakOpen.set(prefix, Math.max(peakOpen.get(prefix) ?? 0, nowOpen));
    const closeOnce = () => {
      open.set(prefix, (open.get(prefix) ?? 1) - 1);
    };
    res.once('close', closeOnce);
    req.resume();
    req.on('end', () => {
      // Counted once the whole body is in: a request cut off mid-body never reached the receiver's app.
      const webhookId = String(req.headers['webhook-id'] ?? '');
      const status = behaviour.kind === 'reset' ? 0 : behaviour.kind === 'status' ? behaviour.status : 200;
      arrivals.push({ webhookId, path, at: Date.now(), status });
      counts.set(webhookId, (counts.get(webhookId) ?? 0) + 1);
      if (behaviour.kind === 'reset') {
        req.socket.destroy();
        return;
      }
      const answer = () => {
        if (res.destroyed) return;
        res.writeHead(status);
        res.end(behaviour.kind === 'ok' ? (behaviour.body ?? '') : '');
      };
      if (behaviour.kind === 'slow') {
        const timer = setTimeout(() => {
          timers.delete(timer);
          answer();
        }, behaviour.ms);
        timers.add(timer);
      } else answer();
    });
  };

  const listen = async () => {
    const next = createServer(handle);
    next.on('connection', (socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => resolve());
    });
    port = (next.address() as AddressInfo).port;
    server = next;
  };

  const shutDown = async () => {
    const current = server;
    server = undefined;
    timers.forEach(clearTimeout);
    timers.clear();
    for (const socket of sockets) socket.destroy();
    if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
  };

  await listen();

  return {
    url: `http://127.0.0.1:${port}`,
    arrivals,
    counts,
    peakOpen,
    arrivalsOn: (prefix) => arrivals.filter((arrival) => arrival.path.startsWith(prefix)),
    duplicates: () => arrivals.length - counts.size,
    duplicatedIds: () => [...counts].filter(([, n]) => n > 1).map(([id]) => id),
    behave(prefix, behaviour) {
      behaviours.set(prefix, behaviour);
    },
    stop: shutDown,
    restart: listen,
    close: shutDown,
  };
}
