/**
 * The inference worker in a context without WebGPU: navigator.gpu is removed before the worker's modules
 * evaluate (imports run in order), so device 'auto' must fall back to WASM and say why. Static imports, not a
 * top-level await: messages that arrive while a module worker is still evaluating would be lost.
 */
import './inference-hide-webgpu.ts';
import '../../workers/inference/inference.worker.ts';
