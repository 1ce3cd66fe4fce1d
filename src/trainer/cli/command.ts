// What a `transfer-lab` command is, apart from the command table (commands.ts), so that the commands
// defined elsewhere (sweep.ts, slurmCli.ts, slurmSweep.ts) need not import the table that imports them.
export interface Command {
  usage: string;
  summary: string;
  run(argv: string[]): Promise<number>;
}
