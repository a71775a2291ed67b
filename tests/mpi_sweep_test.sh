#!/usr/bin/env bash
# MPI test of `nanocim sweep`: when the CLI was built with MPI (CMake NCM_MPI), a fault sweep
# (2 models x 3 bit error rates) and a device sweep (3 compliance currents, a number of tasks
# that splits in the middle of a point) run once in a plain process and once under
# `mpirun -np 2`, and their CSV and JSON files must be the same bytes; only rank 0 prints (one
# table, the process count); a bad option, or an output that only rank 0 finds unwritable, is
# reported once and stops every process, as does a failure of rank 1 alone (with its own
# message); a Slurm step of several tasks without PMI is refused,
# and one of a single task runs without MPI.
#
# usage: bash tests/mpi_sweep_test.sh NANOCIM TMPDIR [MPIEXEC]
set -u
NANOCIM=${1:?usage: mpi_sweep_test.sh NANOCIM TMPDIR [MPIEXEC]}
TMP=${2:?usage: mpi_sweep_test.sh NANOCIM TMPDIR [MPIEXEC]}
MPIEXEC=${3:-}
. "$(dirname "$0")/cli_lib.sh"

mpi_line=$("$NANOCIM" version 2>/dev/null | grep '^mpi: ')
if [ -z "$mpi_line" ] || [ "${mpi_line#mpi: none}" != "$mpi_line" ]; then
    echo "SKIP: nanocim was built without MPI (cmake -DNCM_MPI=ON, with libopenmpi-dev openmpi-bin)"
    exit 77
fi
[ -n "$MPIEXEC" ] || MPIEXEC=$(command -v mpirun || true)
if [ -z "$MPIEXEC" ] || ! command -v "$MPIEXEC" >/dev/null; then
    echo "SKIP: no MPI launcher (mpirun) found (apt-get install openmpi-bin)"
    exit 77
fi
need_fashion_mnist
rm -rf "$TMP" && mkdir -p "$TMP" || exit 1
export OMP_NUM_THREADS=1

MPIOPTS=()
if "$MPIEXEC" --version 2>&1 | grep -qE "Open ?MPI|OpenRTE|open-mpi"; then
    # Open MPI refuses to start as root unless both variables are set (CI and containers run
    # as root).
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    # Settings for a container or a small CI machine:
    #   --oversubscribe      2 ranks even where Open MPI counts fewer slots (cores) than that;
    #   --bind-to none       no pinning: cgroup CPU limits can hide cores from hwloc;
    #   --mca btl self,vader only the loopback and shared-memory transports: no probing of the
    #                        container's network interfaces (TCP, InfiniBand/UCX warnings);
    #   btl_vader_single_copy_mechanism none  the shared-memory transport's single copy (CMA,
    #                        process_vm_readv) needs ptrace rights between the ranks, which
    #                        containers usually deny: copy through the shared segment instead;
    #   --mca pml ob1        the transport layer that uses those BTLs (not UCX).
    MPIOPTS+=(--oversubscribe --bind-to none --mca btl self,vader
              --mca btl_vader_single_copy_mechanism none --mca pml ob1)
fi
# Under AddressSanitizer, Open MPI's own leaks at MPI_Finalize are suppressed by library
# (tests/lsan.supp); their stacks pass through unloaded plug-ins, so the MPI processes unwind
# with the slow, complete unwinder to reach those libraries.
if [ -n "${ASAN_OPTIONS:-}" ] || ldd "$NANOCIM" 2>/dev/null | grep -q libasan; then
    MPIOPTS+=(-x "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0")
fi
MPIRUN=("$MPIEXEC" "${MPIOPTS[@]}" -np 2)
echo "launcher: ${MPIRUN[*]}"
echo "$mpi_line"

train_tiny "$TMP/std.ncm"
"$NANOCIM" train --data fashion-mnist --arch mlp:64 --epochs 1 --train-limit 2000 \
    --test-limit 500 --flip 0.05 -q -o "$TMP/flip.ncm" >/dev/null
check "two tiny models are trained" '[ -s "$TMP/std.ncm" ] && [ -s "$TMP/flip.ncm" ]'

FAULT=(sweep ber "$TMP/std.ncm" "$TMP/flip.ncm" --data fashion-mnist --limit 500 --chips 3
       --seed 7 --ber 1e-3,1e-2,4e-2 --threads 1)
DEVICE=(sweep icc "$TMP/std.ncm" --data fashion-mnist --limit 500 --chips 3 --seed 7
        --icc 20,50,100 --threads 1)

for kind in fault device; do
    if [ $kind = fault ]; then args=("${FAULT[@]}"); else args=("${DEVICE[@]}"); fi
    "$NANOCIM" "${args[@]}" -o "$TMP/$kind-1.csv" --json "$TMP/$kind-1.json" \
        >"$TMP/$kind-1.out" 2>"$TMP/$kind-1.err"
    rc=$?
    check "$kind sweep in one process succeeds" '[ $rc -eq 0 ]'
    "${MPIRUN[@]}" "$NANOCIM" "${args[@]}" -o "$TMP/$kind-2.csv" --json "$TMP/$kind-2.json" \
        >"$TMP/$kind-2.out" 2>"$TMP/$kind-2.err"
    rc=$?
    check "$kind sweep under mpirun -np 2 succeeds" '[ $rc -eq 0 ]'
    [ $rc -eq 0 ] || tail -20 "$TMP/$kind-2.err"
    check "$kind sweep: the same CSV bytes" 'cmp -s "$TMP/$kind-1.csv" "$TMP/$kind-2.csv"'
    check "$kind sweep: the same JSON bytes" 'cmp -s "$TMP/$kind-1.json" "$TMP/$kind-2.json"'
    check "$kind sweep: rank 0 reports 2 processes and the wall time" \
        'grep -qE "^2 processes x 1 thread, [0-9.]+ s wall time$" "$TMP/$kind-2.out"'
    check "$kind sweep: one table (only rank 0 prints)" \
        '[ "$(grep -c "std.ncm " "$TMP/$kind-2.out")" -eq "$(grep -c "std.ncm " "$TMP/$kind-1.out")" ]'
    check "$kind sweep: the same table as one process" \
        'diff <(grep -v "wall time" "$TMP/$kind-1.out") <(grep -v "wall time" "$TMP/$kind-2.out") >/dev/null'
done

"${MPIRUN[@]}" "$NANOCIM" sweep ber "$TMP/std.ncm" --data fashion-mnist --ber 1e-3 --bogus \
    >"$TMP/bad.out" 2>&1
rc=$?
check "a bad option under mpirun fails" '[ $rc -ne 0 ]'
check "a bad option under mpirun is reported once" \
    '[ "$(grep -c "^nanocim: sweep: unknown option --bogus" "$TMP/bad.out")" -eq 1 ]'

# An output only rank 0 checks (it alone writes): every rank stops at once, one message.
timeout 300 "${MPIRUN[@]}" "$NANOCIM" "${FAULT[@]}" -o "$TMP/nope/x.csv" >"$TMP/bad.out" 2>&1
rc=$?
check "an unwritable output under mpirun fails (no process left waiting)" '[ $rc -ne 0 ] && [ $rc -ne 124 ]'
check "an unwritable output under mpirun is reported once" \
    '[ "$(grep -c "^nanocim: -o $TMP/nope/x.csv: cannot write in folder" "$TMP/bad.out")" -eq 1 ]'

# A set-up failure of rank 1 alone (its model is missing; two programs, one per rank): rank 0
# reports it with rank 1's own message, once.
A=(--data fashion-mnist --limit 100 --chips 2 --ber 1e-3 -q)
timeout 300 "$MPIEXEC" "${MPIOPTS[@]}" -np 1 "$NANOCIM" sweep ber "$TMP/std.ncm" "${A[@]}" : \
    -np 1 "$NANOCIM" sweep ber "$TMP/missing.ncm" "${A[@]}" >"$TMP/bad.out" 2>&1
rc=$?
check "a failure of rank 1 alone stops every process" '[ $rc -ne 0 ] && [ $rc -ne 124 ]'
check "a failure of rank 1 alone is reported once, with its message" \
    '[ "$(grep -c "^nanocim: sweep: process 1 of 2 failed during set-up: .*missing.ncm: cannot open" "$TMP/bad.out")" -eq 1 ] &&
     [ "$(grep -c "missing.ncm" "$TMP/bad.out")" -eq 1 ]'

# Slurm: srun with several tasks but no PMI plug-in would run the whole sweep in every task.
SLURM_PROCID=0 SLURM_STEP_NUM_TASKS=2 "$NANOCIM" "${FAULT[@]}" -q -o "$TMP/slurm.csv" \
    >/dev/null 2>"$TMP/slurm.err"
rc=$?
check "srun with 2 tasks and no PMI is refused" \
    '[ $rc -ne 0 ] && grep -q "srun --mpi=pmix" "$TMP/slurm.err" && [ ! -e "$TMP/slurm.csv" ]'
SLURM_PROCID=0 SLURM_STEP_NUM_TASKS=1 "$NANOCIM" "${FAULT[@]}" -q -o "$TMP/slurm.csv" \
    >/dev/null 2>"$TMP/slurm.err"
check "a single Slurm task runs without MPI" 'cmp -s "$TMP/slurm.csv" "$TMP/fault-1.csv"'
summary
