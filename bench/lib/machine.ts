// What the numbers were measured on: CPU model, core count, Node/V8 versions, load at start.
import * as os from 'node:os';

export interface MachineInfo {
  cpu: string;
  cores: number;
  node: string;
  v8: string;
  platform: string;
  arch: string;
  /** 1-minute load average when the run started: > 0 means other work shared the CPU. */
  loadAvg1: number;
  date: string;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpu: cpus.length > 0 ? cpus[0].model.trim() : 'unknown',
    cores: cpus.length,
    node: process.version,
    v8: process.versions.v8,
    platform: os.platform(),
    arch: os.arch(),
    loadAvg1: Math.round(os.loadavg()[0] * 100) / 100,
    date: new Date().toISOString(),
  };
}

export function formatMachine(m: MachineInfo): string {
  return `${m.cpu} (${m.cores} cores), Node ${m.node} (V8 ${m.v8}), ${m.platform}/${m.arch}, load avg ${m.loadAvg1} at start`;
}
