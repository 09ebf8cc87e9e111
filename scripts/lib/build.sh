# The release build as scripts/run and scripts/test make it: `cargo leptos build|serve --release
# --split --precompress`, with two speed-ups cargo-leptos does not make by itself. Source it.
#
#   leptos_release build     builds target/site and target/release/server
#   leptos_release serve     the same, then serves (replaces the calling shell)
#
# --split: every page is a lazy WASM chunk (app/src/pages.rs, app/src/admin/lazy.rs);
# --precompress: a brotli and a gzip copy beside each file, sent to browsers that accept them;
# LEPTOS_HASH_FILES=true: content hashes in the file names (server/src/assets.rs).

leptos_release() {
    local command="$1"
    # Content-hashed file names (Cargo.toml says why only here).
    export LEPTOS_HASH_FILES=true
    # With hashed file names cargo-leptos builds the server only after the front end, yet our
    # server reads those names when it runs (target/release/hash.txt), not when it compiles.
    # The same cargo command cargo-leptos runs afterwards, started now beside the front end's
    # build (which has a target dir of its own), leaves it nothing to do: on 2 cores the two
    # fill each other's idle stretches (LTO of the WASM, wasm-opt's one file at a time).
    # LEPTOS_OUTPUT_NAME is the one variable leptos reads at compile time; cargo-leptos sets it
    # to the package name.
    local server_log
    server_log="$(mktemp -t igny8-server-build.XXXXXX)"
    (
        LEPTOS_OUTPUT_NAME=igny8 cargo build --release --package=server --bin=server >"$server_log" 2>&1 ||
            echo "release: the early server build failed; cargo-leptos builds it again and shows why" >&2
        rm -f "$server_log"
    ) &
    local server_build=$!
    if [[ "$command" == serve ]]; then
        exec cargo leptos serve --release --split --precompress
    fi
    cargo leptos "$command" --release --split --precompress
    wait "$server_build"
}
