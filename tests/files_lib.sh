# Shared by the CLI tests that build damaged input files (sourced): bytes, big- and little-endian
# integers, IDX files, byte flips, CRC repair.

# byte N: the byte of value N (0..255).
byte() { printf %b "\\x$(printf %02x "$1")"; }

# u32be N: 4 bytes, big-endian, as printf escapes.
u32be() {
    printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 >> 24 & 255)) $(($1 >> 16 & 255)) \
        $(($1 >> 8 & 255)) $(($1 & 255))
}

# write_idx_images PATH N ROWS COLS DATA_BYTES [MAGIC]: an IDX3 header (MAGIC, printf escapes,
# default \x00\x00\x08\x03) announcing N images, then DATA_BYTES bytes of pixels (fewer than
# N*ROWS*COLS makes it truncated).
write_idx_images() {
    {
        printf %b "${6:-\\x00\\x00\\x08\\x03}"
        printf %b "$(u32be "$2")$(u32be "$3")$(u32be "$4")"
        head -c "$5" /dev/zero | tr '\0' '\177'
    } >"$1"
}

# write_idx_labels PATH N [BAD]: N labels 0..9 cycling; BAD (if given) replaces the last one.
write_idx_labels() {
    local i
    {
        printf '\x00\x00\x08\x01'
        printf %b "$(u32be "$2")"
        for ((i = 0; i < $2 - 1; i++)); do byte $((i % 10)); done
        byte "${3:-$((($2 - 1) % 10))}"
    } >"$1"
}

# flip_byte FILE OFFSET: XOR the byte at OFFSET with 0xff, in place.
flip_byte() {
    local b
    b=$(od -An -tu1 -j "$2" -N 1 "$1" | tr -d ' ')
    byte $((b ^ 255)) | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# set_u32le FILE OFFSET VALUE: overwrite a little-endian u32 in place.
set_u32le() {
    { byte $(($3 & 255)); byte $(($3 >> 8 & 255)); byte $(($3 >> 16 & 255)); byte $(($3 >> 24 & 255)); } |
        dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# fix_crc FILE: recompute a nanocim binary file's trailing CRC-32 (gzip's trailer holds the
# CRC-32 of its input, little-endian, as the file does).
fix_crc() {
    local size
    size=$(stat -c %s "$1")
    head -c $((size - 4)) "$1" | gzip -c | tail -c 8 | head -c 4 |
        dd of="$1" bs=1 seek=$((size - 4)) conv=notrunc status=none
}
