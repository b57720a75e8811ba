/** The inference worker with out-of-memory failures on demand (inference-oom.ts), imported first. */
import './inference-oom.ts';
import '../../workers/inference/inference.worker.ts';
