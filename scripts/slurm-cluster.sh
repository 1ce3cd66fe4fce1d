#!/usr/bin/env bash
# A real one-node Slurm cluster (munged + slurmctld + slurmd from Debian's slurm-wlm and munge
# packages) with every file under STATE_DIR, bound to 127.0.0.1. Meant to run as the only process of
# its own UTS+PID namespace, which the test harness (test/harness/slurmCluster.ts) sets up:
#
#   unshare --pid --uts --fork --mount-proc --kill-child bash scripts/slurm-cluster.sh DIR CTLD_PORT SLURMD_PORT
#
# slurmctld binds to whatever the machine's hostname resolves to, so the namespace gets hostname
# `localhost`. SIGKILL of the `unshare` process ends every process inside: daemons and jobs alike.
# Clients outside need only SLURM_CONF=DIR/slurm.conf (the munge socket is named in it).
# Writes DIR/ready once the node takes jobs; the daemons' logs are DIR/log/*.log.
set -euo pipefail

dir=${1:?usage: slurm-cluster.sh STATE_DIR CTLD_PORT SLURMD_PORT}
ctld_port=${2:?slurmctld port}
slurmd_port=${3:?slurmd port}
cpus=${SLURM_TEST_CPUS:-4}
mem=${SLURM_TEST_MEMORY_MB:-8000}
gpus=${SLURM_TEST_GPUS:-2}

for exe in munged mungekey slurmctld slurmd sinfo; do
  if ! command -v "$exe" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$exe" ]; then
    echo "slurm-cluster: $exe is not installed: apt-get install --no-install-recommends -y slurm-wlm munge" >&2
    exit 3
  fi
done
export PATH="/usr/sbin:/sbin:$PATH"

# Inside the UTS namespace only: the host's own name is untouched.
hostname localhost

rm -rf "$dir/state" "$dir/spool" "$dir/munge" "$dir/log" "$dir/dev" "$dir/ready"
mkdir -p "$dir/state" "$dir/spool" "$dir/munge" "$dir/log"
chmod 700 "$dir/munge"

mungekey -c -k "$dir/munge/munge.key"
munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket.2" \
  --pid-file="$dir/munge/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munged.seed"

# Fake GPUs (no device files): jobs can ask for --gres=gpu:N and the scheduler counts them.
gres_line=""
if [ "$gpus" -gt 0 ]; then
  gres_line="Gres=gpu:$gpus"
  mkdir -p "$dir/dev"
  for i in $(seq 0 $((gpus - 1))); do : > "$dir/dev/gpu$i"; done
  echo "NodeName=localhost Name=gpu File=$dir/dev/gpu[0-$((gpus - 1))]" > "$dir/gres.conf"
else
  : > "$dir/gres.conf"
fi

cat > "$dir/slurm.conf" <<EOF
ClusterName=transferlab
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
CommunicationParameters=NoCtldInAddrAny,NoInAddrAny
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket.2
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/pgid
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/linux
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/jobcomp.txt
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
DefMemPerCPU=1000
GresTypes=gpu
SlurmdParameters=config_overrides
SchedulerParameters=batch_sched_delay=0
ReturnToService=2
KillWait=5
MinJobAge=300
MailProg=/bin/true
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem $gres_line State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF

export SLURM_CONF="$dir/slurm.conf"
slurmctld -D -c -f "$SLURM_CONF" >"$dir/log/slurmctld.out" 2>&1 &
ctld=$!
slurmd -D -N localhost -f "$SLURM_CONF" >"$dir/log/slurmd.out" 2>&1 &
sd=$!

# Ready when the node is idle (registered, takes jobs).
for _ in $(seq 1 200); do
  if ! kill -0 "$ctld" 2>/dev/null || ! kill -0 "$sd" 2>/dev/null; then
    echo "slurm-cluster: a daemon exited during start; see $dir/log/" >&2
    tail -n 20 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" "$dir/log/slurmctld.out" "$dir/log/slurmd.out" >&2 2>/dev/null || true
    exit 4
  fi
  state=$(sinfo -h -N -o '%T' 2>/dev/null || true)
  if [ "$state" = "idle" ]; then
    echo ready > "$dir/ready"
    break
  fi
  sleep 0.05
done
if [ ! -f "$dir/ready" ]; then
  echo "slurm-cluster: the node did not become idle in 10 s (state '${state:-}'); see $dir/log/" >&2
  exit 5
fi
wait "$ctld" "$sd"
