/**
 * The user-notification supervisor, in Node children: a worker thread (which
 * the filter does not cover) answers the calls of the filtered thread, and
 * the other way round with the asynchronous `supervise` loop.
 */
import { readdirSync, statSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DIST, lastJson, requireBuild, runChild, temporaryDirectory } from './helpers.js';

beforeAll(requireBuild);

describe('NotificationListener', () => {
  it('receives a notified mkdir with its number and arguments, refuses one and lets the next run', () => {
    const directory = temporaryDirectory();
    const result = runChild(`
      import { Worker } from 'node:worker_threads';
      import { once } from 'node:events';
      import { mkdirSync } from 'node:fs';
      const worker = new Worker(\`
        import { parentPort } from 'node:worker_threads';
        import { NotificationListener } from '${DIST}/install/index.js';
        parentPort.once('message', (fd) => {
          const listener = new NotificationListener(fd);
          const seen = [];
          for (const answer of [{ kind: 'errno', errno: 13 }, { kind: 'continue' }]) {
            const call = listener.receive();
            const validBefore = listener.isValid(call.id);
            const delivered = listener.respond(call.id, answer);
            seen.push({ nr: call.data.nr, arch: call.data.arch, args: call.data.args.slice(0, 3).map(Number), pid: call.pid,
              validBefore, delivered, validAfter: listener.isValid(call.id) });
          }
          parentPort.postMessage(seen);
        });
        parentPort.postMessage('ready');\`, { eval: true });
      await once(worker, 'message');
      const notify = action('notify');
      const { listenerFd } = install.installFilter(filterOf({ mkdir: notify, mkdirat: notify }),
        { allThreads: false, flags: ['new_listener'] });
      worker.postMessage(listenerFd);
      const outcomes = [];
      for (const name of ['refused', 'allowed']) {
        try { mkdirSync('${directory}/' + name, 0o751); outcomes.push('created'); }
        catch (error) { outcomes.push(error.code); }
      }
      const [seen] = await once(worker, 'message');
      await worker.terminate();
      print({ outcomes, seen, pid: process.pid, mkdir: nr('mkdir'), mkdirat: nr('mkdirat') });
    `);
    expect(result.status, result.stderr).toBe(0);
    const report = lastJson<{
      outcomes: string[];
      seen: { nr: number; arch: number; args: number[]; pid: number; validBefore: boolean; delivered: boolean; validAfter: boolean }[];
      pid: number;
      mkdir: number;
      mkdirat: number;
    }>(result);
    expect(report.outcomes).toEqual(['EACCES', 'created']);
    expect(report.seen).toHaveLength(2);
    for (const call of report.seen) {
      expect([report.mkdir, report.mkdirat]).toContain(call.nr);
      expect(call).toMatchObject({ arch: 0xc000003e, pid: report.pid, validBefore: true, delivered: true, validAfter: false });
      // mkdir(pathname, mode) has the mode second, mkdirat(dfd, pathname, mode) third.
      expect(call.nr === report.mkdir ? call.args[1] : call.args[2]).toBe(0o751);
    }
    expect(readdirSync(directory)).toEqual(['allowed']);
    expect(statSync(`${directory}/allowed`).isDirectory()).toBe(true);
  });
});

describe('supervise', () => {
  it('answers a filtered worker from the event loop and ends when no thread uses the filter', () => {
    const directory = temporaryDirectory();
    const result = runChild(`
      import { Worker } from 'node:worker_threads';
      import { once } from 'node:events';
      const worker = new Worker(\`
        import { parentPort } from 'node:worker_threads';
        import { mkdirSync, writeFileSync } from 'node:fs';
        import { installFilter } from '${DIST}/install/index.js';
        import { compileModel } from '${DIST}/codegen/index.js';
        import { action, rule, ruleModel } from '${DIST}/ir/model.js';
        const notify = [rule(action('notify'))];
        const model = ruleModel({ defaultAction: action('allow'), badArchAction: action('kill_process'),
          arches: [{ arch: 'x86_64', syscalls: new Map([[83, notify], [258, notify]]) }] });
        const { listenerFd } = installFilter(compileModel(model).bytes, { allThreads: false, flags: ['new_listener'] });
        parentPort.postMessage(listenerFd);
        parentPort.once('message', () => {
          const outcomes = [];
          for (const name of ['one', 'two', 'three']) {
            try { mkdirSync('${directory}/' + name); outcomes.push('created'); } catch (error) { outcomes.push(error.code); }
          }
          writeFileSync('${directory}/file', 'not notified');
          parentPort.postMessage(outcomes);
        });\`, { eval: true });
      const [fd] = await once(worker, 'message');
      const listener = new install.NotificationListener(fd);
      const names = [];
      const answered = install.supervise(listener, (call) => {
        names.push(call.data.nr);
        return names.length === 2 ? { kind: 'errno', errno: 30 } : { kind: 'continue' };
      });
      worker.postMessage('go');
      const [outcomes] = await once(worker, 'message');
      await worker.terminate();
      print({ outcomes, names, answered: await answered });
    `);
    expect(result.status, result.stderr).toBe(0);
    const report = lastJson<{ outcomes: string[]; names: number[]; answered: number }>(result);
    expect(report.outcomes).toEqual(['created', 'EROFS', 'created']);
    expect(report.answered).toBe(3);
    expect(report.names).toHaveLength(3);
    expect(readdirSync(directory).sort()).toEqual(['file', 'one', 'three']);
  });
});
