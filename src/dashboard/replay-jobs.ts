import { randomUUID } from 'node:crypto';
import type { ReplayOutcome, ReplayReport } from '../domain/dead-letters/dead-letter-replay.js';

/** Finished jobs kept for the page to read their outcome; older ones are forgotten. */
const KEPT_FINISHED = 20;

/** A replay the page started, as the page polls it. */
export interface ReplayJob {
  readonly id: string;
  status: 'running' | 'done' | 'failed';
  readonly startedAt: string;
  finishedAt?: string;
  /** Entries the job set out to replay; 0 until known. */
  total: number;
  done: number;
  readonly replayed: string[];
  readonly failed: ReplayReport['failed'][number][];
  /** Set when the job itself failed (Redis unreachable): entries not reported stay as they were. */
  error?: string;
}

/** Reports one entry's outcome, and how many the job covers. */
export type JobProgress = (outcome: ReplayOutcome, total: number) => void;

/**
 * Replays started from the page run in the background, one entry at a time
 * as the CLI does, and the page polls their progress; a replay can outlast an
 * HTTP request by minutes (a handler may run that long).
 */
export class ReplayJobs {
  readonly #jobs = new Map<string, ReplayJob>();

  /** Starts `run` as a job and returns it at once. */
  start(run: (progress: JobProgress) => Promise<unknown>): ReplayJob {
    const job: ReplayJob = { id: randomUUID(), status: 'running', startedAt: new Date().toISOString(), total: 0, done: 0, replayed: [], failed: [] };
    this.#jobs.set(job.id, job);
    const progress: JobProgress = (outcome, total) => {
      job.total = total;
      job.done++;
      if (outcome.status === 'replayed') job.replayed.push(outcome.id);
      else job.failed.push({ id: outcome.id, code: outcome.code, reason: outcome.reason });
    };
    void run(progress).then(
      () => this.#finish(job, 'done'),
      (error: unknown) => {
        job.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        this.#finish(job, 'failed');
      },
    );
    return job;
  }

  get(id: string): ReplayJob | undefined {
    return this.#jobs.get(id);
  }

  #finish(job: ReplayJob, status: 'done' | 'failed'): void {
    job.status = status;
    job.finishedAt = new Date().toISOString();
    const finished = [...this.#jobs.values()].filter((j) => j.status !== 'running');
    for (const old of finished.slice(0, Math.max(0, finished.length - KEPT_FINISHED))) this.#jobs.delete(old.id);
  }
}
