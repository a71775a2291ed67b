#!/usr/bin/env bash
# Hostile input across every command (the issue "Hardening"). Each case runs nanocim once on a
# hostile command line or file and must (1) exit with status 1 or 2 (not 0, not a crash >= 128,
# not a timeout), (2) print exactly one line on stderr, "nanocim: ...", that contains a needle
# naming the file, field or option at fault, (3) leave nothing in its own fresh output folder
# (the working directory of the run and the folder of every output path it is given) and no
# `*.tmp.*` file anywhere, and (4) leave the input files unchanged (sha256 of the whole input
# folder before and after).
#
# 289 cases in four classes (with python3; the count of each is printed at the end): resources
# 23, values 115, corrupt 109, usage 42.
#   resources  absurd work refused up front with the figure and the limit (sweeps of billions of
#              points, traces of tens of GB, too many chips or reads), files that announce more
#              than they hold (IDX headers, binary model lengths, npz shapes), device files that
#              never end (/dev/zero) or are not JSON, refused before being read whole
#   values     every numeric option checked for range and finiteness where it is parsed (NaN,
#              inf, 1e999, negative sizes, zero, fractions for integer options, overflow), with
#              the option named; options that cannot be honoured (--arch, --epochs, --seed with
#              --resume; --plot-format without --plot; --error-bars without a figure; --stride
#              without a trace file); options of two modes together
#   corrupt    damaged files of every format read: IDX (plain and gzip: cut, trailer missing or
#              cut, bad CRC or length, bytes after the stream), CIFAR-10 batches, .ncm models,
#              .ckpt checkpoints, RRAM and oscillator device files and technology files
#              (duplicate keys, data after the JSON object, 1e999, negative, missing, unknown,
#              wrong format; a device that makes the simulation diverge), chip/sweep/vowel result
#              JSON read back where another file is expected, the measurement CSV of rram fit,
#              Hillenbrand vowel data, .npz models
#   usage      unknown commands and options, missing values and arguments, options given twice
#              (the last one counts, as the manual says, and every value given is checked), wrong
#              shapes (a model for another dataset, an npz with arrays of the wrong shape)
# Checked separately after the cases: thread counts above the machine's are capped with a
# one-line note and the run goes on; extreme but valid device values (a spread of 1e300, f0 of
# 1e300 MHz) end, with finite numbers, instead of hanging.
#
# The tiny model is trained once on Debian's dataset-fashion-mnist (on 20 generated images when it
# is not installed, with a note); the crafted npz cases need python3 (its zipfile module rewrites
# an exported archive) and are skipped with a note without it. Real vowel data is never copied:
# small files in Hillenbrand's format are generated here.
#
# usage: bash tests/cli_hostile_test.sh NANOCIM TMPDIR
set -u

NANOCIM=${1:?usage: cli_hostile_test.sh NANOCIM TMPDIR}
TMP=${2:?usage: cli_hostile_test.sh NANOCIM TMPDIR}
SRC=$(cd "$(dirname "$0")/.." && pwd)
FMNIST=${NCM_FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}
TIMEOUT=${NCM_HOSTILE_TIMEOUT:-120}

if [ ! -x "$NANOCIM" ]; then
    echo "nanocim binary not found: $NANOCIM"
    exit 1
fi
NANOCIM=$(cd "$(dirname "$NANOCIM")" && pwd)/$(basename "$NANOCIM")
rm -rf "$TMP"
mkdir -p "$TMP" || exit 1
TMP=$(cd "$TMP" && pwd)
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}

IN="$TMP/in"       # every input file of the cases (hashed before and after each case)
OUTS="$TMP/cases"  # one fresh folder per case
mkdir -p "$IN" "$OUTS"

passed=0 failed=0 ncase=0
declare -A CLASS_N=()

ok() { passed=$((passed + 1)); echo "ok    $1"; }
bad() { failed=$((failed + 1)); echo "FAIL  $1: $2"; }

in_hash() { (cd "$IN" && find . -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum; }

# hc CLASS NAME NEEDLE -- ARGS...: one hostile case. @O@ in ARGS is the case's fresh output
# folder (also the working directory of the run). NEEDLE is a fixed string; "A||B" accepts
# either.
hc() {
    local class=$1 name=$2 needle=$3
    shift 3
    [ "$1" = "--" ] && shift
    ncase=$((ncase + 1))
    CLASS_N[$class]=$((${CLASS_N[$class]:-0} + 1))
    local o="$OUTS/$ncase"
    mkdir -p "$o"
    local args=("${@//@O@/$o}")
    local errf="$TMP/stderr" rc
    (cd "$o" && exec timeout -k 5 "$TIMEOUT" "$NANOCIM" "${args[@]}") >"$TMP/stdout" 2>"$errf" \
        </dev/null
    rc=$?
    local label="[$class] $name"
    local lines first
    lines=$(wc -l <"$errf")
    first=$(head -n 1 "$errf")
    local why=""
    if [ "$rc" -ne 1 ] && [ "$rc" -ne 2 ]; then
        why="exit code $rc (expected 1 or 2)"
    elif [ "$lines" -ne 1 ] || [ -n "$(tail -c 1 "$errf")" ]; then
        why="stderr has $lines lines (expected exactly one)"
    else
        case $first in
        "nanocim: "*) ;;
        *) why="stderr does not start with 'nanocim: '" ;;
        esac
    fi
    if [ -z "$why" ]; then
        local alt found=
        while IFS= read -r alt; do
            if grep -qF -- "$alt" "$errf"; then found=1; fi
        done <<<"${needle//||/$'\n'}"
        [ -n "$found" ] || why="stderr does not name '${needle//||/' or '}'"
    fi
    if [ -z "$why" ]; then
        local left
        left=$(ls -A "$o")
        [ -z "$left" ] || why="left behind in its output folder: $left"
    fi
    if [ -z "$why" ]; then
        local tmps
        tmps=$(find "$TMP" -name '*.tmp.*' 2>/dev/null | head -n 3)
        [ -z "$tmps" ] || why="temporary file left: $tmps"
    fi
    if [ -z "$why" ]; then
        local h
        h=$(in_hash)
        if [ "$h" != "$IN_HASH" ]; then
            why="an input file changed"
            IN_HASH=$h
        fi
    fi
    if [ -z "$why" ]; then
        ok "$label (exit $rc: $first)"
    else
        bad "$label" "$why"$'\n'"      command: nanocim ${args[*]}"$'\n'"      stderr: $(
            head -c 600 "$errf")"
        find "$TMP" -name '*.tmp.*' -exec rm -f {} + 2>/dev/null
    fi
    rm -rf "$o"
}

# ---- file makers --------------------------------------------------------------------------------

. "$(dirname "$0")/files_lib.sh"
# cut_tail FILE N OUT: FILE without its last N bytes.
cut_tail() { head -c $(($(stat -c %s "$1") - $2)) "$1" >"$3"; }
# idx_set NAME: a test split folder $IN/NAME holding copies of the good 28x28 one.
idx_set() {
    mkdir -p "$IN/$1"
    cp "$G28/t10k-images-idx3-ubyte" "$G28/t10k-labels-idx1-ubyte" "$IN/$1/"
}
# sed_to SRC OUT SED-SCRIPT: a copy of SRC edited by sed, which must change it.
sed_to() {
    sed -e "$3" "$1" >"$2"
    if cmp -s "$1" "$2"; then
        echo "test setup: sed '$3' did not change $1"
        exit 1
    fi
}

# ---- inputs -------------------------------------------------------------------------------------

echo "== building the inputs in $IN"
G8="$IN/good8"  # 20 images of 8x8 in both splits
mkdir -p "$G8"
write_idx_images "$G8/train-images-idx3-ubyte" 20 8 8 $((20 * 64))
write_idx_labels "$G8/train-labels-idx1-ubyte" 20
write_idx_images "$G8/t10k-images-idx3-ubyte" 20 8 8 $((20 * 64))
write_idx_labels "$G8/t10k-labels-idx1-ubyte" 20
G28="$IN/good28"  # 20 test images of 28x28
RC="--rows 16 --cols 16" # arrays the tiny model (16 neurons wide) fills
mkdir -p "$G28"
write_idx_images "$G28/t10k-images-idx3-ubyte" 20 28 28 $((20 * 784))
write_idx_labels "$G28/t10k-labels-idx1-ubyte" 20

# IDX test splits, each damaged in one way.
idx_set idx-announce-more
write_idx_images "$IN/idx-announce-more/t10k-images-idx3-ubyte" 100000 28 28 $((20 * 784))
idx_set idx-trailing
head -c 7 /dev/zero >>"$IN/idx-trailing/t10k-images-idx3-ubyte"
idx_set idx-magic
write_idx_images "$IN/idx-magic/t10k-images-idx3-ubyte" 20 28 28 $((20 * 784)) 'GIF8'
idx_set idx-type
write_idx_images "$IN/idx-type/t10k-images-idx3-ubyte" 20 28 28 $((20 * 784)) '\x00\x00\x0d\x03'
idx_set idx-dims5
write_idx_images "$IN/idx-dims5/t10k-images-idx3-ubyte" 20 28 28 $((20 * 784)) '\x00\x00\x08\x05'
idx_set idx-dim0
write_idx_images "$IN/idx-dim0/t10k-images-idx3-ubyte" 20 0 28 $((20 * 784))
idx_set idx-labels-count
write_idx_labels "$IN/idx-labels-count/t10k-labels-idx1-ubyte" 19
idx_set idx-label-200
write_idx_labels "$IN/idx-label-200/t10k-labels-idx1-ubyte" 20 200
idx_set idx-labels-3d
write_idx_images "$IN/idx-labels-3d/t10k-labels-idx1-ubyte" 20 1 1 20
idx_set idx-empty
: >"$IN/idx-empty/t10k-images-idx3-ubyte"
idx_set idx-huge-dims
write_idx_images "$IN/idx-huge-dims/t10k-images-idx3-ubyte" 65536 65536 28 $((20 * 784))
# gzip: cut inside the stream, the trailer cut or missing, the CRC or length corrupted, garbage
# after the stream, and a header announcing more images than the compressed file can hold.
for v in gz-cut gz-notrailer gz-halftrailer gz-crc gz-isize gz-garbage gz-announce; do
    mkdir -p "$IN/$v"
    cp "$G28/t10k-labels-idx1-ubyte" "$IN/$v/"
done
gzip -c "$G28/t10k-images-idx3-ubyte" >"$TMP/img.gz"
gzs=$(stat -c %s "$TMP/img.gz")
head -c $((gzs / 2)) "$TMP/img.gz" >"$IN/gz-cut/t10k-images-idx3-ubyte.gz"
cut_tail "$TMP/img.gz" 8 "$IN/gz-notrailer/t10k-images-idx3-ubyte.gz"
cut_tail "$TMP/img.gz" 3 "$IN/gz-halftrailer/t10k-images-idx3-ubyte.gz"
cp "$TMP/img.gz" "$IN/gz-crc/t10k-images-idx3-ubyte.gz"
flip_byte "$IN/gz-crc/t10k-images-idx3-ubyte.gz" $((gzs - 8))
cp "$TMP/img.gz" "$IN/gz-isize/t10k-images-idx3-ubyte.gz"
flip_byte "$IN/gz-isize/t10k-images-idx3-ubyte.gz" $((gzs - 2))
{ cat "$TMP/img.gz"; printf 'garbage after the gzip stream'; } \
    >"$IN/gz-garbage/t10k-images-idx3-ubyte.gz"
write_idx_images "$TMP/big.idx" 1000000 28 28 $((20 * 784))
gzip -c "$TMP/big.idx" >"$IN/gz-announce/t10k-images-idx3-ubyte.gz"
rm -f "$TMP/img.gz" "$TMP/big.idx"

# CIFAR-10 test batches: a valid one (3 records), one cut inside a record, one with label 10.
cifar_record() { byte "$1"; head -c 3072 /dev/zero | tr '\0' '\100'; }
mkdir -p "$IN/cifar-good" "$IN/cifar-cut" "$IN/cifar-label" "$IN/cifar-empty"
{ cifar_record 1; cifar_record 2; cifar_record 3; } >"$IN/cifar-good/test_batch.bin"
head -c $((3073 * 2 + 100)) "$IN/cifar-good/test_batch.bin" >"$IN/cifar-cut/test_batch.bin"
{ cifar_record 1; cifar_record 10; } >"$IN/cifar-label/test_batch.bin"
: >"$IN/cifar-empty/test_batch.bin"

# Device and technology files, each damaged in one way.
cp "$SRC/data/hfo2.json" "$SRC/data/vortex_stno.json" "$SRC/data/tech_45nm.json" "$IN/"
R="$IN/hfo2.json" S="$IN/vortex_stno.json" T="$IN/tech_45nm.json"
sed_to "$R" "$IN/rram-dup.json" 's/"v_c_v": 0.4,/"v_c_v": 0.4, "v_c_v": 0.5,/'
{ cat "$R"; echo '{"trailing": 1}'; } >"$IN/rram-trailing.json"
sed_to "$R" "$IN/rram-1e999.json" 's/"sigma_ln_r": 0.33/"sigma_ln_r": 1e999/'
sed_to "$R" "$IN/rram-negative.json" 's/"r_median_ohm": 100000/"r_median_ohm": -100000/'
sed_to "$R" "$IN/rram-nan.json" 's/"v_c_v": 0.4/"v_c_v": NaN/'
sed_to "$R" "$IN/rram-unknown.json" 's/"v_c_v": 0.4,/"v_c_v": 0.4, "v_cc_v": 0.4,/'
sed_to "$R" "$IN/rram-missing.json" '/"v_c_v": 0.4,/d'
sed_to "$R" "$IN/rram-version.json" 's/"version": 1,/"version": 99,/'
sed_to "$R" "$IN/rram-string.json" 's/"v_c_v": 0.4/"v_c_v": "0.4"/'
head -c 300 "$R" >"$IN/rram-cut.json"
: >"$IN/empty.json"
printf '\x00\x01\x02binary\xff\xfe' >"$IN/binary.json"
sed_to "$S" "$IN/stno-dup.json" 's/"i_th_ma": 4/"i_th_ma": 4, "i_th_ma": 5/'
sed_to "$S" "$IN/stno-1e999.json" 's/"f0_mhz": 300/"f0_mhz": 1e999/'
sed_to "$S" "$IN/stno-negative.json" 's/"gamma_g_mhz": 4/"gamma_g_mhz": -4/'
sed_to "$S" "$IN/stno-zero-ith.json" 's/"i_th_ma": 4/"i_th_ma": 0/'
{ cat "$S"; echo 'x'; } >"$IN/stno-trailing.json"
sed_to "$S" "$IN/stno-e0.json" 's/"e0_ev": 15/"e0_ev": 1e-300/'
sed_to "$T" "$IN/tech-dup.json" 's/"vdd_v": 0.9/"vdd_v": 0.9, "vdd_v": 1.0/'
sed_to "$T" "$IN/tech-1e999.json" 's/"e_sense_pj": 0.01/"e_sense_pj": 1e999/'
sed_to "$T" "$IN/tech-negative.json" 's/"t_read_ns": 1,/"t_read_ns": -1,/'
sed_to "$T" "$IN/tech-missing.json" '/"e_sense_pj": 0.01,/d'
{ cat "$T"; echo ']'; } >"$IN/tech-trailing.json"

# Measurement CSVs for rram fit (a valid one from rram sample, then damaged copies).
"$NANOCIM" rram sample -o "$IN/meas.csv" --devices 20 --icc 10,100 >/dev/null 2>&1 || {
    echo "test setup: rram sample failed"
    exit 1
}
M="$IN/meas.csv"
sed_to "$M" "$IN/meas-nocol.csv" 's/^condition,cycle,resistance_ohm$/condition,cycle,ohms/'
sed_to "$M" "$IN/meas-neg.csv" '5s/,0,\([0-9.]*\)$/,0,-\1/'
sed_to "$M" "$IN/meas-nan.csv" '5s/,0,\([0-9.]*\)$/,0,nan/'
sed_to "$M" "$IN/meas-1e999.csv" '5s/,0,\([0-9.]*\)$/,0,1e999/'
sed_to "$M" "$IN/meas-text.csv" '5s/,0,\([0-9.]*\)$/,0,12k/'
sed_to "$M" "$IN/meas-cond.csv" '5s/^[lh]rs@/xrs@/'
sed_to "$M" "$IN/meas-icc.csv" '5s/^\([lh]rs\)@10@/\1@-10@/'
sed_to "$M" "$IN/meas-cycle.csv" '5s/,0,/,-3,/'
sed_to "$M" "$IN/meas-fields.csv" '5s/$/,extra/'
head -n 2 "$M" >"$IN/meas-header.csv"
{ head -n 2 "$M"; echo 'lrs@50,0,1000'; echo 'lrs@50,0,1100'; } >"$IN/meas-few.csv"
printf 'condition,cycle,resistance_ohm\nlrs@10,0,1000\x00\n' >"$IN/meas-nul.csv"

# Hillenbrand-format vowel data (generated: 8 women x 7 vowels), then damaged copies.
V="$IN/vowdata.dat"
{
    echo "generated in the format of Hillenbrand et al. (1995) vowdata.dat"
    echo
    f1=(690 760 600 580 500 430 300) f2=(2000 1300 900 2000 1400 2100 2700)
    vw=(ae ah aw eh er ih iy)
    for t in 01 02 03 04 05 06 07 08; do
        for k in 0 1 2 3 4 5 6; do
            a=$((f1[k] + 10#$t * 7)) b=$((f2[k] + 10#$t * 11))
            printf 'w%s%s 250 210 %4d %4d 2900 4000 %4d %4d 2900 %4d %4d 2900 %4d %4d 2900 \n' \
                "$t" "${vw[k]}" "$a" "$b" "$a" "$b" "$a" "$b" "$a" "$b"
        done
    done
} >"$V"
sed_to "$V" "$IN/vow-short.dat" '5s/ 2900 $//'
sed_to "$V" "$IN/vow-long.dat" '5s/$/ 7/'
sed_to "$V" "$IN/vow-text.dat" '5s/ 250 / 2x0 /'
sed_to "$V" "$IN/vow-neg.dat" '5s/ 250 / -250 /'
sed_to "$V" "$IN/vow-group.dat" '5s/^w/x/'
sed_to "$V" "$IN/vow-vowel.dat" '5s/^w\([0-9][0-9]\)../w\1zz/'
sed_to "$V" "$IN/vow-dup.dat" '5s/^w\([0-9][0-9]\)../w01ae/'
head -c $(($(stat -c %s "$V") - 1)) "$V" >"$IN/vow-cut.dat"
head -n 2 "$V" >"$IN/vow-header.dat"
{ head -n 4 "$V"; printf 'w05ae 250\0 210\n'; } >"$IN/vow-nul.dat"

# A vowel result (vowels train -o), damaged copies, and result files of other commands.
"$NANOCIM" vowels train --speakers 6 --epochs 1 --window 100 --transient 10 -q \
    -o "$IN/vowels.json" >/dev/null 2>&1 || {
    echo "test setup: vowels train failed"
    exit 1
}
VR="$IN/vowels.json"
sed_to "$VR" "$IN/vr-dup.json" '0,/"n_osc":/s/"n_osc":\t4,/"n_osc":\t4, "n_osc": 3,/'
{ cat "$VR"; echo '{}'; } >"$IN/vr-trailing.json"
sed_to "$VR" "$IN/vr-nosc.json" 's/^\t\t"n_osc":\t4,/\t\t"n_osc":\t0,/'
sed_to "$VR" "$IN/vr-current.json" 's/"i_dc_ma":\t\[[0-9.]*,/"i_dc_ma":\t[-1e999,/'
sed_to "$VR" "$IN/vr-window.json" 's/"t_window_ns":\t100,/"t_window_ns":\t1e300,/'
sed_to "$VR" "$IN/vr-version.json" '0,/"version":\t1,/s/"version":\t1,/"version":\t7,/'
sed_to "$VR" "$IN/vr-vowel.json" 's/"vowels":\t\["ae",/"vowels":\t["zz",/'
head -c 2000 "$VR" >"$IN/vr-cut.json"

# The models: a tiny one for 28x28 images (with its checkpoint), one for 8x8 images, the npz of
# the first; damaged copies of each.
# Without Fashion-MNIST the 28x28 model is trained on 20 generated images instead (a note says
# so): the cases need a valid model, not a good one.
DATA28=fashion-mnist
if [ ! -e "$FMNIST/t10k-images-idx3-ubyte.gz" ] && [ ! -e "$FMNIST/t10k-images-idx3-ubyte" ]; then
    echo "note: Fashion-MNIST is not installed in $FMNIST (apt-get install dataset-fashion-mnist):"
    echo "      the 28x28 model is trained on 20 generated images instead"
    DATA28="$TMP/train28"
    mkdir -p "$DATA28"
    write_idx_images "$DATA28/train-images-idx3-ubyte" 20 28 28 $((20 * 784))
    write_idx_labels "$DATA28/train-labels-idx1-ubyte" 20
    cp "$G28/t10k-images-idx3-ubyte" "$G28/t10k-labels-idx1-ubyte" "$DATA28/"
fi
if "$NANOCIM" train --data "$DATA28" --arch mlp:16 --epochs 1 --train-limit 500 --test-limit 100 \
    -q -o "$IN/m.ncm" >/dev/null 2>"$TMP/train.err" &&
    "$NANOCIM" train --data "$G8" --arch mlp:8 --epochs 1 -q -o "$IN/m8.ncm" \
        >/dev/null 2>>"$TMP/train.err" &&
    "$NANOCIM" model export "$IN/m.ncm" -o "$IN/m.npz" >/dev/null 2>>"$TMP/train.err"; then
    HAVE_MODEL=1
else
    echo "test setup: training the tiny models failed: $(cat "$TMP/train.err")"
    exit 1
fi
HAVE_PY=
if command -v python3 >/dev/null 2>&1 && python3 -c 'import zipfile' 2>/dev/null; then
    HAVE_PY=1
else
    echo "note: python3 (zipfile) not found: the crafted .npz cases are skipped"
fi

if [ -n "$HAVE_MODEL" ]; then
    MS=$(stat -c %s "$IN/m.ncm")
    cp "$IN/m.ncm" "$IN/m-flip.ncm"
    flip_byte "$IN/m-flip.ncm" $((MS / 2))
    cut_tail "$IN/m.ncm" 100 "$IN/m-cut.ncm"
    cp "$IN/m.ncm" "$IN/m-len.ncm"  # payload length announcing 4 GiB more, CRC fixed
    set_u32le "$IN/m-len.ncm" 16 1
    fix_crc "$IN/m-len.ncm"
    cp "$IN/m.ncm" "$IN/m-ver.ncm"
    set_u32le "$IN/m-ver.ncm" 8 7
    fix_crc "$IN/m-ver.ncm"
    { cat "$IN/m.ncm"; printf 'xx'; } >"$IN/m-pad.ncm"
    # checkpoints
    CS=$(stat -c %s "$IN/m8.ncm.ckpt")
    cp "$IN/m8.ncm.ckpt" "$IN/ck-flip.ckpt"
    flip_byte "$IN/ck-flip.ckpt" $((CS / 2))
    cut_tail "$IN/m8.ncm.ckpt" 1000 "$IN/ck-cut.ckpt"
    cp "$IN/m8.ncm.ckpt" "$IN/ck-ver.ckpt"
    set_u32le "$IN/ck-ver.ckpt" 8 9
    fix_crc "$IN/ck-ver.ckpt"
    # result files of chip run and sweep, read back where another file is expected
    "$NANOCIM" chip run "$IN/m.ncm" --data "$G28" $RC --ber 0.01 --chips 2 -q \
        --json "$IN/chip.json" >/dev/null 2>&1 &&
        "$NANOCIM" sweep ber "$IN/m.ncm" --data "$G28" --array 16 --ber 0,0.01 --chips 2 -q \
            --json "$IN/sweep.json" >/dev/null 2>&1 || {
        echo "test setup: chip run or sweep failed"
        exit 1
    }
    NZ=$(stat -c %s "$IN/m.npz")
    head -c $((NZ / 2)) "$IN/m.npz" >"$IN/npz-cut.npz"
    cp "$IN/m.npz" "$IN/npz-flip.npz"
    flip_byte "$IN/npz-flip.npz" 2000
fi

# npz_edit OUT PYTHON: a copy of m.npz whose members (a dict name -> bytes, `z`) the Python
# statements change; npy(descr, shape, data) builds a member.
npz_edit() {
    python3 -W ignore - "$IN/m.npz" "$1" "$2" <<'EOF'
import sys, zipfile
src, out, code = sys.argv[1], sys.argv[2], sys.argv[3]
zin = zipfile.ZipFile(src)
z = {i.filename: zin.read(i.filename) for i in zin.infolist()}
def npy(descr, shape, data):
    h = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape)
    h += " " * (63 - (len(h) + 10) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + len(h).to_bytes(2, "little") + h.encode() + data
def body(name):
    b = z[name]
    n = int.from_bytes(b[8:10], "little")
    return b[10 + n:]
dup = []
exec(code)
with zipfile.ZipFile(out, "w") as zo:
    for k, v in z.items():
        zo.writestr(k, v)
    for k, v in dup:
        zo.writestr(k, v)
EOF
}
if [ -n "$HAVE_MODEL" ] && [ -n "$HAVE_PY" ]; then
    npz_edit "$IN/npz-transposed.npz" \
        'z["layer0.weight.npy"] = npy("|i1", "(784, 16)", body("layer0.weight.npy"))'
    npz_edit "$IN/npz-shortdata.npz" \
        'z["layer0.weight.npy"] = npy("|i1", "(16, 784)", body("layer0.weight.npy")[:-100])'
    npz_edit "$IN/npz-huge.npz" \
        'z["layer0.weight.npy"] = npy("|i1", "(1000000000, 784)", body("layer0.weight.npy"))'
    npz_edit "$IN/npz-value.npz" \
        'b = bytearray(body("layer0.weight.npy")); b[5] = 2
z["layer0.weight.npy"] = npy("|i1", "(16, 784)", bytes(b))'
    npz_edit "$IN/npz-nan.npz" \
        'b = bytearray(body("layer1.scale.npy")); b[0:4] = bytes([0, 0, 0xc0, 0x7f])
z["layer1.scale.npy"] = npy("<f4", "(10,)", bytes(b))'
    npz_edit "$IN/npz-missing.npz" 'del z["layer1.beta.npy"]'
    npz_edit "$IN/npz-dup.npz" 'dup.append(("layer1.beta.npy", z["layer1.beta.npy"]))'
    npz_edit "$IN/npz-dtype.npz" \
        'import struct
z["layer0.threshold.npy"] = npy("<f8", "(16,)", struct.pack("<16d", *[0.5] * 16))'
    npz_edit "$IN/npz-arch.npz" \
        'z["arch.npy"] = npy("<U6", "()", "mlp:1x".encode("utf-32-le"))'
    npz_edit "$IN/npz-classes.npz" \
        'z["n_classes.npy"] = npy("<i4", "()", (11).to_bytes(4, "little"))'
    npz_edit "$IN/npz-shape.npz" \
        'shape = b"".join(x.to_bytes(4, "little") for x in (1, 8, 8))
z["input_shape.npy"] = npy("<i4", "(3,)", shape)'
fi
IN_HASH=$(in_hash)

# ---- the cases ----------------------------------------------------------------------------------

echo "== usage: unknown commands, options, missing values"
hc usage "unknown command" "frobnicate" -- frobnicate
hc usage "demo unknown option" "--bogus" -- demo --bogus
hc usage "demo --part without value" "--part" -- demo --part
hc usage "demo stray argument" "extra" -- demo extra
hc values "demo --part foo" "--part" -- demo --part foo
hc values "demo --threads 0" "--threads" -- demo --threads 0
hc values "demo --threads 1.5" "--threads" -- demo --threads 1.5
hc usage "train unknown option" "--epoch" -- train --data "$G8" --epoch 3
hc usage "train -o without value" "-o" -- train --data "$G8" -o
hc usage "eval two models" "second.ncm" -- eval "$IN/m.ncm" second.ncm --data "$G28"
hc usage "model without subcommand" "model" -- model
hc usage "model unknown subcommand" "frob" -- model frob x
hc usage "model export without -o" "-o" -- model export "$IN/m.ncm"
hc usage "model import unknown option" "--force" -- model import "$IN/m.npz" -o @O@/x.ncm --force
hc usage "model info two files" "b.ncm" -- model info a.ncm b.ncm
hc usage "chip unknown subcommand" "simulate" -- chip simulate
hc usage "chip run without --chips" "--chips" -- chip run "$IN/m.ncm" --data "$G28" $RC --ber 0.1
hc usage "chip cost unknown option" "--chips" -- chip cost "$IN/m.ncm" --chips 3
hc usage "sweep without axis values" "--ber" -- sweep ber "$IN/m.ncm" --data "$G28" --array 16
hc usage "sweep unknown axis" "temperature" -- sweep temperature "$IN/m.ncm" --data "$G28"
hc usage "rram unknown subcommand" "calibrate" -- rram calibrate
hc usage "rram fit without -o" "-o" -- rram fit "$M"
hc usage "rram sample stray argument" "extra" -- rram sample -o @O@/s.csv extra
hc usage "stno run --in without value" "--in" -- stno run --in
hc usage "stno lock unknown option" "--stride" -- stno lock --stride 4
hc usage "vowels unknown subcommand" "test" -- vowels test
hc usage "vowels sweep -o" "-o" -- vowels sweep --temperature-list 0,300 -o @O@/x.json
hc usage "vowels eval without result" "RESULT" -- vowels eval --speakers 4

echo "== usage: options given twice (the last counts; every value is checked)"
hc usage "train --epochs 2 --epochs 0" "--epochs 0" -- train --data "$G8" --epochs 2 --epochs 0
hc usage "chip run --chips 0 --chips 2" "--chips 0" -- \
    chip run "$IN/m.ncm" --data "$G28" $RC --ber 0.1 --chips 0 --chips 2
hc usage "rram ber --icc twice, last bad" "--icc" -- rram ber --icc 10 --icc 0 --reads 0
hc usage "stno run --n twice, last bad" "--n" -- stno run --n 2 --n 0
hc usage "vowels train --osc twice, last bad" "--osc" -- vowels train --osc 4 --osc 99
hc usage "vowels sweep --spread-list twice, last bad" "--spread-list" -- \
    vowels sweep --spread-list 1 --spread-list 1,200
hc usage "sweep --cell twice, last bad" "--cell" -- \
    sweep storage "$IN/m.ncm" --data "$G28" --array 16 --cell 2t2r,1t1r --cell 2t2r,4t4r

echo "== values: numeric options (range, finiteness, fractions)"
hc values "train --epochs 1.5" "--epochs" -- train --data "$G8" --epochs 1.5 -o @O@/m.ncm
hc values "train --epochs 1e3" "--epochs" -- train --data "$G8" --epochs 1e3 -o @O@/m.ncm
hc values "train --batch 0" "--batch" -- train --data "$G8" --batch 0
hc values "train --batch overflow" "--batch" -- train --data "$G8" --batch 99999999999999999999999
hc values "train --seed -1" "--seed" -- train --data "$G8" --seed -1
hc values "train --lr 1e999" "--lr" -- train --data "$G8" --lr 1e999
hc values "train --lr -0.1" "--lr" -- train --data "$G8" --lr -0.1
hc values "train --flip 0.5" "--flip" -- train --data "$G8" --flip 0.5
hc values "train --flip nan" "--flip" -- train --data "$G8" --flip nan
hc values "train --train-limit 0" "--train-limit" -- train --data "$G8" --train-limit 0
hc values "train --test-limit 2.5" "--test-limit" -- train --data "$G8" --test-limit 2.5
hc values "train --threads -4" "--threads" -- train --data "$G8" --threads -4
hc values "train --augment sideways" "--augment" -- train --data "$G8" --augment sideways
hc values "train --arch mlp:1e9" "--arch" -- train --data "$G8" --arch mlp:1e9 -o @O@/m.ncm
hc values "train --arch mlp:16,,16" "--arch" -- train --data "$G8" --arch mlp:16,,16 -o @O@/m.ncm
hc values "train --arch mlp:-5" "--arch" -- train --data "$G8" --arch mlp:-5 -o @O@/m.ncm
hc values "train --arch cnn:p,8" "--arch" -- train --data "$G8" --arch cnn:p,8 -o @O@/m.ncm
hc values "eval --limit 0" "--limit" -- eval "$IN/m.ncm" --data "$G28" --limit 0
hc values "eval --limit 1.5" "--limit" -- eval "$IN/m.ncm" --data "$G28" --limit 1.5
hc values "eval --engine fast" "--engine" -- eval "$IN/m.ncm" --data "$G28" --engine fast
hc values "eval --kernel sse9" "--kernel" -- eval "$IN/m.ncm" --data "$G28" --kernel sse9
hc values "chip run --chips 1.5" "--chips" -- \
    chip run "$IN/m.ncm" --data "$G28" $RC --ber 0.1 --chips 1.5
hc values "chip run --ber 1.5" "--ber" -- chip run "$IN/m.ncm" --data "$G28" $RC --ber 1.5 --chips 2
hc values "chip run --ber nan" "--ber" -- chip run "$IN/m.ncm" --data "$G28" $RC --ber nan --chips 2
hc values "chip run --ber-layer 0.1,,0.2" "--ber-layer" -- \
    chip run "$IN/m.ncm" --data "$G28" $RC --ber-layer 0.1,,0.2 --chips 2
hc values "chip run --stuck 2" "--stuck" -- \
    chip run "$IN/m.ncm" --data "$G28" $RC --stuck 2 --chips 2
hc values "chip run --rows 0" "--rows" -- \
    chip run "$IN/m.ncm" --data "$G28" --ber 0 --rows 0 --chips 2
hc values "chip run --cols 1e6" "--cols" -- \
    chip run "$IN/m.ncm" --data "$G28" --ber 0 --cols 1e6 --chips 2
hc values "chip run --cell 3t3r" "--cell" -- \
    chip run "$IN/m.ncm" --data "$G28" $RC --ber 0 --cell 3t3r --chips 2
hc values "chip run --cell 1t1r-secded:0" "--cell" -- \
    chip run "$IN/m.ncm" --data "$G28" $RC --ber 0 --cell 1t1r-secded:0 --chips 2
hc values "chip run --icc -5" "--icc" -- chip run "$IN/m.ncm" --data "$G28" $RC --icc -5 --chips 2
hc values "chip run --vreset 0" "--vreset" -- \
    chip run "$IN/m.ncm" --data "$G28" $RC --vreset 0 --chips 2
hc values "chip run --tp inf" "--tp" -- chip run "$IN/m.ncm" --data "$G28" $RC --tp inf --chips 2
hc values "chip run --cycles -1" "--cycles" -- \
    chip run "$IN/m.ncm" --data "$G28" $RC --cycles -1 --chips 2
hc values "chip run --read-ber 2" "--read-ber" -- \
    chip run "$IN/m.ncm" --data "$G28" $RC --ber 0 --read-ber 2 --chips 2
hc values "chip run --dead-zone maybe" "--dead-zone" -- \
    chip run "$IN/m.ncm" --data "$G28" $RC --dead-zone maybe --chips 2
hc values "chip run --seed 2147483648" "--seed" -- \
    chip run "$IN/m.ncm" --data "$G28" $RC --ber 0 --seed 2147483648 --chips 2
hc values "chip run --ber with --icc" "--icc" -- \
    chip run "$IN/m.ncm" --data "$G28" $RC --ber 0.1 --icc 50 --chips 2
hc values "chip cost --rows 0" "--rows" -- chip cost "$IN/m.ncm" --rows 0
hc values "chip cost --cell 2t2r," "--cell" -- chip cost "$IN/m.ncm" --cell 2t2r,
hc values "chip cost nine cells" "--cell" -- \
    chip cost "$IN/m.ncm" --cell 2t2r,2t2r,2t2r,2t2r,2t2r,2t2r,2t2r,2t2r,2t2r
hc values "chip cost --icc nan" "--icc" -- chip cost "$IN/m.ncm" --icc nan
hc values "chip cost --tp -1" "--tp" -- chip cost "$IN/m.ncm" --tp -1
hc values "chip cost --plot x.gif" "--plot" -- chip cost "$IN/m.ncm" --plot @O@/x.gif
hc values "sweep --ber 0:1:0" "--ber" -- sweep ber "$IN/m.ncm" --data "$G28" --array 16 --ber 0:1:0
hc values "sweep --ber 1:0:0.1 (empty)" "--ber" -- \
    sweep ber "$IN/m.ncm" --data "$G28" --array 16 --ber 1:0:0.1
hc values "sweep --array 16.5" "--array" -- sweep array "$IN/m.ncm" --data "$G28" --array 8,16.5
hc values "sweep --vreset 0" "--vreset" -- \
    sweep vreset "$IN/m.ncm" --data "$G28" --array 16 --vreset 0,1.5
hc values "sweep --ber with --icc" "--icc" -- \
    sweep ber "$IN/m.ncm" --data "$G28" --array 16 --ber 0,0.1 --icc 50
hc values "sweep --plot-energy in fault mode" "--plot-energy" -- \
    sweep ber "$IN/m.ncm" --data "$G28" --array 16 --ber 0,0.1 --plot-energy @O@/e.png
hc values "sweep --error-bars wide" "--error-bars" -- \
    sweep ber "$IN/m.ncm" --data "$G28" --array 16 --ber 0,0.1 --error-bars wide
hc values "sweep --stuck nan" "--stuck" -- \
    sweep ber "$IN/m.ncm" --data "$G28" --array 16 --ber 0,0.1 --stuck nan
hc values "sweep --seed 1.5" "--seed" -- \
    sweep ber "$IN/m.ncm" --data "$G28" --array 16 --ber 0,0.1 --seed 1.5
hc values "sweep --array with --rows" "--rows" -- \
    sweep array "$IN/m.ncm" --data "$G28" --array 8,16 --rows 8
hc values "rram ber --icc 0" "--icc" -- rram ber --icc 0
hc values "rram ber --icc a,b" "--icc" -- rram ber --icc a,b
hc values "rram ber --vreset 0" "--vreset" -- rram ber --vreset 0 --reads 0
hc values "rram ber --cycles 1e16" "--cycles" -- rram ber --cycles 1e16
hc values "rram ber --cycles nan" "--cycles" -- rram ber --cycles nan
hc values "rram ber --reads -1" "--reads" -- rram ber --reads -1
hc values "rram ber --reads 1.5" "--reads" -- rram ber --reads 1.5
hc values "rram ber --cells 1t1r-secded:5000" "--cells" -- rram ber --cells 1t1r-secded:5000
hc values "rram ber --plot-format gif" "--plot-format" -- rram ber --plot @O@/b --plot-format gif
hc values "rram ber --plot-format without --plot" "--plot-format" -- \
    rram ber --reads 0 --plot-format svg
hc values "rram sample --devices 2" "--devices" -- rram sample -o @O@/s.csv --devices 2
hc values "rram sample --devices 1.5" "--devices" -- rram sample -o @O@/s.csv --devices 1.5
hc values "rram sample --tp nan" "--tp" -- rram sample -o @O@/s.csv --tp nan
hc values "rram sample --vreset 0" "--vreset" -- rram sample -o @O@/s.csv --vreset 0
hc values "stno run --n 0" "--n" -- stno run --n 0
hc values "stno run --n 1.5" "--n" -- stno run --n 1.5
hc values "stno run --i-dc -1" "--i-dc" -- stno run --i-dc -1
hc values "stno run --coupling 1e5" "--coupling" -- stno run --coupling 1e5
hc values "stno run --beta 11" "--beta" -- stno run --beta 11
hc values "stno run --t-ns 0" "--t-ns" -- stno run --t-ns 0
hc values "stno run --dt-ns -1" "--dt-ns" -- stno run --dt-ns -1 --t-ns 10
hc values "stno run --temperature -1" "--temperature" -- stno run --temperature -1
hc values "stno run --stride 0" "--stride" -- stno run --stride 0
hc values "stno run --in 300" "--in" -- stno run --in 300
hc values "stno run --in 300:-1" "--in" -- stno run --in 300:-1
hc values "stno run --in 300:nan" "--in" -- stno run --in 300:nan
hc values "stno run nine inputs" "--in" -- stno run --in 1:1,2:1,3:1,4:1,5:1,6:1,7:1,8:1,9:1
hc values "stno lock --f 0" "--f" -- stno lock --f 0
hc values "stno lock --amp -1" "--amp" -- stno lock --amp -1
hc values "stno lock --f 1:2:0" "--f" -- stno lock --f 1:2:0
hc values "vowels train --speakers 0" "--speakers" -- vowels train --speakers 0
hc values "vowels train --speakers 1.5" "--speakers" -- vowels train --speakers 1.5
hc values "vowels train --osc 17" "--osc" -- vowels train --osc 17
hc values "vowels train --coupling -1" "--coupling" -- vowels train --coupling -1
hc values "vowels train --amp 1,2,3,4" "--amp" -- vowels train --amp 1,2,3,4
hc values "vowels train --band 330,318" "--band" -- vowels train --band 330,318
hc values "vowels train --band 1,nan" "--band" -- vowels train --band 1,nan
hc values "vowels train --currents 1,2 (below threshold)" "--currents" -- \
    vowels train --currents 1,2
hc values "vowels train --epochs -1" "--epochs" -- vowels train --epochs -1
hc values "vowels train --lr 0" "--lr" -- vowels train --lr 0
hc values "vowels train --window 0" "--window" -- vowels train --window 0
hc values "vowels train --train-frac 1" "--train-frac" -- vowels train --train-frac 1
hc values "vowels train --groups x" "--groups" -- vowels train --groups x
hc values "vowels train --vowels ae,zz" "--vowels" -- vowels train --vowels ae,zz
hc values "vowels train --vowels ae,ae" "--vowels" -- vowels train --vowels ae,ae
hc values "vowels train --formants f4" "--formants" -- vowels train --formants f4
hc values "vowels train --data with --speakers" "--speakers" -- \
    vowels train --data "$V" --speakers 4
hc values "vowels train --curve with --epochs 0" "--curve" -- \
    vowels train --epochs 0 --curve @O@/c.png
hc values "vowels sweep --spread-list 101" "--spread-list" -- vowels sweep --spread-list 1,101
hc values "vowels sweep --temperature-list -1" "--temperature-list" -- \
    vowels sweep --temperature-list -1
hc values "vowels sweep both lists" "--spread-list" -- \
    vowels sweep --temperature-list 0 --spread-list 1
hc values "vowels eval --split half" "--split" -- vowels eval "$VR" --split half
hc values "vowels eval --train-frac 0" "--train-frac" -- vowels eval "$VR" --train-frac 0

echo "== values: options that cannot be honoured"
if [ -n "$HAVE_MODEL" ]; then
    hc values "train --resume with another --arch" "--arch" -- \
        train --data "$G8" --resume --checkpoint "$IN/m8.ncm.ckpt" --arch mlp:32 -o @O@/r.ncm
    hc values "train --resume with other --epochs" "--epochs" -- \
        train --data "$G8" --resume --checkpoint "$IN/m8.ncm.ckpt" --epochs 4 -o @O@/r.ncm
    hc values "train --resume with another --seed" "--seed" -- \
        train --data "$G8" --resume --checkpoint "$IN/m8.ncm.ckpt" --seed 9 -o @O@/r.ncm
fi
hc values "stno run --stride without -o or --plot" "--stride" -- stno run --stride 16
hc values "sweep --error-bars without a figure" "--error-bars" -- \
    sweep ber "$IN/m.ncm" --data "$G28" --array 16 --ber 0,0.1 --error-bars sd

echo "== resources: absurd work refused up front"
hc resources "sweep --ber of 10^12 points" "--ber" -- \
    sweep ber "$IN/m.ncm" --data "$G28" --array 16 --ber 0:1:1e-12
hc resources "sweep of 10^8 points x 20 chips" "--chips" -- \
    sweep ber "$IN/m.ncm" --data "$G28" --array 16 --ber 0:1:0.0001 --read-ber 0:1:0.0001
hc resources "sweep --chips 100000000 x 2 points" "--chips" -- \
    sweep ber "$IN/m.ncm" --data "$G28" --array 16 --ber 0,0.1 --chips 100000000
hc resources "chip run --chips 1e9" "--chips" -- \
    chip run "$IN/m.ncm" --data "$G28" $RC --ber 0 --chips 1000000000
hc resources "rram ber of 3 x 10^6 points" "rram ber||points" -- \
    rram ber --icc 1:1000:1 --vreset 0.1:100:0.1 --reads 0
hc resources "rram ber --icc geometric 10^9 values" "--icc" -- rram ber --icc 1:1e6:x1.00000001
hc resources "rram ber --reads 1e12" "--reads" -- rram ber --reads 1e12
hc resources "rram sample of 10^11 devices" "--devices" -- \
    rram sample -o @O@/s.csv --devices 100000000 --icc 1:1000:1
hc resources "stno run trace of tens of GB" "--stride" -- \
    stno run --n 16 --t-ns 1e9 --stride 4 -o @O@/trace.csv
hc resources "stno run of 2e15 oscillator-steps" "--t-ns" -- \
    stno run --n 1024 --t-ns 1e9 --transient-ns 1e9 --dt-ns 0.001
hc resources "stno lock grid of 10^8 runs" "--f" -- stno lock --f 300:301:0.0001 --amp 0:10:0.001
hc resources "stno lock of 1024 oscillators (10 GB of pairs)" "--n 1024" -- stno lock --n 1024
hc resources "vowels sweep --temperature-list 1001 values" "--temperature-list" -- \
    vowels sweep --temperature-list 0:1000:1
hc resources "vowels train of 10^4 speakers x 10^4 epochs" "--epochs" -- \
    vowels train --speakers 10000 --epochs 10000 --window 1e6
hc resources "rram ber --device /dev/zero" "/dev/zero" -- rram ber --device /dev/zero --reads 0
hc resources "stno run --device /dev/zero" "/dev/zero" -- stno run --device /dev/zero
hc resources "vowels train --data /dev/zero" "/dev/zero" -- vowels train --data /dev/zero
hc resources "rram fit /dev/zero" "/dev/zero" -- rram fit /dev/zero -o @O@/d.json
hc resources "model import /dev/zero" "/dev/zero" -- model import /dev/zero -o @O@/x.ncm
hc resources "eval IDX announcing 100000 images" "idx-announce-more" -- \
    eval "$IN/m.ncm" --data "$IN/idx-announce-more"
hc resources "eval IDX dimensions 65536 x 65536" "idx-huge-dims" -- \
    eval "$IN/m.ncm" --data "$IN/idx-huge-dims"
hc resources "eval gzip IDX announcing 10^6 images" "gz-announce" -- \
    eval "$IN/m.ncm" --data "$IN/gz-announce"

echo "== corrupt: IDX, gzip and CIFAR-10 data"
hc corrupt "eval IDX trailing bytes" "idx-trailing" -- eval "$IN/m.ncm" --data "$IN/idx-trailing"
hc corrupt "eval IDX bad magic" "idx-magic" -- eval "$IN/m.ncm" --data "$IN/idx-magic"
hc corrupt "eval IDX type 0x0d" "idx-type" -- eval "$IN/m.ncm" --data "$IN/idx-type"
hc corrupt "eval IDX 5 dimensions" "idx-dims5" -- eval "$IN/m.ncm" --data "$IN/idx-dims5"
hc corrupt "eval IDX dimension 0" "idx-dim0" -- eval "$IN/m.ncm" --data "$IN/idx-dim0"
hc corrupt "eval IDX 19 labels for 20 images" "idx-labels-count" -- \
    eval "$IN/m.ncm" --data "$IN/idx-labels-count"
hc corrupt "eval IDX label 200" "idx-label-200" -- eval "$IN/m.ncm" --data "$IN/idx-label-200"
hc corrupt "eval IDX labels of 3 dimensions" "idx-labels-3d" -- \
    eval "$IN/m.ncm" --data "$IN/idx-labels-3d"
hc corrupt "eval IDX empty image file" "idx-empty" -- eval "$IN/m.ncm" --data "$IN/idx-empty"
hc corrupt "eval gzip cut in the middle" "gz-cut" -- eval "$IN/m.ncm" --data "$IN/gz-cut"
hc corrupt "eval gzip without trailer" "gz-notrailer" -- eval "$IN/m.ncm" --data "$IN/gz-notrailer"
hc corrupt "eval gzip trailer cut" "gz-halftrailer" -- eval "$IN/m.ncm" --data "$IN/gz-halftrailer"
hc corrupt "eval gzip bad CRC" "gz-crc" -- eval "$IN/m.ncm" --data "$IN/gz-crc"
hc corrupt "eval gzip bad length" "gz-isize" -- eval "$IN/m.ncm" --data "$IN/gz-isize"
hc corrupt "eval gzip garbage after the stream" "gz-garbage" -- \
    eval "$IN/m.ncm" --data "$IN/gz-garbage"
hc corrupt "train gzip cut (train split)" "gz-cut" -- train --data "$IN/gz-cut" -o @O@/m.ncm
hc corrupt "eval CIFAR-10 batch cut" "cifar-cut" -- eval "$IN/m.ncm" --data "$IN/cifar-cut"
hc corrupt "eval CIFAR-10 label 10" "cifar-label" -- eval "$IN/m.ncm" --data "$IN/cifar-label"
hc corrupt "eval CIFAR-10 empty batch" "cifar-empty" -- eval "$IN/m.ncm" --data "$IN/cifar-empty"
hc corrupt "chip run --data a file" "good28/t10k-labels" -- \
    chip run "$IN/m.ncm" --data "$G28/t10k-labels-idx1-ubyte" --ber 0 --chips 2

echo "== corrupt: device, technology and result JSON files"
hc corrupt "rram ber --device duplicate key" "v_c_v" -- \
    rram ber --device "$IN/rram-dup.json" --reads 0
hc corrupt "rram ber --device trailing data" "rram-trailing.json" -- \
    rram ber --device "$IN/rram-trailing.json" --reads 0
hc corrupt "rram ber --device 1e999" "sigma_ln_r" -- \
    rram ber --device "$IN/rram-1e999.json" --reads 0
hc corrupt "rram sample --device negative" "r_median_ohm" -- \
    rram sample -o @O@/s.csv --device "$IN/rram-negative.json"
hc corrupt "rram fit --device NaN" "rram-nan.json" -- \
    rram fit "$M" -o @O@/d.json --device "$IN/rram-nan.json"
hc corrupt "chip run --device unknown field" "v_cc_v" -- \
    chip run "$IN/m.ncm" --data "$G28" $RC --device "$IN/rram-unknown.json" --chips 2
hc corrupt "chip cost --device missing field" "v_c_v" -- \
    chip cost "$IN/m.ncm" --device "$IN/rram-missing.json"
hc corrupt "sweep --device version 99" "rram-version.json" -- \
    sweep icc "$IN/m.ncm" --data "$G28" --array 16 --icc 20,50 --device "$IN/rram-version.json"
hc corrupt "rram ber --device string value" "v_c_v" -- \
    rram ber --device "$IN/rram-string.json" --reads 0
hc corrupt "rram ber --device cut" "rram-cut.json" -- \
    rram ber --device "$IN/rram-cut.json" --reads 0
hc corrupt "rram ber --device empty" "empty.json" -- rram ber --device "$IN/empty.json" --reads 0
hc corrupt "rram ber --device binary" "binary.json" -- rram ber --device "$IN/binary.json" --reads 0
hc corrupt "rram ber --device an oscillator file" "vortex_stno.json" -- \
    rram ber --device "$S" --reads 0
hc corrupt "rram ber --device a folder" "$IN" -- rram ber --device "$IN" --reads 0
hc corrupt "stno run --device duplicate key" "i_th_ma" -- stno run --device "$IN/stno-dup.json"
hc corrupt "stno lock --device 1e999" "f0_mhz" -- stno lock --device "$IN/stno-1e999.json"
hc corrupt "stno run --device negative damping" "gamma_g_mhz" -- \
    stno run --device "$IN/stno-negative.json"
hc corrupt "stno run --device zero threshold" "i_th_ma" -- \
    stno run --device "$IN/stno-zero-ith.json"
hc corrupt "stno run --device trailing data" "stno-trailing.json" -- \
    stno run --device "$IN/stno-trailing.json"
hc corrupt "stno run --device an RRAM file" "hfo2.json" -- stno run --device "$R"
hc corrupt "vowels train --device duplicate key" "i_th_ma" -- \
    vowels train --device "$IN/stno-dup.json"
hc corrupt "stno run --device e0 1e-300 (diverges)" "stno-e0.json" -- \
    stno run --device "$IN/stno-e0.json" --t-ns 200 --transient-ns 0
hc corrupt "vowels train --device e0 1e-300 (diverges)" "stno-e0.json" -- \
    vowels train --device "$IN/stno-e0.json" --speakers 6 --epochs 1 --window 100 --transient 10
hc corrupt "chip cost --tech duplicate key" "vdd_v" -- \
    chip cost "$IN/m.ncm" --tech "$IN/tech-dup.json"
hc corrupt "chip cost --tech 1e999" "e_sense_pj" -- \
    chip cost "$IN/m.ncm" --tech "$IN/tech-1e999.json"
hc corrupt "chip cost --tech negative" "t_read_ns" -- \
    chip cost "$IN/m.ncm" --tech "$IN/tech-negative.json"
hc corrupt "chip run --tech missing field" "e_sense_pj" -- \
    chip run "$IN/m.ncm" --data "$G28" $RC --ber 0 --chips 2 --tech "$IN/tech-missing.json"
hc corrupt "sweep --tech trailing data" "tech-trailing.json" -- \
    sweep ber "$IN/m.ncm" --data "$G28" --array 16 --ber 0,0.1 --tech "$IN/tech-trailing.json"
hc corrupt "chip cost --tech an RRAM file" "hfo2.json" -- chip cost "$IN/m.ncm" --tech "$R"
hc corrupt "vowels eval duplicate key" "n_osc" -- vowels eval "$IN/vr-dup.json"
hc corrupt "vowels eval trailing data" "vr-trailing.json" -- vowels eval "$IN/vr-trailing.json"
hc corrupt "vowels eval n_osc 0" "n_osc" -- vowels eval "$IN/vr-nosc.json"
hc corrupt "vowels eval current -1e999" "i_dc_ma" -- vowels eval "$IN/vr-current.json"
hc corrupt "vowels eval window 1e300" "t_window_ns" -- vowels eval "$IN/vr-window.json"
hc corrupt "vowels eval version 7" "vr-version.json" -- vowels eval "$IN/vr-version.json"
hc corrupt "vowels eval unknown vowel" "zz" -- vowels eval "$IN/vr-vowel.json"
hc corrupt "vowels eval cut" "vr-cut.json" -- vowels eval "$IN/vr-cut.json"
hc corrupt "vowels eval an oscillator device file" "vortex_stno.json" -- vowels eval "$S"
if [ -n "$HAVE_MODEL" ]; then
    hc corrupt "vowels eval a chip result" "chip.json" -- vowels eval "$IN/chip.json"
    hc corrupt "rram ber --device a sweep result" "sweep.json" -- \
        rram ber --device "$IN/sweep.json" --reads 0
    hc corrupt "chip cost --tech a chip result" "chip.json" -- \
        chip cost "$IN/m.ncm" --tech "$IN/chip.json"
    hc corrupt "stno run --device a vowel result" "vowels.json" -- stno run --device "$VR"
fi

echo "== corrupt: measurement CSV (rram fit) and vowel data"
hc corrupt "rram fit missing column" "resistance_ohm" -- rram fit "$IN/meas-nocol.csv" -o @O@/d.json
hc corrupt "rram fit negative resistance" "meas-neg.csv" -- \
    rram fit "$IN/meas-neg.csv" -o @O@/d.json
hc corrupt "rram fit nan resistance" "meas-nan.csv" -- rram fit "$IN/meas-nan.csv" -o @O@/d.json
hc corrupt "rram fit 1e999 resistance" "meas-1e999.csv" -- \
    rram fit "$IN/meas-1e999.csv" -o @O@/d.json
hc corrupt "rram fit text resistance" "meas-text.csv" -- rram fit "$IN/meas-text.csv" -o @O@/d.json
hc corrupt "rram fit bad state" "meas-cond.csv" -- rram fit "$IN/meas-cond.csv" -o @O@/d.json
hc corrupt "rram fit negative current" "meas-icc.csv" -- rram fit "$IN/meas-icc.csv" -o @O@/d.json
hc corrupt "rram fit negative cycle" "meas-cycle.csv" -- rram fit "$IN/meas-cycle.csv" -o @O@/d.json
hc corrupt "rram fit extra field" "meas-fields.csv" -- rram fit "$IN/meas-fields.csv" -o @O@/d.json
hc corrupt "rram fit header only" "meas-header.csv" -- rram fit "$IN/meas-header.csv" -o @O@/d.json
hc corrupt "rram fit condition with 2 rows" "meas-few.csv" -- \
    rram fit "$IN/meas-few.csv" -o @O@/d.json
hc corrupt "rram fit NUL byte" "meas-nul.csv" -- rram fit "$IN/meas-nul.csv" -o @O@/d.json
hc corrupt "rram fit a model file" "m.npz||vowdata.dat" -- rram fit "$V" -o @O@/d.json
hc corrupt "vowels train short row" "vow-short.dat" -- vowels train --data "$IN/vow-short.dat"
hc corrupt "vowels train long row" "vow-long.dat" -- vowels train --data "$IN/vow-long.dat"
hc corrupt "vowels train text field" "vow-text.dat" -- vowels train --data "$IN/vow-text.dat"
hc corrupt "vowels train negative field" "vow-neg.dat" -- vowels train --data "$IN/vow-neg.dat"
hc corrupt "vowels train unknown group" "vow-group.dat" -- vowels train --data "$IN/vow-group.dat"
hc corrupt "vowels eval unknown vowel code" "vow-vowel.dat" -- \
    vowels eval "$VR" --data "$IN/vow-vowel.dat"
hc corrupt "vowels eval repeated token" "vow-dup.dat" -- vowels eval "$VR" --data "$IN/vow-dup.dat"
hc corrupt "vowels sweep file cut" "vow-cut.dat" -- \
    vowels sweep --temperature-list 0 --data "$IN/vow-cut.dat"
hc corrupt "vowels train header only" "vow-header.dat" -- vowels train --data "$IN/vow-header.dat"
hc corrupt "vowels train NUL byte" "vow-nul.dat" -- vowels train --data "$IN/vow-nul.dat"
hc corrupt "vowels train a device file as data" "hfo2.json" -- vowels train --data "$R"

if [ -n "$HAVE_MODEL" ]; then
    echo "== corrupt: models, checkpoints and npz"
    hc corrupt "model info flipped byte" "m-flip.ncm" -- model info "$IN/m-flip.ncm"
    hc corrupt "model export truncated" "m-cut.ncm" -- model export "$IN/m-cut.ncm" -o @O@/x.npz
    hc corrupt "chip cost length announcing 4 GiB" "m-len.ncm" -- chip cost "$IN/m-len.ncm"
    hc corrupt "sweep model version 7" "m-ver.ncm" -- \
        sweep ber "$IN/m-ver.ncm" --data "$G28" --array 16 --ber 0,0.1
    hc corrupt "chip run padded model" "m-pad.ncm" -- \
        chip run "$IN/m-pad.ncm" --data "$G28" $RC --ber 0 --chips 2
    hc corrupt "eval a checkpoint as model" "m.ncm.ckpt" -- eval "$IN/m.ncm.ckpt" --data "$G28"
    hc corrupt "model info a JSON file" "hfo2.json" -- model info "$R"
    hc corrupt "model import an empty file" "empty.json" -- \
        model import "$IN/empty.json" -o @O@/x.ncm
    hc corrupt "chip cost /dev/zero as model" "/dev/zero" -- chip cost /dev/zero
    hc corrupt "train --resume flipped checkpoint" "ck-flip.ckpt" -- \
        train --data "$G8" --resume --checkpoint "$IN/ck-flip.ckpt" -o @O@/r.ncm
    hc corrupt "train --resume truncated checkpoint" "ck-cut.ckpt" -- \
        train --data "$G8" --resume --checkpoint "$IN/ck-cut.ckpt" -o @O@/r.ncm
    hc corrupt "train --resume checkpoint version 9" "ck-ver.ckpt" -- \
        train --data "$G8" --resume --checkpoint "$IN/ck-ver.ckpt" -o @O@/r.ncm
    hc corrupt "train --resume a model as checkpoint" "m8.ncm" -- \
        train --data "$G8" --resume --checkpoint "$IN/m8.ncm" -o @O@/r.ncm
    hc corrupt "train --resume missing checkpoint" "nothing.ckpt" -- \
        train --data "$G8" --resume --checkpoint "$IN/nothing.ckpt" -o @O@/r.ncm
    hc corrupt "model import npz cut" "npz-cut.npz" -- model import "$IN/npz-cut.npz" -o @O@/x.ncm
    hc corrupt "model info npz flipped byte" "npz-flip.npz" -- model info "$IN/npz-flip.npz"
    if [ -n "$HAVE_PY" ]; then
        hc corrupt "model import npz weights not +-1" "layer0.weight" -- \
            model import "$IN/npz-value.npz" -o @O@/x.ncm
        hc corrupt "model import npz NaN scale" "layer1.scale" -- \
            model import "$IN/npz-nan.npz" -o @O@/x.ncm
        hc corrupt "model import npz missing array" "layer1.beta" -- \
            model import "$IN/npz-missing.npz" -o @O@/x.ncm
        hc corrupt "model import npz member twice" "layer1.beta" -- \
            model import "$IN/npz-dup.npz" -o @O@/x.ncm
        hc corrupt "model import npz fractional thresholds" "layer0.threshold" -- \
            model import "$IN/npz-dtype.npz" -o @O@/x.ncm
        hc corrupt "model import npz bad arch" "arch" -- \
            model import "$IN/npz-arch.npz" -o @O@/x.ncm
        hc corrupt "model import npz data shorter than its shape" "layer0.weight" -- \
            model import "$IN/npz-shortdata.npz" -o @O@/x.ncm
        hc resources "model info npz announcing 10^9 x 784 weights" "layer0.weight" -- \
            model info "$IN/npz-huge.npz"
    fi

    echo "== usage: wrong shapes"
    hc usage "eval a 28x28 model on CIFAR-10" "cifar-good||--data" -- \
        eval "$IN/m.ncm" --data "$IN/cifar-good"
    hc usage "chip run an 8x8 model on 28x28 data" "good28||--data||m8.ncm" -- \
        chip run "$IN/m8.ncm" --data "$G28" --ber 0 --chips 2 --rows 8 --cols 8
    hc usage "sweep an 8x8 model on 28x28 data" "good28||--data||m8.ncm" -- \
        sweep ber "$IN/m8.ncm" --data "$G28" --ber 0,0.1 --array 8
    hc usage "sweep two models of different shapes" "m8.ncm" -- \
        sweep ber "$IN/m.ncm" "$IN/m8.ncm" --data "$G28" --ber 0,0.1 --array 8
    hc usage "chip run --ber-layer of 3 values for 2 layers" "--ber-layer" -- \
        chip run "$IN/m.ncm" --data "$G28" $RC --ber-layer 0.1,0.1,0.1 --chips 2
    hc usage "chip run --icc-layer of 1 value for 2 layers" "--icc-layer" -- \
        chip run "$IN/m.ncm" --data "$G28" $RC --icc-layer 50 --chips 2
    hc usage "chip cost --rows above every fan-in" "--rows" -- chip cost "$IN/m.ncm" --rows 4096
    if [ -n "$HAVE_PY" ]; then
        hc usage "model import npz transposed weights" "layer0.weight" -- \
            model import "$IN/npz-transposed.npz" -o @O@/x.ncm
        hc usage "model import npz 11 classes" "n_classes||layer1" -- \
            model import "$IN/npz-classes.npz" -o @O@/x.ncm
        hc usage "model import npz input shape 1x8x8" "input_shape||layer0.weight" -- \
            model import "$IN/npz-shape.npz" -o @O@/x.ncm
    fi
fi

# ---- thread counts above the machine's: capped with one note, the run goes on ------------------

echo "== threads above the machine's"
NPROC=$(nproc)
thread_cap() {
    local name=$1
    shift
    (cd "$OUTS" && timeout -k 5 "$TIMEOUT" "$NANOCIM" "$@") >"$TMP/stdout" 2>"$TMP/stderr" \
        </dev/null
    local rc=$?
    if [ "$rc" -eq 0 ] && [ "$(wc -l <"$TMP/stderr")" -eq 1 ] &&
        grep -q "^nanocim: --threads 100000: capped to $NPROC" "$TMP/stderr"; then
        ok "$name (note: $(cat "$TMP/stderr"))"
    else
        bad "$name" "exit $rc, stderr: $(head -c 600 "$TMP/stderr")"
    fi
}
thread_cap "rram ber --threads 100000" rram ber --icc 20 --reads 1000 --threads 100000 -q
thread_cap "stno run --threads 100000" stno run --t-ns 50 --transient-ns 0 --threads 100000 -q
if [ -n "$HAVE_MODEL" ]; then
    thread_cap "eval --threads 100000" eval "$IN/m.ncm" --data "$G28" --threads 100000 -q
fi

# ---- hostile values a file may hold and the model accepts: the run ends, its numbers finite ----

echo "== extreme but valid device values: no hang, no NaN or inf printed with exit status 0"
ends() {
    local name=$1
    shift
    (cd "$OUTS" && timeout -k 5 "$TIMEOUT" "$NANOCIM" "$@") >"$TMP/stdout" 2>"$TMP/stderr" \
        </dev/null
    local rc=$?
    if { [ "$rc" -eq 0 ] && ! grep -qiwE -- '-?(nan|inf)' "$TMP/stdout"; } ||
        { { [ "$rc" -eq 1 ] || [ "$rc" -eq 2 ]; } && [ "$(wc -l <"$TMP/stderr")" -eq 1 ] &&
            grep -q '^nanocim: ' "$TMP/stderr"; }; then
        ok "$name (exit $rc)"
    else
        bad "$name" "exit $rc, stdout: $(head -c 300 "$TMP/stdout"), stderr: $(
            head -c 300 "$TMP/stderr")"
    fi
}
sed_to "$R" "$TMP/sigma-huge.json" 's/"sigma_ln_r": 0.33/"sigma_ln_r": 1e300/'
sed_to "$S" "$TMP/f0-huge.json" 's/"f0_mhz": 300/"f0_mhz": 1e300/'
ends "rram ber, LRS sigma 1e300 (the reference search once never ended)" \
    rram ber --device "$TMP/sigma-huge.json" --icc 20,100 --reads 1000
ends "stno run, f0 1e300 MHz" stno run --device "$TMP/f0-huge.json" --t-ns 100 --transient-ns 0
ends "stno run at 1e5 K" stno run --temperature 1e5 --t-ns 200 --transient-ns 0

# ---- summary ------------------------------------------------------------------------------------

printf '%d cases:' "$ncase"
for c in resources values corrupt usage; do printf ' %s %d' "$c" "${CLASS_N[$c]:-0}"; done
echo
if [ -n "$HAVE_PY" ] && [ "$ncase" -lt 120 ]; then
    bad "case count" "only $ncase cases (at least 120 expected)"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
