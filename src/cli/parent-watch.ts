import { Worker } from 'node:worker_threads';

/**
 * A sweep trial must not outlive the worker that started it. Trials run detached (their own
 * process group, so a timeout can kill everything a trial started), which also means that a
 * worker killed with SIGKILL, with no chance to kill its children, would leave its trial
 * training on, unseen. The runner passes its pid in MTLKIT_PARENT_PID; this watchdog checks it
 * every `everyMs` and sends this process SIGTERM once that pid is gone.
 *
 * A worker thread, not a timer: training is synchronous for minutes at a time, so a timer on
 * the main thread would not fire until the run ended. SIGTERM's default action ends the process
 * wherever the main thread is (the train command installs no SIGTERM handler).
 */
export function watchParent(env: NodeJS.ProcessEnv = process.env, everyMs = 1000): Worker | null {
  const raw = env.MTLKIT_PARENT_PID;
  if (raw === undefined || raw === '') return null;
  const pid = Number(raw);
  if (!Number.isInteger(pid) || pid <= 1) {
    process.stderr.write(`mtlkit: ignoring MTLKIT_PARENT_PID='${raw}' (expected the pid of the sweep worker that started this trial)\n`);
    return null;
  }
  const w = new Worker(WATCHDOG, { eval: true, workerData: { pid, everyMs } });
  w.unref();
  return w;
}

const WATCHDOG = `
const { workerData } = require('node:worker_threads');
const { pid, everyMs } = workerData;
setInterval(() => {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if (e && e.code === 'ESRCH') {
      process.stderr.write('mtlkit: the sweep worker (pid ' + pid + ') that started this trial is gone; stopping the trial\\n');
      process.kill(process.pid, 'SIGTERM');
    }
  }
}, everyMs);
`;
