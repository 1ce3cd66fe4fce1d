// The extension host and the trainer agree on one variable: when the host runs several trainers at
// once (transferLab.maxConcurrentRuns > 1) it gives each the number of CPUs it may use, so that
// their threads together do not oversubscribe the machine.
export const CPUS_ENV = 'TRANSFER_LAB_CPUS';
