#!/usr/bin/env bash
# `make bench`: the engine against references measured in the same run.
#
#   1. compiled formula evaluations per second on one core, on a generated
#      1,000-formula arithmetic model (scripts/bench/main.go);
#   2. the same model as a whole `simgraph simulate` process against the
#      same job hand-vectorised in numpy (scripts/bench/arith_numpy.py),
#      whole process against whole process;
#   3. excelize's CalcCellValue recalculating the same workbook in a loop,
#      and simgraph's speed-up over it;
#   4. 1,000,000 iterations of project-dcf.xlsx with the workbooks README's
#      five inputs (outputs NPV and IRR): time and peak memory (against a
#      tenth of the iterations, to show it does not grow), against the same
#      model in numpy (scripts/bench/dcf_numpy.py).
#
# Nothing here asserts a time: the numbers are printed with their ratios.
# Environment: ARITH_ITERATIONS (default 500000), DCF_ITERATIONS (1000000),
# EVAL_SECONDS (3), EXCELIZE_SECONDS (10).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

arith_n=${ARITH_ITERATIONS:-500000}
dcf_n=${DCF_ITERATIONS:-1000000}
eval_seconds=${EVAL_SECONDS:-3}
excelize_seconds=${EXCELIZE_SECONDS:-10}
py=/usr/bin/python3 # Debian's, with python3-numpy; not a pyenv shim on PATH
dcf=$root/../shared/workbooks/project-dcf.xlsx

if ! "$py" -c 'import numpy' 2>/dev/null; then
  echo "installing python3-numpy (Debian) for the numpy references..." >&2
  apt-get install -y python3-numpy >/dev/null || { apt-get update >/dev/null && apt-get install -y python3-numpy >/dev/null; }
fi
[ -f "$dcf" ] || { echo "bench: $dcf not found (../shared/workbooks beside the repository)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is needed for peak memory (apt-get install time)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/simgraph" .
go build -o "$tmp/bench" ./scripts/bench
"$tmp/bench" gen -o "$tmp/model.xlsx" -n 1000

# field KEY FILE: the value of KEY=value in FILE
field() { grep -o "$2=[^ ]*" "$1" | head -1 | cut -d= -f2; }
# timed NAME CMD...: runs CMD, stdout to $tmp/NAME.out; wall seconds, peak
# RSS (KB), user and system CPU seconds to $tmp/NAME.time
timed() {
  local name=$1; shift
  /usr/bin/time -f "%e %M %U %S" -o "$tmp/$name.time" "$@" >"$tmp/$name.out"
}
wall() { cut -d' ' -f1 "$tmp/$1.time"; }
cpu() { awk '{printf "%.2f", $3+$4}' "$tmp/$1.time"; }
rss_mb() { awk '{printf "%.0f", $2/1024}' "$tmp/$1.time"; }
calc() { awk "BEGIN {printf \"$1\", $2}"; }

echo "simgraph bench: $(nproc) CPUs, $(go version | cut -d' ' -f3), numpy $("$py" -c 'import numpy; print(numpy.__version__)'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo

# 1. Evaluations per second per core.
"$tmp/bench" evals -workbook "$tmp/model.xlsx" -seconds "$eval_seconds" >"$tmp/evals.out"
evals=$(field "$tmp/evals.out" evals_per_second)
evals_cpu=$(field "$tmp/evals.out" evals_per_cpu_second)
formulas=$(field "$tmp/evals.out" formulas)
echo "1. formula evaluations per second per core (${formulas}-formula arithmetic model, one goroutine, 1,024-lane batches)"
echo "   simgraph      $(calc '%.3g' "$evals_cpu") evaluations per CPU second ($(calc '%.3g' "$evals") per wall second)   (target >= 1e9)"
echo

# 2. Whole process against whole process, the same job in numpy.
arith_inputs=(--input 'S!A1=uniform(0.9,1.1)' --input 'S!A2=uniform(1.8,2.2)' --input 'S!A3=uniform(2.7,3.3)' --input 'S!A4=uniform(3.6,4.4)')
timed arith_sim "$tmp/simgraph" simulate "$tmp/model.xlsx" "${arith_inputs[@]}" --output 'S!B1000' --iterations "$arith_n" --seed 1 --json
timed arith_sim1 "$tmp/simgraph" simulate "$tmp/model.xlsx" "${arith_inputs[@]}" --output 'S!B1000' --iterations "$arith_n" --seed 1 --workers 1 --json
timed arith_np "$py" scripts/bench/arith_numpy.py 1000 "$arith_n" 1
base_go=$(field "$tmp/evals.out" base_B1000)
base_np=$(field "$tmp/arith_np.out" base_B1000)
[ "$base_go" = "$base_np" ] || echo "   WARNING: the numpy model computes S!B1000 = $base_np at the base inputs, simgraph $base_go"
t_sim=$(wall arith_sim); t_sim1=$(wall arith_sim1); t_np=$(wall arith_np)
c_sim=$(cpu arith_sim); c_sim1=$(cpu arith_sim1); c_np=$(cpu arith_np)
echo "2. ${arith_n} iterations of the same model, whole process (read, draw, evaluate, summarise, sensitivity)"
echo "                                  wall     CPU (user+sys)"
echo "   simgraph simulate, $(nproc) workers   ${t_sim} s   ${c_sim} s"
echo "   simgraph simulate, 1 worker    ${t_sim1} s   ${c_sim1} s"
echo "   numpy, hand-vectorised         ${t_np} s   ${c_np} s   (S!B1000 at the base inputs: numpy $base_np, simgraph $base_go)"
echo "   ratio simgraph/numpy, wall     $(calc '%.2f' "$t_sim/$t_np") ($(nproc) workers), $(calc '%.2f' "$t_sim1/$t_np") (1 worker)   (target <= 0.5)"
echo "   ratio simgraph/numpy, CPU      $(calc '%.2f' "$c_sim/$c_np") ($(nproc) workers), $(calc '%.2f' "$c_sim1/$c_np") (1 worker)"
echo

# 3. excelize's recalculation loop.
"$tmp/bench" excelize -workbook "$tmp/model.xlsx" -seconds "$excelize_seconds" >"$tmp/excelize.out"
ex=$(field "$tmp/excelize.out" evals_per_second)
ex_cpu=$(field "$tmp/excelize.out" evals_per_cpu_second)
echo "3. excelize CalcCellValue loop (set 4 inputs, recalculate the 1,000 formulas, repeat)"
echo "   excelize      $(calc '%.3g' "$ex_cpu") evaluations per CPU second ($(calc '%.3g' "$ex") per wall second; $(field "$tmp/excelize.out" iterations) iterations in $(field "$tmp/excelize.out" seconds) s)"
echo "   speed-up      $(calc '%.0f' "$evals_cpu/$ex_cpu")x per CPU second, $(calc '%.0f' "$evals/$ex")x per wall second   (target >= 2500x)"
echo

# 4. The reference Monte Carlo model, a million iterations.
dcf_args=(--input 'Inputs!B2=triangular(100,120,150)' --input 'Inputs!B3=normal(10000,1500)'
  --input 'Inputs!B4=uniform(0.03,0.12)' --input 'Inputs!B5=triangular(60,70,90)'
  --input 'Inputs!B7=uniform(0.08,0.12)' --output 'Summary!B2' --output 'Summary!B3' --seed 1 --json)
small=$((dcf_n / 10))
timed dcf_small "$tmp/simgraph" simulate "$dcf" "${dcf_args[@]}" --iterations "$small"
timed dcf_sim "$tmp/simgraph" simulate "$dcf" "${dcf_args[@]}" --iterations "$dcf_n"
timed dcf_np "$py" scripts/bench/dcf_numpy.py "$dcf_n" 1
summary() { # mean of output $2 in simulate JSON $1
  "$py" -c 'import json,sys; d=json.load(open(sys.argv[1])); o=d["outputs"][int(sys.argv[2])]; print("%.6g %s" % (o["mean"], sum(o["errors"].values())))' "$1" "$2"
}
read -r npv_mean _ < <(summary "$tmp/dcf_sim.out" 0)
read -r irr_mean irr_err < <(summary "$tmp/dcf_sim.out" 1)
t_dcf=$(wall dcf_sim); t_dcf_np=$(wall dcf_np)
echo "4. project-dcf.xlsx, ${dcf_n} iterations, 5 inputs, outputs NPV and IRR (simgraph simulate, $(nproc) workers)"
echo "   simgraph      ${t_dcf} s wall, $(cpu dcf_sim) s CPU, whole process ($(calc '%.2f' "$(grep -o '"elapsedSeconds": [0-9.]*' "$tmp/dcf_sim.out" | cut -d' ' -f2)") s in the engine), peak RSS $(rss_mb dcf_sim) MB"
echo "                 (${small} iterations: $(wall dcf_small) s wall, $(cpu dcf_small) s CPU, peak RSS $(rss_mb dcf_small) MB)"
echo "                 memory: samples not kept, peak RSS $(rss_mb dcf_sim) MB at ${dcf_n} iterations against $(rss_mb dcf_small) MB at ${small} (x$(calc '%.2f' "$(rss_mb dcf_sim)/$(rss_mb dcf_small)") for 10x the iterations; the outputs' values go to an unlinked temporary file between passes)"
echo "                 NPV mean ${npv_mean}, IRR mean ${irr_mean} (${irr_err} iterations without an IRR)"
echo "   numpy         ${t_dcf_np} s wall, $(cpu dcf_np) s CPU, whole process, peak RSS $(rss_mb dcf_np) MB"
echo "                 NPV mean $(field "$tmp/dcf_np.out" npv_mean), IRR mean $(field "$tmp/dcf_np.out" irr_mean) ($(field "$tmp/dcf_np.out" irr_errors) iterations where Newton from 10% did not converge)"
echo "   ratio simgraph/numpy  $(calc '%.2f' "$t_dcf/$t_dcf_np") wall, $(calc '%.2f' "$(cpu dcf_sim)/$(cpu dcf_np)") CPU"
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (other processes on the machine distort wall times; CPU times less so)"
