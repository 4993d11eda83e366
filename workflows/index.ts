// Every workflow the worker registers. Workflow files run in Temporal's sandbox: no Node built-ins, no I/O.
export { workerSelfTest } from './self-test';
