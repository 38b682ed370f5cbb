import { describe, expect, it } from 'vitest';
import { EMPTY_STAGE_RESULT, openStage } from '../../src/core/stage.js';
import { fileToDraft, resultToFile, taskToFile } from '../../src/core/task-file.js';
import { aTask } from '../helpers/builders.js';

describe('task files (SPEC §3.8)', () => {
  it('round-trips each kind of request through front matter and body', () => {
    const tasks = [
      aTask({
        id: 't1',
        kind: 'agent',
        executor: 'codex',
        prompt: 'fix it\n\nwith care',
        repo: 'api',
        host: 'build-vm',
        argv: null,
      }),
      aTask({
        id: 't2',
        kind: 'shell',
        host: 'local',
        argv: ['ls', '-la', '; rm -rf /'],
        timeoutS: 60,
      }),
      aTask({
        id: 't3',
        kind: 'template',
        template: 'deploy',
        environment: 'staging',
        params: { service: 'klm', dry_run: true, replicas: 2 },
        argv: ['deploy.sh', 'klm'],
      }),
    ];
    for (const task of tasks) {
      const { front, body } = taskToFile(task, ['a report']);
      expect(front).toMatchObject({
        task_id: task.id,
        task_type: task.kind,
        created_by: task.requester,
      });
      const draft = fileToDraft(front, body);
      expect(draft.ok).toBe(true);
      if (!draft.ok) continue;
      expect(draft.value.kind).toBe(task.kind);
      if (draft.value.kind === 'agent') expect(draft.value.prompt).toBe('fix it\n\nwith care');
      // A template's rendered argv is history: importing asks for the template again.
      if (draft.value.kind === 'shell')
        expect(draft.value.argv).toEqual(['ls', '-la', '; rm -rf /']);
      if (draft.value.kind === 'template')
        expect(draft.value.params).toEqual({ service: 'klm', dry_run: true, replicas: 2 });
    }
  });

  it('names what is wrong with a file', () => {
    const issues = (front: unknown, body = '') => {
      const r = fileToDraft(front, body);
      return r.ok ? [] : r.issues.map((i) => i.path);
    };
    expect(issues(null)).toEqual(['']);
    expect(issues({ task_type: 'agent' })).toEqual(['(body)']);
    expect(issues({ task_type: 'agent', extra: 1 }, 'x')).toEqual(['']);
    expect(issues({ task_type: 'shell', host: 'local', argv: ['a\0b'] })).toEqual(['argv.0']);
    expect(issues({ task_type: 'template', template: 'bad name!' })).toEqual(['template']);
  });

  it('writes a result with output fenced so that backticks in it cannot end the block', () => {
    const task = aTask({ id: 't9', status: 'succeeded', costUsd: 0.5 });
    const stage = {
      ...openStage({ id: 's1', task, runnerId: 'r', startedAt: '2026-01-01T00:00:00.000Z' }),
      ...EMPTY_STAGE_RESULT,
      outcome: 'succeeded' as const,
      exitCode: 0,
      summary: 'done',
    };
    const output = {
      stdout: 'a ``` b\n',
      stderr: '',
      stdoutBytes: 8,
      stderrBytes: 0,
      truncated: false,
    };
    const { front, body } = resultToFile(task, stage, output);
    expect(front).toMatchObject({
      task_id: task.id,
      status: 'succeeded',
      exit_code: 0,
      cost_usd: 0.5,
    });
    expect(body).toBe('## Summary\n\ndone\n\n## Output\n\n````\na ``` b\n````');
  });
});
