import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../core/ports/logger.js';
import type { Task } from '../core/task.js';
import type { ExecutorProfile } from '../runner/executors/profile.js';
import { createExecutorProfile, SHELL_PROFILE } from '../runner/executors/registry.js';
import { createLocalTransport } from '../runner/local-transport.js';
import { knownHostKeys, type HostKeyPolicy } from '../runner/ssh/host-key.js';
import { createSshTransport } from '../runner/ssh/ssh-transport.js';
import type { SurvivorReport, Transport } from '../runner/transport.js';
import type { Config } from './config/config.js';

const expandHome = (path: string) =>
  path.startsWith('~/') ? `${homedir()}/${path.slice(2)}` : path;

type HostConfig = Config['hosts'][number];

function hostKeyPolicy(host: HostConfig): HostKeyPolicy {
  if (host.host_key) return { kind: 'pinned', fingerprint: host.host_key };
  if (host.known_hosts) {
    return {
      kind: 'known_hosts',
      keys: knownHostKeys(
        readFileSync(expandHome(host.known_hosts), 'utf8'),
        host.address,
        host.port,
      ),
    };
  }
  return { kind: 'none' };
}

/** One transport per host, made on first use: `local` runs here, the rest over SSH. */
export function createHostTransports(config: Config, log: Logger) {
  const transports = new Map<string, Transport>();
  // Set once the runner's work source exists (it audits the kills); logged either way.
  let survivorSink: ((report: SurvivorReport) => Promise<void>) | null = null;
  const onSurvivors = (report: SurvivorReport) => {
    log.warn('killed the leftovers of an earlier run', { ...report });
    void survivorSink?.(report).catch((e: unknown) =>
      log.error('could not record a survivor kill', { host: report.host, error: String(e) }),
    );
  };
  const make = (name: string): Transport | null => {
    if (name === 'local') return createLocalTransport({ baseEnv: config.localEnv });
    const host = config.hosts.find((h) => h.name === name);
    if (!host) return null;
    try {
      return createSshTransport(
        {
          name: host.name,
          address: host.address,
          port: host.port,
          user: host.user,
          privateKey: host.key_file ? readFileSync(expandHome(host.key_file)) : undefined,
          agent: host.key_file ? undefined : (config.sshAuthSock ?? undefined),
          hostKey: hostKeyPolicy(host),
          maxSessions: host.max_sessions,
        },
        {
          // Survives a restart: what ran on the host when the runner stopped is killed first.
          ledgerFile: join(config.dataDir, 'hosts', `${encodeURIComponent(host.name)}.runs.json`),
          onSurvivors,
        },
      );
    } catch (e) {
      log.error('host unusable', { host: name, error: (e as Error).message });
      return null;
    }
  };
  return {
    transportFor(name: string): Transport | null {
      if (!transports.has(name)) {
        const t = make(name);
        if (t) transports.set(name, t);
        return t;
      }
      return transports.get(name) ?? null;
    },
    /** Where kills of an earlier run's leftovers are recorded (the work source audits them). */
    recordSurvivorsWith(sink: (report: SurvivorReport) => Promise<void>) {
      survivorSink = sink;
    },
    async closeAll() {
      await Promise.allSettled([...transports.values()].map((t) => t.close()));
    },
  };
}

/** The profile a task runs with, from the executors in the config. */
export function createProfileResolver(config: Config) {
  const profiles = new Map<string, ExecutorProfile | { readonly unavailable: string }>();
  for (const e of config.executors) {
    try {
      profiles.set(e.name, createExecutorProfile(e));
    } catch (error) {
      profiles.set(e.name, { unavailable: (error as Error).message });
    }
  }
  return (task: Task): ExecutorProfile | { readonly unavailable: string } => {
    // A template's argv was rendered at submit time: it runs like any other command.
    if (task.kind === 'shell' || (task.kind === 'template' && task.argv)) return SHELL_PROFILE;
    if (task.kind === 'agent' && task.executor) {
      return profiles.get(task.executor) ?? { unavailable: `no executor named ${task.executor}` };
    }
    return { unavailable: `${task.kind} tasks are not runnable yet` };
  };
}

const HOUR_MS = 3_600_000;

/** What a runner needs from the config, the same for the embedded runner and a runner service. */
export function runnerSetup(config: Config, hosts: ReturnType<typeof createHostTransports>) {
  return {
    deps: {
      transportFor: hosts.transportFor,
      profileFor: createProfileResolver(config),
      repoPath: (name: string) => config.repos.find((r) => r.name === name)?.path ?? null,
      repos: () => config.repos.map((r) => ({ host: r.host, path: r.path })),
    },
    options: {
      concurrency: config.runner.concurrency,
      spoolDir: join(config.dataDir, 'output'),
      worktreeSweep: {
        everyMs: HOUR_MS,
        ttlMs: config.runner.worktreeTtlMs,
        maxBytes: config.runner.worktreeMaxBytes,
      },
    },
  };
}
