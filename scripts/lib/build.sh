# The release build as scripts/run and scripts/test make it: `cargo leptos build --release --split
# --precompress`, with the server built beside the front end, and nothing rebuilt when nothing
# changed. Source it.
#
#   leptos_release build     builds target/site and target/release/server unless they are current
#   leptos_release serve     the same, then serves (replaces the shell)
#
# --split: every page is a lazy WASM chunk (app/src/pages.rs, app/src/admin/lazy.rs);
# --precompress: a brotli and a gzip copy beside each file, sent to browsers that accept them;
# LEPTOS_HASH_FILES=true: content hashes in the file names (server/src/assets.rs).

release_dir() { echo "${CARGO_TARGET_DIR:-target}/release"; }
# Written after a successful build; a build is current while no input is newer.
release_stamp() { echo "$(release_dir)/igny8-release.stamp"; }

release_is_current() {
    local stamp
    stamp="$(release_stamp)"
    [[ -f "$stamp" && -x "$(release_dir)/server" ]] || return 1
    [[ -z "$(find app frontend server style public Cargo.toml Cargo.lock .cargo -newer "$stamp" -print -quit 2>/dev/null)" ]]
}

leptos_release() {
    local command="$1"
    if release_is_current; then
        echo "release: nothing changed since the last build; using it" >&2
    else
        build_release
    fi
    if [[ "$command" == serve ]]; then
        # What `cargo leptos serve` would do, without its first-build rerun of the WASM steps:
        # the server finds the site and its hashed names by itself (server/src/config.rs).
        LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-${CARGO_TARGET_DIR:-target}/site}" exec "$(release_dir)/server"
    fi
}

build_release() {
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
    local server_build=$! started
    # The stamp takes the time the build started: an edit made meanwhile is newer than it.
    started="$(mktemp -t igny8-build-started.XXXXXX)"
    rm -f "$(release_stamp)"
    # The JS is wasm-bindgen's glue, sent brotli-compressed: no minifier (scripts/setup builds
    # cargo-leptos without one, scripts/lib/lean_cargo_leptos.py; Cargo.toml says false too).
    cargo leptos build --release --split --precompress --js-minify false
    wait "$server_build"
    touch -r "$started" "$(release_stamp)"
    rm -f "$started"
}
